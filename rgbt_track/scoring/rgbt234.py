"""RGBT234 scores: MPR and MSR as the RGBT234 toolkit (OTB-derived) computes them.

Per frame the centre error is the smaller and the IoU the larger over the visible and infrared
ground truth. Curves are computed per sequence and averaged over sequences:
precision(t) = share of frames with error <= t for t = 0..50 px, MPR = precision(20);
success(t) = share of frames with IoU > t for t = 0:0.05:1, MSR = mean of the 21 success values.
Every frame counts, the initialisation frame included. Result boxes are used as written by default
(the OTB-derived toolkit does not round); ``round_results=True`` applies GTOT's whole-pixel rounding.
"""
from __future__ import annotations

import numpy as np

from rgbt_track.scoring.boxes import TrackerScore, sequence_errors

ERROR_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
MPR_INDEX = 20
OVERLAP_THRESHOLDS = np.linspace(0, 1, 21)


def score_rgbt234(tracker: str, truth: dict[str, tuple[np.ndarray, np.ndarray]], results: dict[str, np.ndarray],
                  round_results: bool = False) -> TrackerScore:
    """MPR/MSR of one tracker; ``truth[seq] = (visible, infrared)``, ``results[seq]`` all ``(N, 4)`` x, y, w, h."""
    errors, overlaps = sequence_errors(truth, results, round_results)
    precision = [(error[:, None] <= ERROR_THRESHOLDS[None]).mean(0) for error in errors]
    success = [(iou[:, None] > OVERLAP_THRESHOLDS[None]).mean(0) for iou in overlaps]
    precision_curve, success_curve = np.mean(precision, axis=0), np.mean(success, axis=0)
    return TrackerScore(tracker=tracker, mpr=float(precision_curve[MPR_INDEX]), msr=float(success_curve.mean()),
                        error_thresholds=ERROR_THRESHOLDS, precision=precision_curve,
                        overlap_thresholds=OVERLAP_THRESHOLDS, success=success_curve)
