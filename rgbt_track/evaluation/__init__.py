"""Tracking evaluation, one package for every protocol.

* ``iou`` - one tracker over one sequence: per-frame and mean IoU, the static baseline (the
  held-out validation of training and the benches);
* ``one_pass/`` - ``rgbt-track test``: one-pass evaluation (OPE) over GTOT / RGBT234 / LasHeR,
  result files in each toolkit's layout, ``torchrun`` shares;
* ``scoring/`` - ``rgbt-track score``: MPR / MSR (GTOT, RGBT234) and PR / NPR / SR (LasHeR) of
  result files with each official toolkit's conventions, plots and tables;
* ``feature_scale`` - feature-scale statistics of the tracking RFN's loss targets.

* ``vot/`` - the VOT toolkit's runs (reset-based and anchor-based EAO / A / R): workspace checks,
  the TraX server the toolkit launches (``python -m rgbt_track.evaluation.vot.trax_server``), the
  runner, fresh analyses and the Table 7 / 8 report.
"""
from rgbt_track.evaluation.iou import SequenceRun, frame_ious, mean_iou, run_sequence, static_boxes

__all__ = ["SequenceRun", "frame_ious", "mean_iou", "run_sequence", "static_boxes"]
