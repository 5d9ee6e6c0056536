"""Build the tracker a :class:`rgbt_track.tracker_spec.TrackerSpec` describes.

The one place that joins ``trackers`` (the Siamese tracker, AFAT's failure-aware wrapper) with
``rgbt_track``'s fusion modules and shipped weights. Front ends never call it directly: they
build a spec and call :func:`rgbt_track.tracker_spec.build_tracker` (the CLI, the VOT TraX
server, training, validation, the benches and the Python API all do).
"""
from __future__ import annotations

import os

from torch import nn

from trackers.afat import FailureAwareTracker, redetection_hyperparams
from trackers.checkpoint import load_tracker_weights
from trackers.config import get_arch
from trackers.model import SiameseRPN, build_model
from trackers.qpn import load_qpn_for
from trackers.tracker import SiameseTracker

from rgbt_runtime.errors import InputError
from rgbt_track.weights import default_tracker_weights, shipped_weights

PathLike = str | os.PathLike


def load_model(arch: str, checkpoint: PathLike | None = None) -> SiameseRPN:
    """``arch``'s network with ``checkpoint`` loaded (default: the shipped weights of ``arch``;
    only ``tiny`` ships some, the pysot architectures need their model-zoo file).

    A file of another architecture is a one-line :class:`InputError` naming it and the keys that
    do not fit.
    """
    model = build_model(arch)
    load_tracker_weights(model, checkpoint if checkpoint is not None else default_tracker_weights(arch))
    return model


def build_fusion(name: str, arch: str, rfn_checkpoint: PathLike | None = None) -> nn.Module:
    """Fused mode's feature fusion for the ``arch`` tracker: ``l1`` (parameter-free) or ``rfn``
    (``rfn_checkpoint``, default the shipped RFN of ``arch``; refused when trained for another arch)."""
    if name == "l1":
        from rgbt_track.feature_fusion.l1 import L1NormFeatureFusion

        return L1NormFeatureFusion()
    if name == "rfn":
        from rgbt_track.rfn.model import load_rfn_for

        path = rfn_checkpoint if rfn_checkpoint is not None else shipped_weights(arch, "rfn")
        return load_rfn_for(path, get_arch(arch).neck_out_channels, arch=arch)
    raise InputError(f"unknown feature fusion '{name}' (choose from l1, rfn)")


def _siamese(arch: str, mode: str, checkpoint: PathLike | None, fusion: nn.Module | None, device: str,
             precision: str, redetect: bool = False) -> SiameseTracker:
    arch_spec = get_arch(arch)
    hyperparams = redetection_hyperparams(arch_spec.hyperparams) if redetect else arch_spec.hyperparams
    return SiameseTracker(load_model(arch, checkpoint), hyperparams, arch_spec.anchors, mode=mode,
                          fusion=fusion if mode == "fused" else None, device=device, precision=precision)


def _correction(spec, base: SiameseTracker, device: str) -> SiameseTracker:
    """AFAT's correction tracker: ``spec.correction_arch`` with its own weights, or (none given)
    the base network re-detecting with the wider search of :func:`redetection_hyperparams`."""
    if spec.correction_arch is None or (spec.correction_arch == spec.arch and spec.correction_checkpoint is None):
        return _siamese(spec.arch, spec.mode, spec.checkpoint, base.fusion, device, spec.precision, redetect=True)
    arch = spec.correction_arch
    checkpoint = spec.correction_checkpoint
    if checkpoint is None:
        try:
            checkpoint = spec.checkpoint if arch == spec.arch else default_tracker_weights(arch)
        except InputError as error:  # it names --checkpoint, the base tracker's option
            raise InputError(str(error).replace("pass --checkpoint", "pass --correction-checkpoint")
                             .replace("no weights ship", "no correction-tracker weights ship")) from None
    fusion = None
    if spec.mode == "fused":
        # an RFN belongs to one tracker: another arch fuses with l1 unless it has an RFN of its own
        if arch == spec.arch and spec.correction_rfn_checkpoint is None:
            fusion = base.fusion
        elif spec.fusion == "rfn" and spec.correction_rfn_checkpoint is not None:
            fusion = build_fusion("rfn", arch, spec.correction_rfn_checkpoint)
        else:
            fusion = build_fusion("l1", arch)
    return _siamese(arch, spec.mode, checkpoint, fusion, device, spec.precision)


def build_from_spec(spec, fusion: nn.Module | None = None) -> SiameseTracker | FailureAwareTracker:
    """The tracker a :class:`rgbt_track.tracker_spec.TrackerSpec` describes (see its docstring).

    ``fusion`` replaces the fusion module of the fused base tracker (e.g. an RFN being trained,
    for validation); ``spec.threads`` > 0 sets torch's intra-op threads. AFAT: the base tracker,
    the QPN trained on its responses (``spec.qpn_checkpoint``, default the one shipped for
    ``arch`` and ``mode``) and the correction tracker of :func:`_correction`; AFAT's own pairing
    is a MobileNetV2 base corrected by a ResNet-50 tracker.
    """
    import torch

    spec.check_files()
    if spec.threads > 0:
        torch.set_num_threads(spec.threads)
    device = spec.resolved_device()
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"device '{device}' asked for, but CUDA is not available")
    if spec.mode == "fused" and fusion is None:
        fusion = build_fusion(spec.fusion, spec.arch, spec.rfn_checkpoint)
    qpn = None
    if spec.afat:  # check the QPN file before loading the (large) tracker weights
        arch_spec = get_arch(spec.arch)
        qpn_file = spec.qpn_checkpoint if spec.qpn_checkpoint is not None else shipped_weights(spec.arch, "qpn",
                                                                                                 spec.mode)
        qpn = load_qpn_for(qpn_file, spec.arch, spec.mode, arch_spec.anchors.anchor_num,
                           arch_spec.anchors.score_size(arch_spec.hyperparams))
    base = _siamese(spec.arch, spec.mode, spec.checkpoint, fusion, device, spec.precision)
    if qpn is None:
        return base
    return FailureAwareTracker(base, _correction(spec, base, device), qpn.to(base.device),
                               history=qpn.config.history)
