"""Every random number generator's state in a ``weights_only``-loadable form, and back.

Python's, NumPy's global one, torch's CPU generator and every CUDA device's generator: what a
checkpoint needs so that a resumed run draws the same numbers an uninterrupted one would. States
are tensors and plain Python numbers, since checkpoints are read with ``weights_only=True``.
"""
from __future__ import annotations

import random

import numpy as np
import torch


def rng_states() -> dict:
    """``{"python", "numpy", "torch", "cuda"}`` states of this process (``cuda``: one per device)."""
    py_version, py_state, py_gauss = random.getstate()
    _, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    return {"python": {"version": py_version, "state": torch.tensor(py_state, dtype=torch.int64),
                       "gauss": py_gauss},
            "numpy": {"keys": torch.from_numpy(np_keys.astype(np.int64)), "pos": int(np_pos),
                      "has_gauss": int(np_has_gauss), "gauss": float(np_gauss)},
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []}


def set_rng_states(states: dict) -> None:
    """Restore what :func:`rng_states` returned (CUDA states only when the device count matches)."""
    py = states["python"]
    random.setstate((py["version"], tuple(int(v) for v in py["state"].tolist()), py["gauss"]))
    n = states["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))
    torch.set_rng_state(states["torch"])
    cuda = list(states.get("cuda", []))
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)
