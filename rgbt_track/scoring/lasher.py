"""LasHeR scores: precision (PR), normalised precision (NPR) and success (SR) as the LasHeR toolkit computes them.

The toolkit (OTB-derived MATLAB: ``eval_tracker.m``, ``calc_seq_err_robust.m``, ``plot_draw_save.m``)
scores one pass per sequence with these conventions, all reproduced by default:

* results longer than the ground truth are cut to its length (shorter ones are an error);
* the first result row is replaced by the ground truth (``first_frame_truth``);
* from the second row on, a row with ``w <= 0`` or ``h <= 0``, or all four values NaN, is replaced
  by the previous (already repaired) row (``fill_invalid``; MATLAB's ``if`` over the 4-vector
  condition, so a row with only some NaN values is kept as it is);
* centres are ``x + (w - 1) / 2``; IoU uses the inclusive-pixel ``+1`` intersection (see
  :func:`rgbt_track.scoring.boxes.overlap`);
* a ground-truth row with any value ``<= 0`` gets overlap -1 and centre error -1: it counts as
  precise at every threshold, never as successful, and stays in the sequence's frame count
  (``absent_counts_precise``; off: such frames are left out of the count);
* NPR divides both centres by the ground-truth ``w, h`` first and then subtracts;
* per sequence: precision(t) = share of frames with error <= t (t = 0..50 px; PR at 20), normalised
  precision(t) at t = 0, 0.01, ..., 0.5 (NPR at 0.20), success(t) = share with overlap > t for
  t = 0, 0.05, ..., 1 (SR = mean of the 21 values); denominators carry MATLAB's ``+ eps``;
* each curve is averaged over the sequences whose curve is not all zero (``drop_zero_curves``;
  off: over every sequence).

With the defaults the four published result sets in the shared data give exactly what the
toolkit prints (APFNet 0.500 / 0.439 / 0.362).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = np.finfo(np.float64).eps
ERROR_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
PR_THRESHOLD = 20.0
NORM_THRESHOLDS = np.arange(0, 51, dtype=np.float64) / 100
NPR_THRESHOLD = 0.2
OVERLAP_THRESHOLDS = np.arange(0, 21, dtype=np.float64) / 20


@dataclass(frozen=True)
class LasherConventions:
    """The toolkit's quirks, each one switchable (all True = the official numbers)."""

    first_frame_truth: bool = True
    fill_invalid: bool = True
    absent_counts_precise: bool = True
    drop_zero_curves: bool = True

    @classmethod
    def plain(cls) -> "LasherConventions":
        """No quirks: the tracker's own first box, boxes as written, absent frames and empty curves
        treated like the rest (left out of the count / kept in the mean)."""
        return cls(first_frame_truth=False, fill_invalid=False, absent_counts_precise=False, drop_zero_curves=False)


@dataclass(frozen=True)
class LasherScore:
    """PR / NPR / SR in ``[0, 1]`` and the mean curves they come from (``*_thresholds`` -> curve)."""

    tracker: str
    pr: float
    npr: float
    sr: float
    precision: np.ndarray
    norm_precision: np.ndarray
    success: np.ndarray
    sequences: int

    error_thresholds = ERROR_THRESHOLDS
    norm_thresholds = NORM_THRESHOLDS
    overlap_thresholds = OVERLAP_THRESHOLDS


def repair_results(boxes: np.ndarray, truth: np.ndarray, starts: np.ndarray,
                   conventions: LasherConventions) -> np.ndarray:
    """``(N, 4)`` result rows of concatenated sequences (first rows at ``starts``) repaired as the
    toolkit does: first row <- ground truth, invalid rows <- the previous row."""
    boxes = boxes.copy()
    if conventions.first_frame_truth:
        boxes[starts] = truth[starts]
    if conventions.fill_invalid:
        invalid = (boxes[:, 2] <= 0) | (boxes[:, 3] <= 0) | np.isnan(boxes).all(axis=1)
        invalid[starts] = False
        source = np.where(invalid, 0, np.arange(len(boxes)))
        boxes = boxes[np.maximum.accumulate(source)]
    return boxes


