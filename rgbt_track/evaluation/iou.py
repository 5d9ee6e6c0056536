"""Run a tracker over a sequence without resets and score it by IoU with the ground truth.

The tracker is initialised on the first annotated frame with its ground-truth box and then
tracks every later frame (no re-initialisation after failures, as GOT-10k / OTB one-pass
evaluation). Mean IoU is taken over the frames after the init frame whose ground truth is
finite; a frame where the target is annotated absent is not scored. IoU follows GOT-10k's
``rect_iou`` (continuous ``x, y, w, h`` boxes).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from got10k.utils.metrics import rect_iou
from tqdm import tqdm

from rgbt_track.datasets.sequence import MODALITIES, RGBTSequence
from rgbt_track.tracker_spec import Tracker


@dataclass
class SequenceRun:
    """One pass of a tracker over a sequence.

    Attributes:
        boxes: ``(N, 4)`` ``x, y, w, h``; the init frame holds its ground truth, frames before it NaN.
        start: index of the init frame.
        responses: the tracker's ``(A, S, S)`` response per tracked frame (``start + 1 ...``) when
            ``keep_responses`` was set, else empty.
    """

    boxes: np.ndarray
    start: int
    responses: list[np.ndarray] = field(default_factory=list)


def first_annotated(groundtruth: np.ndarray) -> int:
    """Index of the first frame with a finite, positive-size box; ValueError if none."""
    gt = np.asarray(groundtruth, dtype=np.float64)
    ok = np.flatnonzero(np.isfinite(gt).all(axis=1) & (gt[:, 2] > 0) & (gt[:, 3] > 0))
    if not len(ok):
        raise ValueError("sequence has no annotated frame")
    return int(ok[0])


def run_sequence(tracker: Tracker, sequence: RGBTSequence, keep_responses: bool = False,
                 progress: bool = False) -> SequenceRun:
    """Track ``sequence`` from its first annotated frame; both modalities are always passed."""
    start = first_annotated(sequence.groundtruth)
    boxes = np.full((len(sequence), 4), np.nan)
    boxes[start] = sequence.groundtruth[start]

    def frames(i: int) -> dict[str, np.ndarray]:
        return {m: sequence.read(i, m) for m in MODALITIES}

    tracker.init(frames(start), tuple(float(v) for v in boxes[start]))
    run = SequenceRun(boxes=boxes, start=start)
    for i in tqdm(range(start + 1, len(sequence)), desc=sequence.name, disable=not progress, leave=False):
        result = tracker.track(frames(i))
        boxes[i] = result.box
        if keep_responses:
            run.responses.append(result.response)
    return run


def frame_ious(boxes: np.ndarray, groundtruth: np.ndarray) -> np.ndarray:
    """Per-frame IoU ``(N,)``; NaN where either box is missing (non-finite)."""
    boxes, gt = np.asarray(boxes, dtype=np.float64), np.asarray(groundtruth, dtype=np.float64)
    ious = np.full(len(gt), np.nan)
    ok = np.isfinite(boxes).all(axis=1) & np.isfinite(gt).all(axis=1)
    if ok.any():
        ious[ok] = rect_iou(boxes[ok].copy(), gt[ok].copy())
    return ious


def mean_iou(boxes: np.ndarray, groundtruth: np.ndarray, start: int | None = None) -> float:
    """Mean IoU over the scored frames after ``start`` (default: the first annotated frame)."""
    start = first_annotated(groundtruth) if start is None else start
    ious = frame_ious(boxes, groundtruth)[start + 1:]
    ious = ious[np.isfinite(ious)]
    return float(ious.mean()) if len(ious) else float("nan")


def static_boxes(sequence: RGBTSequence) -> np.ndarray:
    """The trivial "box stays at init" baseline: the init box repeated on every later frame."""
    start = first_annotated(sequence.groundtruth)
    boxes = np.full((len(sequence), 4), np.nan)
    boxes[start:] = sequence.groundtruth[start]
    return boxes
