"""AFAT's failure-aware tracking: a QPN watches the base tracker and calls a correction tracker.

Design (AFAT publishes no code; ``docs/tracker.md``):

* ``init`` initialises the base and the correction tracker on the same frame and box and clears
  the response history.
* ``track`` runs the base tracker, embeds its response map (peak shifted to the corner) with the
  QPN's per-frame layers, keeps the embeddings of the last ``history`` frames and, once the
  history is full, asks the QPN's LSTMs for P(lost). Before the history is full no decision is
  made.
* When P(lost) > ``threshold`` and a correction tracker is given, the frame is **re-tracked**: the
  correction tracker is first synchronised to the base tracker's state *before* this frame
  (centre and size, so it searches where the base was last trusted), it tracks the frame with
  its own template (taken at ``init``), its box becomes the output, the base tracker continues
  from that box, and the history is reset. Without a correction tracker (or with
  ``enabled=False``) the base result is returned unchanged; the QPN verdict is still reported.

Both trackers must expose ``init(frames, box)``, ``track(frames) -> TrackResult`` and the state
attributes ``center`` (cx, cy) and ``size`` (w, h) of :class:`trackers.tracker.SiameseTracker`.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np
import torch

from trackers.config import TrackerHyperparams
from trackers.qpn import QualityPredictionNetwork, shift_peak_to_corner
from trackers.tracker import SiameseTracker, TrackResult

REDETECT_INSTANCE_SIZE = 319
"""Search crop of the re-detection settings: 127 + 24 * 8, a 33x33 score map instead of 25x25."""


def redetection_hyperparams(hp: TrackerHyperparams) -> TrackerHyperparams:
    """Settings that turn a tracker into a correction tracker for itself when no stronger one exists.

    AFAT corrects its MobileNetV2 base with a ResNet-50 tracker. Where only one network is at hand
    (the ``tiny`` default) the correction is the same network searching a wider region
    (:data:`REDETECT_INSTANCE_SIZE`, 1.25x the side) with half the cosine-window influence, so a
    target the base tracker lost to a nearby distractor or clutter can be found again; the same
    idea as pysot's long-term SiamRPN, which widens its search once it judges the target lost.
    """
    return replace(hp, instance_size=max(hp.instance_size, REDETECT_INSTANCE_SIZE),
                   window_influence=hp.window_influence / 2)


@dataclass
class FailureAwareResult(TrackResult):
    """:class:`TrackResult` plus the QPN's verdict.

    Attributes:
        lost_probability: P(lost) from the QPN for this frame, NaN while the history fills.
        corrected: True when the box comes from the correction tracker.
    """

    lost_probability: float = float("nan")
    corrected: bool = False


class FailureAwareTracker:
    """Base tracker + QPN + optional correction tracker, with the base tracker's interface."""

    def __init__(self, base: SiameseTracker, correction: SiameseTracker | None, qpn: QualityPredictionNetwork,
                 history: int = 20, enabled: bool = True, threshold: float = 0.5) -> None:
        if history < 1:
            raise ValueError(f"history must be >= 1, got {history}")
        self.base, self.correction, self.qpn = base, correction, qpn.eval()
        self.device = next(qpn.parameters()).device
        self.history_length, self.enabled, self.threshold = history, enabled, threshold
        self.history: deque[torch.Tensor] = deque(maxlen=history)
        self.corrections = 0

    def init(self, frames: dict[str, np.ndarray], box: tuple[float, float, float, float]) -> None:
        """Initialise both trackers on ``frames`` at ``box`` and clear the history."""
        self.base.init(frames, box)
        if self.correction is not None and self.enabled:
            self.correction.init(frames, box)
        self.history.clear()
        self.corrections = 0

    def track(self, frames: dict[str, np.ndarray]) -> FailureAwareResult:
        """Track one frame; re-track it with the correction tracker when the QPN says lost."""
        center, size = self.base.center.copy(), self.base.size.copy()
        result = self.base.track(frames)
        with torch.inference_mode():
            response = shift_peak_to_corner(torch.from_numpy(result.response)).to(self.device)
            self.history.append(self.qpn.embed(response.unsqueeze(0))[0])
        lost = float("nan")
        if len(self.history) == self.history_length:
            lost = self.qpn.lost_probability(torch.stack(list(self.history)))
        if not (self.enabled and self.correction is not None and lost > self.threshold):
            return FailureAwareResult(result.box, result.score, result.response, lost, False)
        self.correction.center, self.correction.size = center, size
        fixed = self.correction.track(frames)
        self.base.center, self.base.size = self.correction.center.copy(), self.correction.size.copy()
        self.history.clear()
        self.corrections += 1
        return FailureAwareResult(fixed.box, fixed.score, fixed.response, lost, True)
