"""Build a ready RGB-T tracker from names: architecture, mode, checkpoints and feature fusion.

The one place that joins ``trackers`` (the Siamese tracker, AFAT's failure-aware wrapper) with
``rgbt_track``'s fusion modules and shipped weights; the CLI, the VOT TraX server and the training
and evaluation code all call :func:`build_rgbt_tracker` or :func:`build_afat_tracker`.
"""
from __future__ import annotations

import os
from typing import Callable

from torch import nn

from trackers.afat import FailureAwareTracker, redetection_hyperparams
from trackers.builder import build_tracker
from trackers.config import ArchSpec, get_arch
from trackers.qpn import load_qpn
from trackers.tracker import SiameseTracker

from rgbt_runtime.errors import InputError
from rgbt_track.weights import default_tracker_weights, shipped_weights

PathLike = str | os.PathLike


def _l1(spec: ArchSpec) -> nn.Module:
    from rgbt_track.feature_fusion.l1 import L1NormFeatureFusion
    return L1NormFeatureFusion()


def _rfn(spec: ArchSpec) -> nn.Module:
    from rgbt_track.feature_fusion.rfn import load_rfn_for
    return load_rfn_for(shipped_weights(spec.name, "rfn"), spec.neck_out_channels)


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


def build_rgbt_tracker(arch: str = "tiny", mode: str = "fused", checkpoint: PathLike | None = None,
                       fusion: str | nn.Module = "l1", device: str = "cpu", redetect: bool = False,
                       precision: str = "fp32") -> SiameseTracker:
    """A :class:`SiameseTracker` for ``arch`` in ``mode`` (``rgb``, ``ir`` or ``fused``).

    ``checkpoint`` defaults to the shipped weights of ``arch`` (only ``tiny`` ships some; the pysot
    architectures need their model-zoo file). ``fusion`` (a name from :data:`FUSION_BUILDERS`, or a
    module) is used in fused mode only and ignored otherwise. ``redetect`` swaps in the wider
    re-detection search of :func:`trackers.afat.redetection_hyperparams`. ``precision``: ``fp32``,
    ``bf16``, ``fp16`` (CUDA) or ``int8`` (CPU), see :mod:`trackers.tracker`.
    """
    spec = get_arch(arch)
    weights = checkpoint if checkpoint is not None else default_tracker_weights(arch)
    module = None
    if mode == "fused":
        module = fusion if isinstance(fusion, nn.Module) else build_fusion(fusion, spec)
    hyperparams = redetection_hyperparams(spec.hyperparams) if redetect else None
    return build_tracker(arch, weights=weights, mode=mode, fusion=module, device=device, hyperparams=hyperparams,
                         precision=precision)


def build_afat_tracker(arch: str = "tiny", mode: str = "fused", checkpoint: PathLike | None = None,
                       fusion: str | nn.Module = "rfn", qpn_checkpoint: PathLike | None = None,
                       correction_arch: str | None = None, correction_checkpoint: PathLike | None = None,
                       device: str = "cpu", precision: str = "fp32") -> FailureAwareTracker:
    """AFAT: the base tracker of :func:`build_rgbt_tracker`, its QPN and a correction tracker.

    ``qpn_checkpoint`` defaults to the QPN shipped for ``arch`` and ``mode`` (a QPN reads the
    responses of the one tracker it was trained on, so each mode has its own). The correction tracker runs in the
    same mode with the same fusion. AFAT's own pairing is a MobileNetV2 base corrected by a
    ResNet-50 tracker (``arch="mobilev2", correction_arch="r50"`` with both model-zoo files).
    Without ``correction_arch`` the base network corrects itself with the wider re-detection
    search (:func:`trackers.afat.redetection_hyperparams`); that is the embedded default's setup.
    Both trackers run in ``precision``; the QPN reads their float32 responses in float32.
    """
    base = build_rgbt_tracker(arch, mode, checkpoint, fusion, device, precision=precision)
    if correction_arch is None:
        correction = build_rgbt_tracker(arch, mode, checkpoint, base.fusion if mode == "fused" else fusion,
                                        device, redetect=True, precision=precision)
    else:
        if correction_checkpoint is None and correction_arch != arch:
            correction_checkpoint = default_tracker_weights(correction_arch)
        correction = build_rgbt_tracker(correction_arch, mode, correction_checkpoint or checkpoint, fusion, device,
                                        precision=precision)
    qpn_file = qpn_checkpoint if qpn_checkpoint is not None else shipped_weights(arch, "qpn", mode)
    qpn, meta = load_qpn(qpn_file)
    if meta.get("mode", mode) != mode:
        raise InputError(f"the QPN {qpn_file} was trained on {meta['mode']}-mode responses, "
                         f"not on those of this {mode}-mode tracker")
    if (qpn.config.anchor_num, qpn.config.score_size) != (base.anchor_num, base.score_size):
        raise InputError(f"the QPN reads {qpn.config.anchor_num}x{qpn.config.score_size}x{qpn.config.score_size} "
                         f"responses, the '{arch}' tracker gives {base.anchor_num}x{base.score_size}x{base.score_size}")
    return FailureAwareTracker(base, correction, qpn.to(base.device), history=qpn.config.history)


def build_from_spec(spec) -> SiameseTracker | FailureAwareTracker:
    """The tracker a :class:`rgbt_track.tracker_spec.TrackerSpec` describes (see its docstring).

    ``spec.rfn_checkpoint`` replaces the shipped RFN in fused mode with ``fusion="rfn"``;
    ``spec.threads`` > 0 sets torch's intra-op threads.
    """
    import torch

    if spec.threads > 0:
        torch.set_num_threads(spec.threads)
    device = spec.resolved_device()
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"device '{device}' asked for, but CUDA is not available")
    fusion: str | nn.Module = spec.fusion
    if spec.mode == "fused" and spec.fusion == "rfn" and spec.rfn_checkpoint is not None:
        from rgbt_track.feature_fusion.rfn import load_rfn_for

        fusion = load_rfn_for(spec.rfn_checkpoint, get_arch(spec.arch).neck_out_channels)
    if spec.afat:
        return build_afat_tracker(spec.arch, spec.mode, spec.checkpoint, fusion, spec.qpn_checkpoint,
                                  spec.correction_arch, spec.correction_checkpoint, device, spec.precision)
    return build_rgbt_tracker(spec.arch, spec.mode, spec.checkpoint, fusion, device, precision=spec.precision)
