"""The trained RFN inside the tracker: the factory's ``fusion="rfn"`` and channel checks."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from rgbt_runtime import InputError, save_torch_atomic
from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from rgbt_track.rfn.model import ReducedRFNFusion, load_rfn_for, rfn_file_dict
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


def test_rfn_file_records_its_arch_and_is_refused_for_another(tmp_path):
    from rgbt_track.rfn.model import save_rfn

    path = tmp_path / "rfn.pth"
    save_rfn(ReducedRFNFusion([8, 8]), path, arch="mobilev2", meta={"step": 2})
    assert load_rfn_for(path, [8, 8], arch="mobilev2").channels == [8, 8]
    with pytest.raises(InputError, match=r"rfn.pth: this RFN was trained for the 'mobilev2' tracker, not 'r50'"):
        load_rfn_for(path, [8, 8], arch="r50")  # same channels, other network
    legacy = tmp_path / "legacy.pth"  # written before the arch was recorded: channels decide
    save_torch_atomic(rfn_file_dict(ReducedRFNFusion([8, 8])), legacy)
    assert load_rfn_for(legacy, [8, 8], arch="r50").channels == [8, 8]


def test_qpn_file_records_arch_and_mode_and_is_refused_for_another(tmp_path):
    from trackers.qpn import QualityPredictionNetwork, load_qpn_for, save_qpn

    path = tmp_path / "qpn.pth"
    save_qpn(QualityPredictionNetwork(), path, arch="mobilev2", mode="fused", meta={"fusion": "rfn"})
    assert load_qpn_for(path, "mobilev2", "fused", 5, 25).config.history == 20
    with pytest.raises(InputError, match="qpn.pth: this QPN was trained on the responses of the 'mobilev2' tracker"):
        load_qpn_for(path, "r50", "fused", 5, 25)
    with pytest.raises(InputError, match="qpn.pth: this QPN was trained on fused-mode responses"):
        load_qpn_for(path, "mobilev2", "ir", 5, 25)
    with pytest.raises(InputError, match="the QPN reads 5x25x25 responses"):
        load_qpn_for(path, "mobilev2", "fused", 5, 17)
