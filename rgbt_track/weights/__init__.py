"""Weights shipped inside the package, and where to find them.

``tiny_siamrpn.pth`` is the embedded default tracker (trained with ``rgbt-track train-base``; the
manifest beside it records the command and data). The pysot architectures ship no weights: their
model-zoo files are downloaded by the user and passed with ``--checkpoint``.
"""
from __future__ import annotations

from pathlib import Path

from fusion.runtime.errors import InputError

WEIGHTS_DIR = Path(__file__).resolve().parent

SHIPPED_TRACKER_WEIGHTS = {"tiny": "tiny_siamrpn.pth"}
PYSOT_MODEL_ZOO = {"r50": "siamrpn_r50_l234_dwxcorr", "mobilev2": "siamrpn_mobilev2_l234_dwxcorr"}


def default_tracker_weights(arch: str) -> Path:
    """The shipped weights file for ``arch``; :class:`InputError` saying what to pass when there is none."""
    if arch in PYSOT_MODEL_ZOO:
        raise InputError(f"no weights ship for '{arch}': pass --checkpoint, the pysot model-zoo file "
                         f"{PYSOT_MODEL_ZOO[arch]}/model.pth")
    if arch not in SHIPPED_TRACKER_WEIGHTS:
        raise InputError(f"no weights ship for '{arch}': pass --checkpoint")
    path = WEIGHTS_DIR / SHIPPED_TRACKER_WEIGHTS[arch]
    if not path.is_file():
        raise InputError(f"the shipped '{arch}' weights {path} are missing: pass --checkpoint, or train them "
                         f"with 'rgbt-track train-base --arch {arch}'")
    return path
