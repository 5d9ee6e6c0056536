"""int8 fusion (``fusion.int8``, ``rfn-nest fuse --dtype int8``): exact glue, what is quantized, accuracy, CPU only."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.ao.nn.intrinsic import quantized as nniq

from fusion.blocks import upsample_to
from fusion.cli import main
from fusion.images import min_max_to_uint8
from fusion.inference import calibrate_int8, fuse_arrays, load_model
from fusion.int8 import _ChannelsLastReflectConv, _reflect_pad1, _upsample_to
from fusion.model import RFNNest, RFNNestConfig
from rgbt_runtime.quantization import quiet, vnni_cpu

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# PSNR of the saved int8 image of TNO pair IR1 (360x270, embedded weights) against fp32's, as this
# test computes it on the Zen 4 test machine: 48.4 dB with 8-bit activations (VNNI), 39.9 dB with 7
# bits (before the uint8 truncation `bench/bench_fusion_int8.py --networks default --pairs 1 --crop 0
# --rows "int8 (package)" "7-bit activations"` gives 49.3 / 40.0 dB); the floors leave ~3.5 dB for
# other CPUs' kernels.
PSNR_FLOOR_DB = 45.0 if vnni_cpu() else 36.5


@pytest.mark.parametrize("h, w", [(4, 5), (5, 4), (3, 3), (6, 8)])
def test_branch_free_upsampling_equals_the_reference_for_odd_and_even_sizes(h, w):
    x = torch.rand(2, 3, h, w)
    for dh in (0, 1):
        for dw in (0, 1):
            like = torch.empty(1, 1, 2 * h + dh, 2 * w + dw)
            assert torch.equal(_upsample_to(x, like), upsample_to(x, like))


def test_channels_last_reflection_padding_equals_f_pad():
    with quiet():
        q = torch.quantize_per_tensor(torch.rand(1, 5, 6, 7) * 3, 0.02, 3, torch.quint8)
        q = q.contiguous(memory_format=torch.channels_last)
        padded = _reflect_pad1(q)
        expected = F.pad(q.dequantize(), [1, 1, 1, 1], mode="reflect")
    assert padded.is_contiguous(memory_format=torch.channels_last) and padded.q_scale() == q.q_scale()
    assert torch.equal(padded.dequantize(), expected)


def _pair(rng, shape=(37, 45)):
    ir = rng.integers(0, 256, shape).astype(np.float32)
    vi = cv2.GaussianBlur(rng.integers(0, 256, shape).astype(np.float32), (5, 5), 0)
    return ir, vi


def test_every_convolution_but_the_output_one_is_int8():
    torch.manual_seed(0)
    model = RFNNest(RFNNestConfig((8, 12, 16, 20), 4)).eval().requires_grad_(False)
    net = calibrate_int8(model, *_pair(np.random.default_rng(0)))
    parts = [net.encoder, *net.rfn, net.decoder]
    int8 = sum(isinstance(m, nniq.ConvReLU2d) for p in parts for m in p.modules())
    padded = sum(isinstance(m, _ChannelsLastReflectConv) for p in parts for m in p.modules())
    convs = sum(isinstance(m, torch.nn.Conv2d) for m in model.modules())
    assert int8 == convs - 1 and padded == sum(m.kernel_size == (3, 3) for m in model.modules()
                                                 if isinstance(m, torch.nn.Conv2d))
    out = net.decoder.decoder.heads.conv_out.conv2d  # float conv + ReLU (fused by FX, not quantized)
    assert not isinstance(out, nniq.ConvReLU2d) and out[0].weight.dtype == torch.float32
    first = model.encoder.levels[0].denseblock[0]  # the float model is untouched (pads itself, zero-padded conv)
    assert first.padding == 1 and first.conv2d.padding_mode == "zeros"


def test_calibration_is_on_the_pair_itself(tmp_path):
    """Each pair gets its own ranges: fusing B after A equals fusing B alone."""
    model = load_model()
    rng = np.random.default_rng(1)
    a, b = _pair(rng), _pair(rng)
    b = (b[0] * 0.25, b[1] * 0.25)  # darker: ranges from A would be too wide
    alone = fuse_arrays(model, *b, dtype="int8")
    fuse_arrays(model, *a, dtype="int8")
    assert np.array_equal(fuse_arrays(model, *b, dtype="int8"), alone)
    assert not np.array_equal(fuse_arrays(calibrate_int8(model, *a), *b, dtype="int8"), alone)


@pytest.mark.parametrize("strategy", ["l1", "add"])
def test_a_handcrafted_strategy_runs_in_float_between_the_int8_encoder_and_decoder(strategy):
    model = load_model()
    pair = _pair(np.random.default_rng(3))
    net = calibrate_int8(model, *pair, strategy)
    assert len([m for m in net.rfn.modules() if isinstance(m, nniq.ConvReLU2d)]) == 0
    int8, fp32 = (min_max_to_uint8(fuse_arrays(model, *pair, strategy, dtype)) for dtype in ("int8", "fp32"))
    assert _psnr(fp32, int8) > 35
    with pytest.raises(ValueError, match="calibrated for strategy"):
        fuse_arrays(net, *pair, "rfn", "int8")


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)))


def test_cli_int8_fuses_a_real_pair_within_the_measured_psnr_floor(tmp_path, shared_data):
    ir, vis = shared_data / "tno21" / "ir" / "IR1.png", shared_data / "tno21" / "vis" / "VIS1.png"
    for dtype in ("fp32", "int8"):
        assert main(["fuse", "--ir", str(ir), "--vis", str(vis), "--out", str(tmp_path / f"{dtype}.png"),
                     "--dtype", dtype, "--device", "cpu"]) == 0
    fp32, int8 = (cv2.imread(str(tmp_path / f"{d}.png"), cv2.IMREAD_GRAYSCALE) for d in ("fp32", "int8"))
    assert int8.shape == fp32.shape == (270, 360)
    assert PSNR_FLOOR_DB <= _psnr(fp32, int8) < 80  # int8 differs from fp32, but little


@pytest.mark.parametrize("device", ["cuda", "cuda:1", "meta"])
def test_cli_int8_refuses_a_non_cpu_device_with_one_line(tmp_path, capsys, device):
    out = tmp_path / "out" / "f.png"
    pair = _pair(np.random.default_rng(2))
    for name, image in zip(("ir.png", "vis.png"), pair):
        cv2.imwrite(str(tmp_path / name), image.astype(np.uint8))
    code = main(["fuse", "--ir", str(tmp_path / "ir.png"), "--vis", str(tmp_path / "vis.png"), "--out", str(out),
                 "--dtype", "int8", "--device", device])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0] == f"rfn-nest: error: --dtype int8 runs on the CPU only (PyTorch's quantized kernels), not --device {device}"
    assert not (tmp_path / "out").exists()
