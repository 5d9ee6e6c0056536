"""Tracking evaluation helpers (per-frame IoU, mean IoU, trivial baselines)."""
from rgbt_track.evaluation.iou import SequenceRun, frame_ious, mean_iou, run_sequence, static_boxes

__all__ = ["SequenceRun", "frame_ious", "mean_iou", "run_sequence", "static_boxes"]