def frame_errors(boxes: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(N,)`` centre error (px), normalised centre error and inclusive-pixel IoU of ``(N, 4)`` boxes."""
    from rgbt_track.scoring.boxes import overlap

    centre = boxes[:, :2] + (boxes[:, 2:] - 1) / 2
    centre_truth = truth[:, :2] + (truth[:, 2:] - 1) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        error = np.hypot(*(centre - centre_truth).T)
        norm_error = np.hypot(*(centre / truth[:, 2:] - centre_truth / truth[:, 2:]).T)
    return error, norm_error, overlap(boxes, truth)


def _sequence_rates(values: np.ndarray, thresholds: np.ndarray, strict: bool, sequence: np.ndarray,
                    frames: np.ndarray) -> np.ndarray:
    """``(S, T)`` per-sequence share of frames with ``value <= t`` (or ``value > t`` when ``strict``).

    O(N + S * T): each frame's first satisfied threshold index (``searchsorted``, the same float
    comparisons as ``<=`` / ``>``; NaN satisfies none) is histogrammed per sequence, then summed.
    """
    steps = len(thresholds)
    first = np.searchsorted(thresholds, values, side="left")
    first[np.isnan(values)] = 0 if strict else steps
    histogram = np.bincount(sequence * (steps + 1) + first, minlength=len(frames) * (steps + 1))
    histogram = histogram.reshape(len(frames), steps + 1)
    if strict:                      # hit at t_j  <=>  j < first
        counts = np.cumsum(histogram[:, ::-1], axis=1)[:, ::-1][:, 1:]
    else:                           # hit at t_j  <=>  j >= first
        counts = np.cumsum(histogram, axis=1)[:, :-1]
    return counts / (frames[:, None] + EPS)


def _mean_curve(rates: np.ndarray, drop_zero: bool) -> np.ndarray:
    if drop_zero:
        rates = rates[rates.sum(axis=1) > EPS]
    return rates.mean(axis=0) if len(rates) else np.zeros(rates.shape[1])


def score_lasher(tracker: str, truth: dict[str, np.ndarray], results: dict[str, np.ndarray],
                 conventions: LasherConventions = LasherConventions()) -> LasherScore:
    """PR/NPR/SR of one tracker; ``truth[seq]`` ``(N, 4)`` x, y, w, h, ``results[seq]`` ``(>= N, 4)``."""
    names = list(truth)
    lengths = np.array([len(truth[name]) for name in names])
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    gt = np.concatenate([truth[name] for name in names])
    boxes = repair_results(np.concatenate([results[name][:len(truth[name])] for name in names]), gt, starts,
                           conventions)
    error, norm_error, iou = frame_errors(boxes, gt)
    absent = (gt <= 0).any(axis=1)
    error[absent], norm_error[absent], iou[absent] = -1.0, -1.0, -1.0
    frames = lengths.astype(np.float64)
    if not conventions.absent_counts_precise:
        frames = frames - np.add.reduceat(absent.astype(np.int64), starts)
        error[absent], norm_error[absent] = np.inf, np.inf
    curves = []
    sequence = np.repeat(np.arange(len(names)), lengths)
    for values, thresholds, strict in ((error, ERROR_THRESHOLDS, False), (norm_error, NORM_THRESHOLDS, False),
                                       (iou, OVERLAP_THRESHOLDS, True)):
        rates = _sequence_rates(values, thresholds, strict, sequence, frames)
        curves.append(_mean_curve(rates, conventions.drop_zero_curves))
    precision, norm_precision, success = curves
    return LasherScore(tracker=tracker, pr=float(precision[int(PR_THRESHOLD)]),
                       npr=float(norm_precision[int(round(NPR_THRESHOLD * 100))]), sr=float(success.mean()),
                       precision=precision, norm_precision=norm_precision, success=success, sequences=len(names))
