"""One call from an architecture name (and optional weights) to a ready tracker."""
from __future__ import annotations

import os
from collections.abc import Mapping

from torch import nn

from trackers.checkpoint import load_tracker_weights
from trackers.config import TrackerHyperparams, get_arch
from trackers.model import build_model
from trackers.tracker import SiameseTracker


def build_tracker(arch: str = "tiny", weights: str | os.PathLike | Mapping | None = None, mode: str = "rgb",
                  fusion: nn.Module | None = None, device: str = "cpu",
                  hyperparams: TrackerHyperparams | None = None, precision: str = "fp32") -> SiameseTracker:
    """Build ``arch``'s model, load ``weights`` (file or state dict; random init when None) and wrap it.

    The tracker uses ``arch``'s anchors and, unless ``hyperparams`` is given, its hyperparameters
    from :data:`trackers.config.ARCHITECTURES`; ``precision`` is ``fp32``, ``bf16``, ``fp16`` (CUDA) or ``int8`` (CPU).
    """
    spec = get_arch(arch)
    model = build_model(arch)
    if weights is not None:
        load_tracker_weights(model, weights)
    return SiameseTracker(model, hyperparams or spec.hyperparams, spec.anchors, mode=mode, fusion=fusion, device=device,
                          precision=precision)
