"""Held-out validation of a tracking RFN while it trains: mean IoU of rgb / ir / fused-l1 / fused-RFN.

Every tracker is built from the one tracker specification
(:func:`rgbt_track.tracker_spec.build_tracker`): the spec's arch, base checkpoint, precision,
device and threads, in each mode, with the RFN under training as the fused tracker's fusion.
"""
from __future__ import annotations

import copy
from typing import Callable, Sequence

import numpy as np
from torch import nn
from tqdm import tqdm

from rgbt_track.evaluation.iou import mean_iou, run_sequence
from rgbt_track.tracker_spec import TrackerSpec, build_tracker

Validator = Callable[[nn.Module], dict[str, float]]


def base_spec(spec: TrackerSpec) -> TrackerSpec:
    """``spec`` reduced to the plain base tracker: no AFAT, no RFN file (the network settings kept)."""
    return TrackerSpec(arch=spec.arch, checkpoint=spec.checkpoint, mode=spec.mode, fusion=spec.fusion,
                       precision=spec.precision, device=spec.device, threads=spec.threads)


def make_validator(spec: TrackerSpec, sequences: Sequence, progress: bool = True) -> Validator:
    """A validator that tracks ``sequences`` with the tracker of ``spec`` and returns mean IoUs.

    Each score is the mean over sequences of :func:`rgbt_track.evaluation.mean_iou` (one pass from
    the first annotated frame, no resets). The rgb, ir and fused-l1 scores cannot change while only
    the RFN learns, so they are computed once, at the first call; every call re-tracks in fused
    mode with the given RFN (``[B,C,h,w]`` per neck level in, fused levels out). Keys: ``rgb``,
    ``ir``, ``fused_l1``, ``fused_rfn``.
    """
    base = base_spec(spec)
    fixed: dict[str, float] = {}

    def score(tracker_spec: TrackerSpec, fusion: nn.Module | None = None) -> float:
        tracker = build_tracker(tracker_spec, fusion=fusion)
        label = tracker_spec.mode if tracker_spec.mode != "fused" else f"fused-{'rfn' if fusion else 'l1'}"
        values = [mean_iou(run_sequence(tracker, seq).boxes, seq.groundtruth)
                  for seq in tqdm(sequences, desc=f"validate {label}", leave=False, disable=not progress)]
        return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")

    def validate(rfn: nn.Module) -> dict[str, float]:
        if not fixed:
            fixed.update(rgb=score(base.replace(mode="rgb")), ir=score(base.replace(mode="ir")),
                         fused_l1=score(base.replace(mode="fused", fusion="l1")))
        return {**fixed, "fused_rfn": score(base.replace(mode="fused", fusion="rfn"), copy.deepcopy(rfn))}

    return validate
