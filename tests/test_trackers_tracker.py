"""The tracking loop: follows a moving textured square, mode plumbing, input validation."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from trackers.builder import build_tracker
from trackers.config import AnchorConfig, get_arch
from rgbt_runtime.errors import InputError
from trackers.model import build_model
from trackers.rpn_head import xcorr_depthwise
from trackers.tracker import SiameseTracker, TrackResult

SIDE = 40  # target side: with context its template crop is 80 px, so it appears 64x64 in the crop


class CorrelationModel(nn.Module):
    """A hand-built Siamese network: 8x8-pooled grey images, plain cross-correlation as the score.

    ``features``: mean-removed 8x8 average pooling (127 -> 15 -> centre 7x7, 255 -> 31);
    ``head``: foreground logit = 10 * (normalised cross-correlation - 0.5) for every anchor, background 0; loc = 0, so each anchor
    predicts itself and the scale penalty picks the one matching the target's size.
    """

    def features(self, images):
        grey = images.mean(dim=1, keepdim=True)
        pooled = F.avg_pool2d(grey, 8, 8, ceil_mode=False)[..., :31, :31]
        pooled = pooled - pooled.mean(dim=(2, 3), keepdim=True)
        if pooled.size(3) < 20:
            pooled = pooled[:, :, 4:11, 4:11]
        return [pooled]

    def head(self, z_feats, x_feats):
        z, x = z_feats[0], x_feats[0]
        corr = xcorr_depthwise(x, z)  # (B, 1, 25, 25)
        local_norm = F.conv2d(x * x, torch.ones(1, 1, 7, 7)).sqrt()
        ncc = corr / (local_norm * z.flatten(1).norm(dim=1).view(-1, 1, 1, 1) + 1e-6)
        fg = (10 * (ncc - 0.5)).expand(-1, 5, -1, -1)
        cls = torch.cat([torch.zeros_like(fg), fg], dim=1)
        loc = torch.zeros(corr.size(0), 20, 25, 25)
        return cls, loc


def _scene(rng, height=240, width=320):
    background = np.kron(rng.integers(90, 140, (height // 8, width // 8)), np.ones((8, 8))).astype(np.uint8)
    target = np.kron(rng.integers(0, 2, (5, 5)) * 255, np.ones((8, 8))).astype(np.uint8)
    return background, target


def _frame(background, target, x, y):
    img = background.copy()
    img[y:y + SIDE, x:x + SIDE] = target
    return np.repeat(img[:, :, None], 3, axis=2)


def _iou(a, b):
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _tracker(mode="rgb", fusion=None, precision="fp32"):
    spec = get_arch("r50")
    return SiameseTracker(CorrelationModel(), spec.hyperparams, AnchorConfig(), mode=mode, fusion=fusion,
                          precision=precision)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_follows_a_moving_textured_square(precision):
    rng = np.random.default_rng(0)
    background, target = _scene(rng)
    tracker = _tracker(precision=precision)
    tracker.init({"color": _frame(background, target, 60, 50)}, (60, 50, SIDE, SIDE))
    ious = []
    for t in range(1, 30):
        x, y = 60 + 5 * t, 50 + 3 * t
        result = tracker.track({"color": _frame(background, target, x, y)})
        ious.append(_iou(result.box, (x, y, SIDE, SIDE)))
    assert min(ious) > 0.6, ious
    assert abs(result.box[2] - SIDE) < 8 and abs(result.box[3] - SIDE) < 8


def test_result_holds_the_raw_response():
    rng = np.random.default_rng(1)
    background, target = _scene(rng)
    tracker = _tracker()
    tracker.init({"color": _frame(background, target, 100, 100)}, (100, 100, SIDE, SIDE))
    result = tracker.track({"color": _frame(background, target, 108, 100)})
    assert isinstance(result, TrackResult)
    assert result.response.shape == (5, 25, 25) and result.response.dtype == np.float32
    assert np.all((result.response > 0) & (result.response < 1))
    assert np.isclose(result.response, result.score, rtol=0, atol=1e-6).any() and result.score > 0.9
    peak = np.unravel_index(result.response[2].argmax(), (25, 25))
    # the target moved 8 px right; in the crop that is 8 * 127 / 80 = 12.7 px = 1.6 cells
    assert peak[0] == 12 and peak[1] in (13, 14)


class PickOne(nn.Module):
    """Fusion module returning one modality's features; records the shapes it saw."""

    def __init__(self, which):
        super().__init__()
        self.which, self.calls = which, []

    def forward(self, rgb_feats, ir_feats):
        self.calls.append((rgb_feats[0].shape, ir_feats[0].shape))
        return rgb_feats if self.which == "rgb" else ir_feats


