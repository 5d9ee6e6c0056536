"""Build a ready RGB-T tracker from names: architecture, mode, checkpoint and feature fusion.

The one place that joins ``trackers`` (the Siamese tracker) with ``rgbt_track``'s fusion modules;
the CLI, the VOT TraX server and the evaluation code all call :func:`build_rgbt_tracker`.
"""
from __future__ import annotations

import os
from typing import Callable

from torch import nn

from trackers.builder import build_tracker
from trackers.config import ArchSpec, get_arch
from trackers.tracker import SiameseTracker

from fusion.runtime.errors import InputError
from rgbt_track.weights import default_tracker_weights


def _l1(spec: ArchSpec) -> nn.Module:
    from rgbt_track.feature_fusion.l1 import L1NormFeatureFusion
    return L1NormFeatureFusion()


def _rfn(spec: ArchSpec) -> nn.Module:
    from rgbt_track.feature_fusion.rfn import load_rfn_for, shipped_rfn_path
    return load_rfn_for(shipped_rfn_path(spec.name), spec.neck_out_channels)


# name -> builder(arch spec) -> fusion module (forward(rgb_feats, ir_feats) -> fused feats)
FUSION_BUILDERS: dict[str, Callable[[ArchSpec], nn.Module]] = {
    "l1": _l1,
    "rfn": _rfn,
}


def build_fusion(name: str, spec: ArchSpec) -> nn.Module:
    """The feature-fusion module ``name`` for the architecture ``spec``."""
    if name not in FUSION_BUILDERS:
        raise InputError(f"unknown feature fusion '{name}' (choose from {', '.join(FUSION_BUILDERS)})")
    return FUSION_BUILDERS[name](spec)


def build_rgbt_tracker(arch: str = "tiny", mode: str = "fused", checkpoint: str | os.PathLike | None = None,
                       fusion: str | nn.Module = "l1", device: str = "cpu") -> SiameseTracker:
    """A :class:`SiameseTracker` for ``arch`` in ``mode`` (``rgb``, ``ir`` or ``fused``).

    ``checkpoint`` defaults to the shipped weights of ``arch`` (only ``tiny`` ships some; the pysot
    architectures need their model-zoo file). ``fusion`` (a name from :data:`FUSION_BUILDERS`, or a
    module) is used in fused mode only and ignored otherwise.
    """
    spec = get_arch(arch)
    weights = checkpoint if checkpoint is not None else default_tracker_weights(arch)
    module = None
    if mode == "fused":
        module = fusion if isinstance(fusion, nn.Module) else build_fusion(fusion, spec)
    return build_tracker(arch, weights=weights, mode=mode, fusion=module, device=device)
