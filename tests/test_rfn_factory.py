"""The trained RFN inside the tracker: the factory's ``fusion="rfn"`` and channel checks."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from rgbt_runtime import InputError, save_torch_atomic
from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from rgbt_track.feature_fusion.rfn import ReducedRFNFusion, load_rfn_for, rfn_file_dict
from rgbt_track.weights import shipped_weights
from trackers.config import get_arch


def test_rfn_file_for_other_channels_is_refused(tmp_path):
    path = tmp_path / "rfn.pth"
    save_torch_atomic(rfn_file_dict(ReducedRFNFusion([8, 8]), {"arch": "other"}), path)
    assert load_rfn_for(path, [8, 8]).channels == [8, 8]
    with pytest.raises(InputError, match="trained for arch 'other'"):
        load_rfn_for(path, [8, 8, 8])


def test_unknown_arch_has_no_shipped_rfn():
    with pytest.raises(InputError, match="train-rfn"):
        shipped_weights("r50", "rfn")


def test_shipped_tiny_rfn_tracks_in_fused_mode():
    spec = get_arch("tiny")
    fusion = load_rfn_for(shipped_weights("tiny", "rfn"), spec.neck_out_channels)
    assert isinstance(fusion, ReducedRFNFusion) and not fusion.training
    tracker = build_tracker(TrackerSpec(mode="fused", fusion="rfn"))
    assert isinstance(tracker.fusion, ReducedRFNFusion)
    rng = np.random.default_rng(0)
    frame = {"color": rng.integers(0, 255, (120, 160, 3), dtype=np.uint8),
             "ir": rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)}
    tracker.init(frame, (60, 40, 30, 24))
    result = tracker.track(frame)
    assert np.isfinite(result.box).all() and 0.0 <= result.score <= 1.0
    with torch.no_grad():
        feats = [torch.randn(1, c, 7, 7) for c in spec.neck_out_channels]
        assert all(torch.isfinite(f).all() for f in fusion(feats, feats))