@pytest.mark.parametrize("which", ["rgb", "ir"])
def test_fused_mode_hands_rgb_then_ir_to_the_fusion_module(which):
    rng = np.random.default_rng(2)
    background, target = _scene(rng)
    flat = np.full((240, 320, 3), 60, np.uint8)
    fusion = PickOne(which)
    tracker = _tracker("fused", fusion)
    visible_first = _frame(background, target, 60, 60)
    frames = {"color": visible_first, "ir": flat} if which == "rgb" else {"color": flat, "ir": visible_first}
    tracker.init(frames, (60, 60, SIDE, SIDE))
    assert [m.tolist() for m in tracker.means] == [frames["color"].mean((0, 1)).tolist(), frames["ir"].mean((0, 1)).tolist()]
    for t in range(1, 8):
        moved = _frame(background, target, 60 + 6 * t, 60)
        frames = {"color": moved, "ir": flat} if which == "rgb" else {"color": flat, "ir": moved}
        result = tracker.track(frames)
    assert _iou(result.box, (60 + 6 * 7, 60, SIDE, SIDE)) > 0.6
    assert fusion.calls[0] == (torch.Size([1, 1, 7, 7]), torch.Size([1, 1, 7, 7]))  # template fused once
    assert all(c == (torch.Size([1, 1, 31, 31]),) * 2 for c in fusion.calls[1:]) and len(fusion.calls) == 8


def test_ir_mode_reads_the_ir_frame_and_accepts_gray():
    rng = np.random.default_rng(3)
    background, target = _scene(rng)
    tracker = _tracker("ir")
    gray = _frame(background, target, 80, 80)[:, :, 0]
    tracker.init({"ir": gray}, (80, 80, SIDE, SIDE))
    result = tracker.track({"ir": _frame(background, target, 86, 84)[:, :, 0], "color": None})
    assert _iou(result.box, (86, 84, SIDE, SIDE)) > 0.6


@pytest.mark.parametrize("mode", ["rgb", "ir", "fused"])
def test_tiny_random_weights_run_in_every_mode(mode):
    class Average(nn.Module):
        def forward(self, rgb_feats, ir_feats):
            return [(a + b) / 2 for a, b in zip(rgb_feats, ir_feats)]

    torch.manual_seed(0)
    tracker = build_tracker("tiny", mode=mode, fusion=Average() if mode == "fused" else None)
    rng = np.random.default_rng(4)
    frames = {"color": rng.integers(0, 255, (120, 160, 3), dtype=np.uint8),
              "ir": rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)}
    tracker.init(frames, (10, 20, 30, 40))
    for _ in range(2):
        result = tracker.track(frames)
        x, y, w, h = result.box
        assert 10 <= w <= 160 and 10 <= h <= 120 and np.isfinite([x, y]).all()
        assert result.response.shape == (5, 25, 25)


