"""GTOT scores: maximum precision rate (MPR) and maximum success rate (MSR), as the GTOT toolkit computes them.

Per frame the centre error is the smaller and the IoU the larger of the two against the visible and
the thermal ground truth. Frames of all sequences are pooled (not averaged per sequence):
MPR = share of frames with error < 5 px; MSR = area under the success curve, success(t) = share
of frames with IoU > t for t = 0:0.02:1, integrated with the trapezoidal rule. Every frame counts,
the initialisation frame included.

Result boxes are first rounded to whole pixels (``x, y, w, h`` each, MATLAB ``round``: half away
from zero), the toolkit's integer-rectangle convention: with it the published result files of
APFNet, CAT and JMMAC give exactly the numbers printed in their papers (ADRNet's paper numbers
come from its boxes as written, ``round_results=False``). See docs/results.md.
"""
from __future__ import annotations

import numpy as np

from rgbt_track.scoring.boxes import TrackerScore, sequence_errors

ERROR_THRESHOLD = 5.0
ERROR_THRESHOLDS = np.linspace(0, 25, 51)
OVERLAP_THRESHOLDS = np.linspace(0, 1, 51)


def score_gtot(tracker: str, truth: dict[str, tuple[np.ndarray, np.ndarray]], results: dict[str, np.ndarray],
               round_results: bool = True) -> TrackerScore:
    """MPR/MSR of one tracker; ``truth[seq] = (visible, thermal)``, ``results[seq]`` all ``(N, 4)`` x, y, w, h."""
    errors, overlaps = sequence_errors(truth, results, round_results)
    error, iou = np.concatenate(errors), np.concatenate(overlaps)
    precision = (error[:, None] < ERROR_THRESHOLDS[None]).mean(0)
    success = (iou[:, None] > OVERLAP_THRESHOLDS[None]).mean(0)
    return TrackerScore(tracker=tracker, mpr=float((error < ERROR_THRESHOLD).mean()),
                        msr=float(np.trapezoid(success, OVERLAP_THRESHOLDS)),
                        error_thresholds=ERROR_THRESHOLDS, precision=precision,
                        overlap_thresholds=OVERLAP_THRESHOLDS, success=success)
