"""rgbt_track.factory / weights / feature_fusion.l1: the pieces that join trackers and fusion."""
from __future__ import annotations

import pytest
import torch

from rgbt_runtime.errors import InputError
from fusion.strategies import l1_norm
from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from rgbt_track.feature_fusion.l1 import L1NormFeatureFusion
from rgbt_track.weights import WEIGHTS_DIR, default_tracker_weights
from trackers.model import build_model


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("factory") / "tiny.pth"
    torch.manual_seed(0)
    torch.save(build_model("tiny").state_dict(), path)
    return path


def test_fused_mode_gets_the_l1_fusion(checkpoint):
    tracker = build_tracker(TrackerSpec(mode="fused", fusion="l1", checkpoint=str(checkpoint)))
    assert isinstance(tracker.fusion, L1NormFeatureFusion) and tracker.mode == "fused"


def test_single_modality_modes_ignore_fusion(checkpoint):
    for mode in ("rgb", "ir"):
        tracker = build_tracker(TrackerSpec(mode=mode, checkpoint=str(checkpoint), fusion="l1"))
        assert tracker.fusion is None and tracker.mode == mode


def test_a_fusion_module_can_be_passed_directly(checkpoint):
    module = L1NormFeatureFusion(window_radius=1)
    assert build_tracker(TrackerSpec(checkpoint=str(checkpoint)), fusion=module).fusion is module


def test_weights_are_loaded(checkpoint):
    tracker = build_tracker(TrackerSpec(mode="rgb", checkpoint=str(checkpoint)))
    expected = torch.load(checkpoint, weights_only=True)["rpn_head.cls_weight"]
    assert torch.equal(tracker.model.rpn_head.cls_weight, expected)


def test_unknown_names(checkpoint):
    with pytest.raises(InputError, match="unknown fusion 'rfnx'"):
        TrackerSpec(checkpoint=str(checkpoint), fusion="rfnx")
    with pytest.raises(InputError, match="unknown arch 'vgg'"):
        TrackerSpec(arch="vgg", checkpoint=str(checkpoint))


def test_default_weights():
    for arch, zoo in (("r50", "siamrpn_r50_l234_dwxcorr/model.pth"), ("mobilev2", "siamrpn_mobilev2_l234_dwxcorr/model.pth")):
        with pytest.raises(InputError, match=f"pass --checkpoint, the pysot model-zoo file {zoo}"):
            default_tracker_weights(arch)
    shipped = WEIGHTS_DIR / "tiny_siamrpn.pth"
    if shipped.is_file():
        assert default_tracker_weights("tiny") == shipped
    else:
        with pytest.raises(InputError, match="tiny_siamrpn.pth are missing: pass --checkpoint"):
            default_tracker_weights("tiny")


def test_l1_fusion_is_the_strategy_per_level():
    torch.manual_seed(0)
    rgb = [torch.randn(2, 8, 7, 7), torch.randn(2, 8, 31, 31)]
    ir = [torch.randn(2, 8, 7, 7), torch.randn(2, 8, 31, 31)]
    fused = L1NormFeatureFusion()(rgb, ir)
    assert len(fused) == 2
    for f, r, i in zip(fused, rgb, ir):
        assert torch.allclose(f, l1_norm(i, r))
    # where IR is silent the RGB feature passes unchanged
    out = L1NormFeatureFusion()([rgb[0]], [torch.zeros_like(rgb[0])])[0]
    assert torch.allclose(out, rgb[0], atol=1e-6)
    assert sum(p.numel() for p in L1NormFeatureFusion().parameters()) == 0
