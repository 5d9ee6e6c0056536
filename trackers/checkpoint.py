"""Load tracker weights: pysot model-zoo files, training snapshots and DataParallel dumps.

Files are read by :func:`rgbt_runtime.checkpoint_file.read_weights_file` (weights-only unpickling,
one-line errors naming the file).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from rgbt_runtime.checkpoint_file import read_weights_file as read_checkpoint
from rgbt_runtime.errors import InputError

MAX_LISTED_KEYS = 5


def load_tracker_weights(model: nn.Module, source: str | os.PathLike | Mapping) -> None:
    """Load ``source`` into ``model`` strictly.

    ``source`` is a path (read with ``torch.load(weights_only=True)``) or an already loaded dict.
    Accepted layouts: a flat state dict (pysot model zoo), ``{'state_dict': ...}`` (pysot training
    snapshots) and keys prefixed ``module.`` (DataParallel), in any combination.

    Raises :class:`InputError` (naming the file) for a missing or corrupt file, a non-dict content,
    NaN/Inf values, missing or unexpected keys (the first few of each are listed) and shape
    mismatches.
    """
    name = str(source) if isinstance(source, (str, os.PathLike)) else "the given state dict"
    raw = read_checkpoint(source) if isinstance(source, (str, os.PathLike)) else source
    state = _unwrap(raw, name)
    for key, value in state.items():
        if not isinstance(value, torch.Tensor):
            raise InputError(f"checkpoint {name}: entry '{key}' is a {type(value).__name__}, not a tensor")
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            raise InputError(f"checkpoint {name} has NaN/Inf values in '{key}'")
    _check_keys(model, state, name)
    model.load_state_dict(state, strict=True)


def _unwrap(raw: object, name: str) -> dict[str, torch.Tensor]:
    if not isinstance(raw, Mapping):
        raise InputError(f"checkpoint {name} holds a {type(raw).__name__}, expected a state dict")
    if "state_dict" in raw and isinstance(raw["state_dict"], Mapping):
        raw = raw["state_dict"]
    if raw and all(str(k).startswith("module.") for k in raw):
        raw = {k[len("module."):]: v for k, v in raw.items()}
    return dict(raw)


def _check_keys(model: nn.Module, state: dict, name: str) -> None:
    expected = model.state_dict()
    # pysot's files predate BatchNorm's num_batches_tracked buffer; load_state_dict fills it in.
    missing = [k for k in expected if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in expected]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing keys ({_short(missing)})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys ({_short(unexpected)})")
    shapes = [f"{k}: file {tuple(state[k].shape)} vs model {tuple(v.shape)}"
              for k, v in expected.items() if k in state and state[k].shape != v.shape]
    if shapes:
        problems.append(f"{len(shapes)} shape mismatches ({_short(shapes)})")
    if problems:
        arch = getattr(getattr(model, "spec", None), "name", None)
        target = f"the '{arch}' model" if arch else "the model"
        raise InputError(f"checkpoint {name} does not fit {target}: " + "; ".join(problems))


def _short(items: list[str]) -> str:
    listed = ", ".join(items[:MAX_LISTED_KEYS])
    return listed + (f", ... {len(items) - MAX_LISTED_KEYS} more" if len(items) > MAX_LISTED_KEYS else "")


def pysot_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """``model``'s weights laid out as a pysot model-zoo ``model.pth``: one flat state dict with
    pysot's key names (``backbone.*``, ``neck.*``, ``rpn_head.*``) and without BatchNorm's
    ``num_batches_tracked`` buffers, which pysot's files predate."""
    return {k: v.detach().clone() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def save_pysot_checkpoint(model: nn.Module, path: str | os.PathLike) -> Path:
    """Write :func:`pysot_state_dict` of ``model`` to ``path`` (``torch.save``, as pysot does)."""
    path = Path(path)
    torch.save(pysot_state_dict(model), path)
    return path