def test_bf16_runs_the_network_in_bf16_with_float32_responses():
    torch.manual_seed(0)
    model = build_model("tiny")
    spec = get_arch("tiny")
    trackers = {p: SiameseTracker(model, spec.hyperparams, spec.anchors, precision=p) for p in ("fp32", "bf16")}
    rng = np.random.default_rng(5)
    frames = [{"color": rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)} for _ in range(2)]
    responses = {}
    for precision, tracker in trackers.items():
        tracker.init(frames[0], (40, 30, 30, 40))
        responses[precision] = tracker.track(frames[1]).response
    assert trackers["bf16"]._z_feats[0].dtype == torch.bfloat16 and trackers["fp32"]._z_feats[0].dtype == torch.float32
    assert responses["bf16"].dtype == np.float32
    assert not np.array_equal(responses["bf16"], responses["fp32"])
    assert np.abs(responses["bf16"] - responses["fp32"]).max() < 0.1


def test_invalid_inputs():
    frame = np.zeros((50, 60, 3), np.uint8)
    with pytest.raises(InputError, match="unknown precision 'fp8'"):
        _tracker(precision="fp8")
    with pytest.raises(InputError, match="fp16 precision needs a CUDA device"):
        _tracker(precision="fp16")
    with pytest.raises(InputError, match="unknown tracking mode 'rgbt'"):
        _tracker("rgbt")
    with pytest.raises(InputError, match="fused mode needs a fusion module"):
        _tracker("fused")
    with pytest.raises(InputError, match="only used in fused mode"):
        _tracker("rgb", PickOne("rgb"))
    tracker = _tracker("fused", PickOne("rgb"))
    with pytest.raises(InputError, match="track\\(\\) called before init\\(\\)"):
        tracker.track({"color": frame, "ir": frame})
    with pytest.raises(InputError, match="fused mode needs the 'ir' frame"):
        tracker.init({"color": frame}, (1, 1, 5, 5))
    with pytest.raises(InputError, match="color and ir frames differ in size: color 60x50, ir 60x40"):
        tracker.init({"color": frame, "ir": frame[:40]}, (1, 1, 5, 5))
    with pytest.raises(InputError, match="must be uint8"):
        tracker.init({"color": frame.astype(np.float32), "ir": frame}, (1, 1, 5, 5))
    with pytest.raises(InputError, match="HxW or HxWx3"):
        tracker.init({"color": np.zeros((50, 60, 4), np.uint8), "ir": frame}, (1, 1, 5, 5))
    for box, message in [((1, 1, 0, 5), "positive"), ((1, 1, 5, -2), "positive"),
                         ((60, 10, 5, 5), "outside the 60x50 image"), ((-10, 10, 10, 5), "outside"),
                         ((1, 1, float("nan"), 5), "non-finite"), ((1, 2, 3), "four numbers")]:
        with pytest.raises(InputError, match=message):
            tracker.init({"color": frame, "ir": frame}, box)
    tracker.init({"color": frame, "ir": frame}, (-5, -5, 10, 10))  # partly outside is fine
    with pytest.raises(InputError, match="differs from the init frame's 60x50"):
        tracker.track({"color": frame[:40], "ir": frame[:40]})


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA present")
def test_cuda_request_without_cuda():
    with pytest.raises(InputError, match="CUDA is not available"):
        build_tracker("tiny", device="cuda")


@pytest.mark.parametrize("bad", ["overflow", "nan"])
def test_saturated_or_nan_head_outputs_keep_the_box_finite(bad):
    """A saturated box head (exp overflow) or NaN outputs neither crash the tracker nor give a NaN box."""
    tracker = build_tracker("tiny", mode="rgb")
    frame = np.random.default_rng(1).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    tracker.init({"color": frame}, (40, 30, 30, 20))
    n = tracker.anchors.shape[0]
    score = np.full(n, 0.5, dtype=np.float32)
    delta = np.zeros((4, n), dtype=np.float32)
    if bad == "overflow":
        delta[2:] = 1000.0
    else:
        delta[:] = np.nan
        score[:] = np.nan
    for _ in range(2):
        x, y, w, h = tracker._update(score, delta, 1.0).box
        assert np.isfinite([x, y, w, h]).all() and 10 <= w <= 160 and 10 <= h <= 120
    if bad == "nan":  # the last state is kept (pysot's centre convention moves x, y by half a pixel)
        assert np.allclose((x, y, w, h), (40, 30, 30, 20), atol=0.5)
