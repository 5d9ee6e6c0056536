"""Exact tiled fusion (``fusion.tiles``): same output as one pass, memory planning, the CLI."""
import cv2
import numpy as np
import pytest
import torch

from fusion import tiles
from fusion.cli import main
from fusion.fast_forward import FastRFNNest
from fusion.inference import fuse_arrays, load_model, plan_tile
from fusion.model import checkpoint_dict
from rgbt_runtime.errors import InputError

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def model():
    """The embedded trained network (random weights give a nearly flat output that hides halo errors)."""
    return load_model()


def _pair(h, w, seed=0):
    rng = np.random.default_rng(seed)
    return [torch.from_numpy(rng.uniform(0, 255, (h, w)).astype(np.float32))[None, None] for _ in range(2)]


@pytest.mark.parametrize("size, core", [((203, 150), 64), ((150, 203), 48), ((97, 233), 200)])
def test_tiles_match_one_pass(model, size, core):
    ir, vi = _pair(*size)
    net = FastRFNNest(model)
    with torch.inference_mode():
        whole = net.fuse(ir, vi)
        tiled = tiles.fuse_tiled(net.fuse, ir, vi, core)
    assert tiled.shape == whole.shape
    assert (tiled - whole).abs().max() <= 1e-5 * whole.abs().max()


def test_a_halo_below_the_receptive_field_is_not_exact(model, monkeypatch):
    ir, vi = _pair(160, 160)
    net = FastRFNNest(model)
    monkeypatch.setattr(tiles, "HALO", 16)
    with torch.inference_mode():
        whole = net.fuse(ir, vi)
        tiled = tiles.fuse_tiled(net.fuse, ir, vi, 64)
    assert (tiled - whole).abs().max() > 1e-4 * whole.abs().max()  # 10x the tolerance of the exact tiles


def test_spans_are_aligned_and_cover():
    for length, core in ((1000, 64), (77, 40), (64, 64)):
        spans = tiles._spans(length, core)
        assert [s[2] for s in spans] == list(range(0, length, core)) and spans[-1][3] == length
        for lo, hi, start, end in spans:
            assert lo % 8 == 0 and (hi == length or hi % 8 == 0)
            assert lo == max(start - tiles.HALO, 0) and hi == min(end + tiles.HALO, length)
    with pytest.raises(ValueError, match="multiple of 8"):
        tiles.fuse_tiled(lambda a, b: a, *_pair(20, 20), 12)


def test_plan_tile_fits_the_memory_or_refuses(model):
    gib = 2**30
    assert plan_tile(model, (10000, 10000), available=1000 * gib) == 0  # fits: one pass
    core = plan_tile(model, (10000, 10000), available=4 * gib)
    window = (core + 2 * tiles.HALO) ** 2
    assert core % 8 == 0 and 64 <= core < 10000
    assert tiles.peak_bytes_estimate(model.config.channels, window) <= 0.8 * 4 * gib
    assert plan_tile(model, (10000, 10000), tile=256, available=1000 * gib) == 256
    with pytest.raises(InputError, match="cannot be tiled"):
        plan_tile(model, (10000, 10000), "nuclear", available=2 * gib)
    with pytest.raises(InputError, match="images alone"):
        plan_tile(model, (100000, 100000), available=2 * gib)
    with pytest.raises(InputError, match="multiple of 8"):
        plan_tile(model, (100, 100), tile=30)
    with pytest.raises(InputError, match="per-pixel strategy"):
        plan_tile(model, (100, 100), "sca", tile=64)


def test_fuse_arrays_tiles_when_memory_is_short(model, monkeypatch):
    ir, vi = (t[0, 0].numpy() for t in _pair(190, 170, seed=3))
    whole = fuse_arrays(model, ir, vi, tile=0)
    monkeypatch.setattr("fusion.inference.available_memory_bytes", lambda: 2 * 10**6)
    calls = []
    real = tiles.fuse_tiled
    monkeypatch.setattr("fusion.inference.fuse_tiled", lambda *a: calls.append(a[-1]) or real(*a))
    tiled = fuse_arrays(model, ir, vi)
    assert calls == [64]
    assert np.abs(tiled - whole).max() <= 1e-5 * np.abs(whole).max()


def test_cli_tile_option_and_refusal(tmp_path, model, capsys, monkeypatch):
    monkeypatch.setattr("fusion.commands.model_options.keep_freed_memory", lambda: True)
    ckpt = tmp_path / "m.pth"
    torch.save(checkpoint_dict(model), ckpt)
    rng = np.random.default_rng(1)
    for name in ("ir.png", "vis.png"):
        cv2.imwrite(str(tmp_path / name), rng.integers(0, 256, (150, 130), dtype=np.uint8))
    common = ["fuse", "--ir", str(tmp_path / "ir.png"), "--vis", str(tmp_path / "vis.png"), "--checkpoint", str(ckpt)]
    assert main([*common, "--out", str(tmp_path / "a.png"), "--tile", "0"]) == 0
    assert main([*common, "--out", str(tmp_path / "b.png"), "--tile", "48"]) == 0
    a, b = (cv2.imread(str(tmp_path / f), 0).astype(int) for f in ("a.png", "b.png"))
    assert np.abs(a - b).max() <= 1
    monkeypatch.setattr("fusion.inference.available_memory_bytes", lambda: 10**6)
    capsys.readouterr()
    assert main([*common, "--out", str(tmp_path / "c.png"), "--strategy", "nuclear"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(tmp_path / "ir.png") in err[0] and "GiB" in err[0]
    assert not (tmp_path / "c.png").exists()
