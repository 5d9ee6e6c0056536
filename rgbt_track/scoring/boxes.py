"""Per-frame centre error and overlap of ``x, y, w, h`` boxes, and the score record of one tracker."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrackerScore:
    """MPR / MSR in ``[0, 1]`` and the curves they come from (``thresholds`` -> ``rates``)."""

    tracker: str
    mpr: float
    msr: float
    error_thresholds: np.ndarray
    precision: np.ndarray
    overlap_thresholds: np.ndarray
    success: np.ndarray


def matlab_round(values: np.ndarray) -> np.ndarray:
    """MATLAB's ``round``: to the nearest integer, halves away from zero (numpy rounds halves to even)."""
    return np.sign(values) * np.floor(np.abs(values) + 0.5)


def centre_error(boxes: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """``(N,)`` Euclidean distance between the centres ``x + w/2, y + h/2`` of ``(N, 4)`` boxes."""
    delta = (boxes[:, :2] + boxes[:, 2:] / 2) - (truth[:, :2] + truth[:, 2:] / 2)
    return np.hypot(delta[:, 0], delta[:, 1])


def overlap(boxes: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """``(N,)`` IoU as the OTB/GTOT/RGBT234 MATLAB toolkits' ``calcRectInt`` computes it.

    Pixel-inclusive form: right = x + w - 1, intersection width = min(right) - max(left) + 1 (>= 0),
    areas w * h. (This equals the continuous IoU of ``[x, x + w] x [y, y + h]``.)
    """
    left = np.maximum(boxes[:, 0], truth[:, 0])
    top = np.maximum(boxes[:, 1], truth[:, 1])
    right = np.minimum(boxes[:, 0] + boxes[:, 2] - 1, truth[:, 0] + truth[:, 2] - 1)
    bottom = np.minimum(boxes[:, 1] + boxes[:, 3] - 1, truth[:, 1] + truth[:, 3] - 1)
    intersection = np.maximum(0, right - left + 1) * np.maximum(0, bottom - top + 1)
    union = boxes[:, 2] * boxes[:, 3] + truth[:, 2] * truth[:, 3] - intersection
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = intersection / union
    return np.nan_to_num(iou, nan=0.0)


def best_of_modalities(boxes: np.ndarray, visible: np.ndarray, thermal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame, the smaller centre error and the larger IoU over the visible and thermal ground truth."""
    error = np.minimum(centre_error(boxes, visible), centre_error(boxes, thermal))
    iou = np.maximum(overlap(boxes, visible), overlap(boxes, thermal))
    return error, iou


def sequence_errors(truth: dict[str, tuple[np.ndarray, np.ndarray]], results: dict[str, np.ndarray],
                    round_results: bool) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per sequence of ``truth`` (``(visible, thermal)`` ``(N, 4)`` ground truth), the ``(N,)`` centre
    errors and IoUs of :func:`best_of_modalities` for ``results[seq]`` (``(N, 4)`` x, y, w, h, first
    rounded with :func:`matlab_round` when ``round_results``), in ``truth``'s order."""
    errors, overlaps = [], []
    for name, (visible, thermal) in truth.items():
        boxes = matlab_round(results[name]) if round_results else results[name]
        error, iou = best_of_modalities(boxes, visible, thermal)
        errors.append(error)
        overlaps.append(iou)
    return errors, overlaps
