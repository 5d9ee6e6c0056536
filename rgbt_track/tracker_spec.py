"""The one tracker specification: which tracker to build, from the CLI, the TraX server or Python.

:class:`TrackerSpec` is the only place that knows the tracker's settings and their defaults.
Every front end builds trackers through it:

* the CLI: ``TrackerSpec.add_arguments(parser)`` adds ``--arch --checkpoint --mode --fusion
  --rfn-checkpoint --afat --qpn-checkpoint --correction-arch --correction-checkpoint --precision
  --device --threads``, and ``TrackerSpec.from_args(args)`` reads them back;
* the TraX server: ``TrackerSpec.from_env(os.environ)`` reads the same settings from ``RGBT_*``
  variables (``env_RGBT_*`` in ``trackers.ini``), e.g. ``RGBT_RFN_CHECKPOINT``;
* Python: ``build_tracker(TrackerSpec(arch="r50", checkpoint="model.pth"))``.

Defaults are the paper's tracker on the embedded default: the ``tiny`` architecture with its
shipped weights, fused mode with the trained RFN, AFAT off, fp32, CUDA when available.
This module imports no torch, so ``--help`` stays fast.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Mapping, Protocol

from rgbt_runtime.errors import InputError
from trackers.config import ARCHITECTURES, MODALITIES, MODES, PRECISIONS

if TYPE_CHECKING:
    import numpy as np

FUSIONS = ("rfn", "l1")
DEVICES = ("auto", "cpu", "cuda")
ENV_PREFIX = "RGBT_"
_PATH_FIELDS = ("checkpoint", "rfn_checkpoint", "qpn_checkpoint", "correction_checkpoint", "correction_rfn_checkpoint")
# settings that only mean something together with another one: field -> (condition, what it needs)
_AFAT_ONLY = ("qpn_checkpoint", "correction_arch", "correction_checkpoint", "correction_rfn_checkpoint")

# option help per field; "{default}" is filled in from the dataclass
_HELP = {
    "arch": "tracker architecture: " + ", ".join(ARCHITECTURES) + " (default {default})",
    "checkpoint": "tracker weights: a pysot model-zoo model.pth, a training snapshot, or a base-tracker "
                  "checkpoint (default: the shipped weights; only tiny ships some)",
    "mode": "input mode: rgb, ir or fused (default {default})",
    "fusion": "feature fusion in fused mode: rfn (a trained RFN) or l1 (the l1-norm strategy) (default {default})",
    "rfn_checkpoint": "trained RFN for --fusion rfn (rgbt-track train-rfn OUT/rfn.pth, trained for this --arch; "
                      "default: the shipped RFN, tiny only)",
    "afat": "wrap the tracker in AFAT's failure-aware tracker (quality prediction network + correction tracker)",
    "qpn_checkpoint": "AFAT's quality prediction network (rgbt-track train-qpn OUT/qpn.pth; default: the "
                      "shipped QPN of the tiny tracker for the mode)",
    "correction_arch": "AFAT's correction tracker architecture (AFAT's pairing: mobilev2 base, r50 correction; "
                       "default: the base network with a wider re-detection search)",
    "correction_checkpoint": "the correction tracker's weights (a pysot model.pth; default: the base tracker's "
                             "when the architecture is the same)",
    "correction_rfn_checkpoint": "RFN trained for --correction-arch (fused mode, --fusion rfn); without it a "
                                 "correction tracker of another architecture fuses with l1",
    "precision": "compute precision: fp32, bf16, fp16 (CUDA) or int8 (CPU; pays for r50) (default {default})",
    "device": "torch device: auto (CUDA when available), cpu or cuda (default {default})",
    "threads": "torch CPU threads, 0 = torch's default (default {default})",
}


@dataclass(frozen=True)
class TrackerSpec:
    """Everything that decides which tracker is built (see the module docstring for the front ends).

    Attributes:
        arch: ``tiny``, ``mobilev2`` or ``r50`` (:data:`trackers.config.ARCHITECTURES`).
        checkpoint: tracker weights file; None = the shipped weights of ``arch``.
        mode: ``rgb``, ``ir`` or ``fused``.
        fusion: fused mode's feature fusion, ``rfn`` or ``l1``; ignored in rgb / ir mode.
        rfn_checkpoint: trained RFN for ``fusion="rfn"``; None = the shipped one of ``arch``.
        afat: AFAT's failure-aware wrapper on / off.
        qpn_checkpoint: AFAT's QPN; None = the shipped one of ``arch`` and ``mode``.
        correction_arch: AFAT's correction tracker; None = ``arch`` re-detecting with a wider search.
        correction_checkpoint: its weights; None = the shipped ones (or ``checkpoint`` for ``arch``).
        correction_rfn_checkpoint: an RFN trained for ``correction_arch``; None = the base tracker's
            fusion for the same arch, ``l1`` for another one (an RFN belongs to one tracker).
        precision: ``fp32``, ``bf16``, ``fp16`` or ``int8``.
        device: ``auto`` (CUDA when available), ``cpu``, ``cuda`` or ``cuda:N``.
        threads: torch intra-op CPU threads, 0 = torch's default.
    """

    arch: str = "tiny"
    checkpoint: str | None = None
    mode: str = "fused"
    fusion: str = "rfn"
    rfn_checkpoint: str | None = None
    afat: bool = False
    qpn_checkpoint: str | None = None
    correction_arch: str | None = None
    correction_checkpoint: str | None = None
    correction_rfn_checkpoint: str | None = None
    precision: str = "fp32"
    device: str = "auto"
    threads: int = 0

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """One-line :class:`InputError` for a setting outside its choices, or one that would be ignored."""
        for name in _choices():
            _check_value(name, getattr(self, name), name)
        _check_value("device", self.device, "device")
        _check_value("threads", self.threads, "threads")
        for name in _AFAT_ONLY:
            if getattr(self, name) is not None and not self.afat:
                raise InputError(f"{_flag(name)} is only used with --afat")
        if self.rfn_checkpoint is not None and not (self.mode == "fused" and self.fusion == "rfn"):
            raise InputError(f"{_flag('rfn_checkpoint')} is only used in fused mode with --fusion rfn")

    def check_files(self) -> None:
        """One-line :class:`InputError` for the first named weights file that does not exist, in the
        options' order (``--checkpoint`` before ``--rfn-checkpoint`` ...), before any file is read."""
        for name in _PATH_FIELDS:
            path = getattr(self, name)
            if path is not None and not os.path.lexists(path):
                raise InputError(f"checkpoint not found: {path} ({_flag(name)})")

    # ----------------------------------------------------------------- derived values
    @property
    def channels(self) -> tuple[str, ...]:
        """The image channels this tracker reads (``color`` and/or ``ir``)."""
        return MODALITIES[self.mode]

    def resolved_device(self) -> str:
        """``device`` with ``auto`` replaced by ``cuda`` when torch sees a GPU, else ``cpu``."""
        if self.device != "auto":
            return self.device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"

    def replace(self, **changes: Any) -> "TrackerSpec":
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    # ----------------------------------------------------------------- front ends
    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser, *, exclude: tuple[str, ...] = (),
                      **defaults: Any) -> None:
        """Add one option per field (``--rfn-checkpoint`` for ``rfn_checkpoint``) to ``parser``.

        ``exclude`` leaves fields out (e.g. ``mode`` for a command that fixes it); ``defaults``
        overrides a field's default for this command. Options default to None in the namespace so
        that :meth:`from_args` can tell "given" from "not given".
        """
        group = parser.add_argument_group("tracker")
        base = cls()
        for f in fields(cls):
            if f.name in exclude:
                continue
            default = defaults.get(f.name, getattr(base, f.name))
            flag = "--" + f.name.replace("_", "-")
            text = _HELP[f.name].format(default=default)
            if f.name == "afat":
                group.add_argument(flag, nargs="?", const=True, default=argparse.SUPPRESS, type=parse_flag,
                                   metavar="1|0", help=text + "; alone it means 1")
            elif f.name == "threads":
                group.add_argument(flag, type=int, default=argparse.SUPPRESS, metavar="N", help=text)
            elif f.name in _PATH_FIELDS:
                group.add_argument(flag, default=argparse.SUPPRESS, metavar="FILE", help=text)
            else:
                choices = _choices().get(f.name)
                group.add_argument(flag, choices=choices, default=argparse.SUPPRESS, help=text)
        parser.set_defaults(_tracker_spec_defaults=defaults)

    @classmethod
    def from_args(cls, args: argparse.Namespace, **overrides: Any) -> "TrackerSpec":
        """The spec of parsed options (:meth:`add_arguments`); ``overrides`` win over both."""
        values = dict(getattr(args, "_tracker_spec_defaults", {}) or {})
        for f in fields(cls):
            given = getattr(args, f.name, None)
            if given is not None:
                values[f.name] = os.fspath(given) if f.name in _PATH_FIELDS else given
        values.update(overrides)
        return cls(**values)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "TrackerSpec":
        """The spec of ``RGBT_<FIELD>`` variables (``RGBT_ARCH``, ``RGBT_RFN_CHECKPOINT``, ...).

        Empty variables count as unset; ``overrides`` (e.g. command-line options) win.
        A value that does not parse raises :class:`InputError` naming the variable.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            text = environ.get(ENV_PREFIX + f.name.upper(), "").strip()
            if text:
                values[f.name] = _parse_env(f.name, text)
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except InputError as error:
            raise InputError(f"{error} (from the {ENV_PREFIX}* variables)") from None

    def to_env(self) -> dict[str, str]:
        """The ``RGBT_*`` variables that :meth:`from_env` reads back into this spec (non-defaults only)."""
        base = TrackerSpec()
        env = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != getattr(base, f.name) and value is not None:
                env[ENV_PREFIX + f.name.upper()] = ("1" if value else "0") if isinstance(value, bool) else str(value)
        return env


def parse_flag(text: str) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off`` (any case); ValueError otherwise."""
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected 1/0 (true/false), got {text!r}")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _check_value(name: str, value: Any, label: str) -> None:
    """InputError ``"<label> ..."`` when ``value`` is not a valid ``name`` (``label``: the option or variable)."""
    choices = _choices().get(name)
    if choices and value is not None and value not in choices:
        raise InputError(f"unknown {label} '{value}' (choose from {', '.join(choices)})")
    if name == "device" and not (value in DEVICES or (value.startswith("cuda:") and value[5:].isdigit())):
        raise InputError(f"unknown {label} '{value}' (choose from {', '.join(DEVICES)} or cuda:N)")
    if name == "threads" and value < 0:
        raise InputError(f"{label} must be >= 0, got {value}")


