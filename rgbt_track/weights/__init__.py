"""Weights shipped inside the package, and where to find them.

The embedded default (``tiny``) ships five files, each trained by the package's own commands on
generated sequences; ``MANIFEST.md`` beside them records the exact commands and data:

* ``tiny_siamrpn.pth`` - the Siamese base tracker (``rgbt-track train-base``),
* ``tiny_rfn.pth`` - the reduced RFN of the fused mode (``rgbt-track train-rfn``),
* ``tiny_qpn_rgb.pth``, ``tiny_qpn_ir.pth``, ``tiny_qpn_fused.pth`` - AFAT's quality prediction
  network, one per input mode, each trained on the responses of the tracker it watches
  (``rgbt-track train-qpn --mode ...``).

The pysot architectures ship no weights: their model-zoo files are downloaded by the user and
passed with ``--checkpoint``.
"""
from __future__ import annotations

from pathlib import Path

from rgbt_runtime.errors import InputError

WEIGHTS_DIR = Path(__file__).resolve().parent

SHIPPED_ARCHS = ("tiny",)
FILE_NAMES = {"tracker": "{arch}_siamrpn.pth", "rfn": "{arch}_rfn.pth", "qpn": "{arch}_qpn_{mode}.pth"}
TRAINED_BY = {"tracker": "train-base", "rfn": "train-rfn", "qpn": "train-qpn"}
PYSOT_MODEL_ZOO = {"r50": "siamrpn_r50_l234_dwxcorr", "mobilev2": "siamrpn_mobilev2_l234_dwxcorr"}


def shipped_weights(arch: str, kind: str, mode: str | None = None) -> Path:
    """The shipped ``kind`` (``tracker``, ``rfn`` or ``qpn``) file of ``arch``; InputError saying what to pass.

    ``mode`` (``rgb``, ``ir`` or ``fused``) picks the QPN: each input mode has its own.
    """
    if kind == "qpn" and mode is None:
        raise ValueError("the shipped QPN depends on the input mode: pass mode")
    option = {"tracker": "--checkpoint", "rfn": "--rfn-checkpoint", "qpn": "--qpn-checkpoint"}[kind]
    train = f"rgbt-track {TRAINED_BY[kind]} --arch {arch}" + (f" --mode {mode}" if kind == "qpn" else "")
    if kind == "tracker" and arch in PYSOT_MODEL_ZOO:
        raise InputError(f"no weights ship for '{arch}': pass {option}, the pysot model-zoo file "
                         f"{PYSOT_MODEL_ZOO[arch]}/model.pth")
    if arch not in SHIPPED_ARCHS:
        raise InputError(f"no {kind} weights ship for '{arch}': pass {option}, or train them with '{train}'")
    path = WEIGHTS_DIR / FILE_NAMES[kind].format(arch=arch, mode=mode)
    if not path.is_file():
        raise InputError(f"the shipped '{arch}' {kind} weights {path} are missing: pass {option}, or train "
                         f"them with '{train}'")
    return path


def default_tracker_weights(arch: str) -> Path:
    """The shipped base-tracker weights of ``arch`` (:func:`shipped_weights` with ``kind="tracker"``)."""
    return shipped_weights(arch, "tracker")
