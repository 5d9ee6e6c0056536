"""Runtime helpers shared by every training and I/O path of the package.

They live in ``fusion`` because ``fusion`` is the one package both halves may import
(``rgbt_track`` imports it; ``trackers`` needs none of this). The names below are loaded on
first use, so that torch-free callers (the metrics, image-file helpers) do not import torch.
"""
from __future__ import annotations

import importlib

_SOURCES = {
    "atomic_path": "fusion.runtime.atomic",
    "save_torch_atomic": "fusion.runtime.atomic",
    "load_state_file": "fusion.runtime.checkpoint_file",
    "DistContext": "fusion.runtime.distributed",
    "init_distributed": "fusion.runtime.distributed",
    "InputError": "fusion.runtime.errors",
    "seed_everything": "fusion.runtime.seeding",
}

__all__ = list(_SOURCES)


def __getattr__(name: str):
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_SOURCES[name]), name)
    globals()[name] = value
    return value