def _parse_env(name: str, text: str) -> Any:
    """The value of variable ``RGBT_<NAME>``; one-line InputError naming the variable when it is bad."""
    variable = ENV_PREFIX + name.upper()
    try:
        value: Any = parse_flag(text) if name == "afat" else int(text) if name == "threads" else text
    except ValueError:
        raise InputError(f"{variable}={text!r} is not valid ({'1 or 0' if name == 'afat' else 'a whole number'})") from None
    if name in _choices() or name in ("device", "threads"):
        _check_value(name, value, variable)
    return value


def _choices() -> dict[str, tuple[str, ...]]:
    archs = tuple(ARCHITECTURES)
    return {"arch": archs, "correction_arch": archs, "mode": MODES, "fusion": FUSIONS, "precision": PRECISIONS}


class Tracker(Protocol):
    """What every front end drives: ``init(frames, box)``, then ``track(frames)`` per frame.

    ``frames`` is a dict of HxWx3 uint8 arrays keyed by channel (``color``, ``ir``); boxes are
    ``(x, y, w, h)`` in 0-based pixels; ``track`` returns an object with ``.box`` (and
    ``.response``, the raw score map).
    """

    def init(self, frames: dict[str, np.ndarray], box: tuple[float, float, float, float]) -> None: ...

    def track(self, frames: dict[str, np.ndarray]): ...


def build_tracker(spec: TrackerSpec, fusion: Any = None) -> Tracker:
    """The tracker ``spec`` describes: a :class:`trackers.tracker.SiameseTracker`, or AFAT's
    :class:`trackers.afat.FailureAwareTracker` when ``spec.afat``.

    Both answer ``init(frames, box)`` and ``track(frames).box``, with ``frames`` a dict of HxWx3
    uint8 arrays keyed by ``spec.channels`` and boxes ``(x, y, w, h)`` in 0-based pixels.
    ``fusion`` (an ``nn.Module``) replaces the fused tracker's fusion, e.g. an RFN in training.
    """
    from rgbt_track.factory import build_from_spec

    return build_from_spec(spec, fusion=fusion)


def load_model(spec: TrackerSpec):
    """The network of ``spec``'s base tracker (``spec.arch`` with ``spec.checkpoint`` or the shipped
    weights): a :class:`trackers.model.SiameseRPN`, for training code that needs the model itself."""
    from rgbt_track.factory import load_model as load

    return load(spec.arch, spec.checkpoint)
