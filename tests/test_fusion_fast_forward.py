"""The fast inference path (``fusion.fast_forward``) computes what the modules compute."""
import pytest
import torch
import torch.nn.functional as F

from fusion import fast_ops
from fusion.blocks import upsample_to
from fusion.fast_forward import FastRFNNest, supports
from fusion.fast_ops import Up, conv1x1_relu, conv3x3_relu, padded_cat
from fusion.model import RFNNest, RFNNestConfig

SMALL = RFNNestConfig(channels=(32, 40, 48, 56), stem_channels=8)  # RFN and decoder wide enough for NNPACK


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("size", [(16, 16), (17, 23), (30, 41)])
def test_padded_cat_is_pad_of_cat(size):
    torch.manual_seed(0)
    h, w = size
    a, b = torch.rand(2, 3, h, w), torch.rand(2, 4, h, w)
    small = torch.rand(2, 5, h // 2, w // 2)
    like = torch.empty(2, 1, h, w)
    expected = F.pad(torch.cat([a, upsample_to(small, like), b], 1), [1, 1, 1, 1], mode="reflect")
    assert torch.equal(padded_cat([a, Up(small), b], size), expected)
    with pytest.raises(ValueError, match="cannot upsample"):
        padded_cat([Up(torch.rand(1, 2, 3, 3))], (9, 6))
    with pytest.raises(ValueError, match="at least 2x2"):
        padded_cat([torch.rand(1, 2, 1, 5)], (1, 5))


@pytest.mark.parametrize("nnpack", [True, False])
def test_convolutions_match_conv2d(nnpack, monkeypatch):
    if not nnpack:
        monkeypatch.setattr(fast_ops, "nnpack_usable", lambda: False)
    torch.manual_seed(0)
    x = torch.rand(1, 64, 21, 19)
    w3, b3 = torch.randn(16, 64, 3, 3) * 0.1, torch.randn(16)
    padded = F.pad(x, [1, 1, 1, 1], mode="reflect")
    expected = F.relu(F.conv2d(padded, w3, b3))
    assert torch.allclose(conv3x3_relu(padded, w3, b3), expected, rtol=1e-4, atol=1e-4)
    w1, b1 = torch.randn(8, 64), torch.randn(8)
    parts = list(x.split([20, 44], dim=1))
    expected = F.relu(F.conv2d(x, w1[:, :, None, None], b1))
    assert torch.allclose(conv1x1_relu(parts, list(w1.split([20, 44], dim=1)), b1), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("nnpack", [True, False])
@pytest.mark.parametrize("strategy", ["rfn", "l1", "sca"])
def test_fast_fuse_agrees_with_the_modules(strategy, nnpack, monkeypatch):
    if not nnpack:
        monkeypatch.setattr(fast_ops, "nnpack_usable", lambda: False)
    torch.manual_seed(0)
    model = RFNNest(SMALL).eval()
    for conv in model.modules():  # larger weights than the default init, so the output is not flat
        if isinstance(conv, torch.nn.Conv2d):
            conv.weight.data.mul_(2)
    model.decoder.heads.conv_out.conv2d.bias.data.fill_(1.0)
    ir, vi = torch.rand(1, 1, 37, 45) * 255, torch.rand(1, 1, 37, 45) * 255
    with torch.inference_mode():
        plain = model.double().fuse(ir.double(), vi.double(), strategy).float()
        fast = FastRFNNest(model.float()).fuse(ir, vi, strategy)
    assert fast.shape == plain.shape == (1, 1, 37, 45) and fast.dtype == torch.float32
    spread = float(plain.max() - plain.min())
    assert spread > 1e-3
    assert float((fast - plain).abs().max()) <= 1e-4 * spread  # float rounding only


def test_bf16_runs_and_ablations_are_not_covered():
    torch.manual_seed(0)
    model = RFNNest(SMALL).eval()
    ir, vi = torch.rand(1, 1, 20, 24) * 255, torch.rand(1, 1, 20, 24) * 255
    with torch.inference_mode():
        out = FastRFNNest(model, torch.bfloat16).fuse(ir, vi)
    assert out.dtype == torch.bfloat16 and torch.isfinite(out.float()).all()
    assert supports(model)
    for config in (RFNNestConfig((4, 6, 8, 10), 4, nest=False), RFNNestConfig((4, 6, 8, 10), 4, deep_supervision=True)):
        assert not supports(RFNNest(config))
        with pytest.raises(ValueError):
            FastRFNNest(RFNNest(config))
