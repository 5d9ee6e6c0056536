"""Save and resume a training run: model, optimiser, step, RNG states, in one atomic file.

Generic: any ``nn.Module`` + ``torch.optim.Optimizer`` pair (base tracker, tracking RFN). The file
is written with :func:`rgbt_runtime.save_torch_atomic`, so an interrupted save never leaves a
half-written checkpoint, and read back with ``weights_only=True`` (RNG states are stored as
tensors and plain Python numbers for that reason).
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from rgbt_runtime import InputError, load_state_file, save_torch_atomic


@dataclass
class TrainingState:
    """What a resumed run needs beyond the module and optimiser weights.

    ``step`` = optimiser steps already done; ``extra`` = caller data (e.g. the config as a dict).
    """

    step: int
    extra: dict = field(default_factory=dict)


def unwrap(model: nn.Module) -> nn.Module:
    """The module inside a DistributedDataParallel / DataParallel wrapper (itself otherwise)."""
    return model.module if hasattr(model, "module") else model


def rng_states() -> dict:
    """Python, NumPy (global) and torch CPU RNG states in a ``weights_only``-loadable form."""
    py_version, py_state, py_gauss = random.getstate()
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    return {"python": {"version": py_version, "state": torch.tensor(py_state, dtype=torch.int64),
                       "gauss": py_gauss},
            "numpy": {"keys": torch.from_numpy(np_keys.astype(np.int64)), "pos": int(np_pos),
                      "has_gauss": int(np_has_gauss), "gauss": float(np_gauss)},
            "torch": torch.get_rng_state()}


def set_rng_states(states: dict) -> None:
    """Restore what :func:`rng_states` returned."""
    py = states["python"]
    random.setstate((py["version"], tuple(int(v) for v in py["state"].tolist()), py["gauss"]))
    n = states["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))
    torch.set_rng_state(states["torch"])


def save_training_state(path: str | os.PathLike, model: nn.Module, optimizer: torch.optim.Optimizer,
                        step: int, extra: dict | None = None) -> None:
    """Atomically write ``{"model", "optimizer", "step", "rng", "extra"}`` to ``path``."""
    save_torch_atomic({"model": unwrap(model).state_dict(), "optimizer": optimizer.state_dict(),
                       "step": int(step), "rng": rng_states(), "extra": extra or {}}, path)


def load_training_state(path: str | os.PathLike, model: nn.Module, optimizer: torch.optim.Optimizer | None,
                        restore_rng: bool = True) -> TrainingState:
    """Load a file written by :func:`save_training_state` into ``model`` (and ``optimizer``).

    Raises :class:`InputError` naming the file when it is missing, corrupt, has NaN, or is not a
    training checkpoint of this model.
    """
    state = load_state_file(path)
    missing = [k for k in ("model", "optimizer", "step") if k not in state]
    if missing:
        raise InputError(f"{path} is not a training checkpoint (missing {', '.join(missing)})")
    try:
        unwrap(model).load_state_dict(state["model"])
        if optimizer is not None:
            optimizer.load_state_dict(state["optimizer"])
    except (RuntimeError, ValueError, KeyError) as exc:
        raise InputError(f"{path} does not fit this model: {str(exc).splitlines()[0]}") from None
    if restore_rng and "rng" in state:
        set_rng_states(state["rng"])
    return TrainingState(step=int(state["step"]), extra=dict(state.get("extra", {})))
