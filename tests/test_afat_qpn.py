"""QPN shapes and peak shifting; the failure-aware wrapper's switching logic."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from trackers.afat import FailureAwareTracker
from trackers.qpn import LOST, QPNConfig, QualityPredictionNetwork, shift_peak_to_corner
from trackers.tracker import TrackResult


def test_shift_peak_to_corner_moves_the_maximum_and_keeps_values():
    maps = torch.rand(3, 5, 25, 25) * 0.5
    maps[0, 2, 7, 19] = 1.0
    maps[1, 4, 0, 0] = 1.0
    maps[2, 0, 24, 3] = 1.0
    shifted = shift_peak_to_corner(maps)
    assert torch.equal(shifted[:, :, 0, 0].amax(dim=1), torch.ones(3))
    assert torch.equal(shifted[0, 2, 0, 0], maps[0, 2, 7, 19])
    assert torch.equal(torch.sort(shifted.flatten()).values, torch.sort(maps.flatten()).values)
    assert torch.equal(shifted[0, 1, 1, 1], maps[0, 1, 8, 20])  # a circular roll


def test_qpn_output_shape_and_parameter_layout():
    qpn = QualityPredictionNetwork()
    out = qpn(torch.rand(2, 20, 5, 25, 25))
    assert out.shape == (2, 2)
    assert [m.out_channels for m in qpn.convs if isinstance(m, torch.nn.Conv2d)] == [32, 64, 64]
    assert qpn.fc[0].in_features == 64 * 4 * 4 and qpn.lstm.num_layers == 2 and qpn.lstm.hidden_size == 256
    small = QualityPredictionNetwork(QPNConfig(score_size=17))
    assert small(torch.rand(1, 4, 5, 17, 17)).shape == (1, 2)


def _qpn_that_says(lost: bool) -> QualityPredictionNetwork:
    qpn = QualityPredictionNetwork()
    with torch.no_grad():
        qpn.classifier.weight.zero_()
        qpn.classifier.bias.copy_(torch.tensor([0.0, 10.0] if lost else [10.0, 0.0]))
    return qpn


class FakeTracker:
    """Moves its centre by ``step`` each frame; records what it was asked."""

    def __init__(self, step: float):
        self.step, self.inits = step, 0

    def init(self, frames, box):
        x, y, w, h = box
        self.center, self.size, self.inits = np.array([x + w / 2, y + h / 2]), np.array([w, h]), self.inits + 1

    def track(self, frames):
        self.center = self.center + self.step
        response = np.zeros((5, 25, 25), np.float32)
        response[0, 3, 3] = 1
        x, y = self.center - self.size / 2
        return TrackResult((float(x), float(y), *map(float, self.size)), 1.0, response)


@pytest.mark.parametrize("lost", [False, True])
def test_correction_runs_only_when_qpn_says_lost_and_history_is_full(lost):
    base, corr = FakeTracker(step=1.0), FakeTracker(step=100.0)
    afat = FailureAwareTracker(base, corr, _qpn_that_says(lost), history=3)
    afat.init({}, (0, 0, 10, 10))
    assert base.inits == 1 and corr.inits == 1
    r1, r2 = afat.track({}), afat.track({})
    assert np.isnan(r1.lost_probability) and not r1.corrected and not r2.corrected
    r3 = afat.track({})
    assert r3.corrected == lost and (r3.lost_probability > 0.5) == lost
    if lost:
        # correction starts from the base's state before frame 3 (centre 5+2 = 7) and moves 100
        assert r3.box[0] == pytest.approx(107 - 5) and base.center[0] == pytest.approx(107)
        assert len(afat.history) == 0 and afat.corrections == 1
    else:
        assert r3.box[0] == pytest.approx(8 - 5)


def test_disabled_or_without_correction_returns_base_boxes():
    for afat in (FailureAwareTracker(FakeTracker(1.0), FakeTracker(50.0), _qpn_that_says(True), history=1,
                                     enabled=False),
                 FailureAwareTracker(FakeTracker(1.0), None, _qpn_that_says(True), history=1)):
        afat.init({}, (0, 0, 10, 10))
        result = afat.track({})
        assert not result.corrected and result.box[0] == pytest.approx(1.0)
        assert result.lost_probability > 0.5


def test_cached_embeddings_give_the_same_verdict_as_the_whole_window():
    torch.manual_seed(0)
    qpn = QualityPredictionNetwork(QPNConfig(history=4)).eval()
    window = shift_peak_to_corner(torch.rand(4, 5, 25, 25))
    with torch.no_grad():
        whole = torch.softmax(qpn(window.unsqueeze(0)), dim=1)[0, LOST].item()
        cached = qpn.lost_probability(torch.stack([qpn.embed(m.unsqueeze(0))[0] for m in window]))
    assert cached == pytest.approx(whole, abs=1e-6)
