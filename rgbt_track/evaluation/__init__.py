"""Tracking evaluation, one package for every protocol but VOT's own toolkit runs.

* ``iou`` - one tracker over one sequence: per-frame and mean IoU, the static baseline (the
  held-out validation of training and the benches);
* ``one_pass/`` - ``rgbt-track test``: one-pass evaluation (OPE) over GTOT / RGBT234 / LasHeR,
  result files in each toolkit's layout, ``torchrun`` shares;
* ``scoring/`` - ``rgbt-track score``: MPR / MSR (GTOT, RGBT234) and PR / NPR / SR (LasHeR) of
  result files with each official toolkit's conventions, plots and tables;
* ``feature_scale`` - feature-scale statistics of the tracking RFN's loss targets.

The VOT toolkit's own runs (reset-based and anchor-based EAO / A / R) live in ``rgbt_track.vot``
next to the TraX server the toolkit launches.
"""
from rgbt_track.evaluation.iou import SequenceRun, frame_ious, mean_iou, run_sequence, static_boxes

__all__ = ["SequenceRun", "frame_ious", "mean_iou", "run_sequence", "static_boxes"]
