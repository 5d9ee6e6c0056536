"""Read a checkpoint file safely: ``weights_only`` loading, one-line errors, NaN detection."""
from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path

import torch

from rgbt_runtime.errors import InputError

NOT_WEIGHTS_ONLY = ("not a weights-only PyTorch file (corrupt, truncated, or holding pickled objects besides "
                    "tensors; this package never loads checkpoints with weights_only=False)")


def read_weights_file(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> object:
    """``torch.load(path, weights_only=True)``; :class:`InputError` naming a missing or unreadable file."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"checkpoint {path} is a folder, expected a file")
    if not path.exists():
        raise InputError(f"checkpoint not found: {path}")
    if not path.is_file():
        raise InputError(f"checkpoint {path} is not a regular file")
    with open(path, "rb") as handle:
        head = handle.read(2)
    if not (head == b"PK" or head[:1] == b"\x80"):  # torch.save writes a zip archive or (legacy) a pickle
        raise InputError(f"cannot read checkpoint {path}: not a PyTorch checkpoint file "
                         "(neither torch.save's zip archive nor a pickle)")
    try:
        with warnings.catch_warnings():  # e.g. torch's pickle-protocol warning before a refusal
            warnings.simplefilter("ignore")
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:  # torch's own text for it advises weights_only=False: not here
        raise InputError(f"cannot read checkpoint {path}: " + NOT_WEIGHTS_ONLY) from None
    except Exception as exc:  # torch raises many types for corrupt files
        detail = str(exc).splitlines()[0] if str(exc) else ""
        raise InputError(f"cannot read checkpoint {path}: {type(exc).__name__}: {detail}") from None


def load_state_file(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """Load ``path`` with ``torch.load(weights_only=True)`` and return the top-level dict.

    Raises :class:`InputError` (naming the file) when it is missing, not a torch file, not a dict,
    or holds a floating tensor with NaN or Inf anywhere (nested dicts are searched too).
    """
    path = Path(path)
    obj = read_weights_file(path, map_location)
    if not isinstance(obj, dict):
        raise InputError(f"checkpoint {path} holds a {type(obj).__name__}, expected a dict of tensors")
    bad = _first_non_finite(obj)
    if bad is not None:
        raise InputError(f"checkpoint {path} has NaN/Inf values in '{bad}'")
    return obj


def _first_non_finite(obj: object, prefix: str = "") -> str | None:
    if isinstance(obj, torch.Tensor):
        if obj.is_floating_point() and not bool(torch.isfinite(obj).all()):
            return prefix or "<tensor>"
        return None
    if isinstance(obj, dict):
        for key, value in obj.items():
            found = _first_non_finite(value, f"{prefix}.{key}" if prefix else str(key))
            if found is not None:
                return found
    return None
