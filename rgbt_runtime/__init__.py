"""Infrastructure shared by ``fusion``, ``trackers`` and ``rgbt_track``.

The one error type users see (:class:`InputError`), atomic outputs, weights-only checkpoint files,
image-folder reading (:mod:`rgbt_runtime.image_files`), the argparse scaffolding of both console
scripts (:mod:`rgbt_runtime.cli`), distributed setup, seeding, the allocator setting of the
full-size fusion paths and int8 quantization (:mod:`rgbt_runtime.quantization`). It imports none of the three packages above it.

The names below are loaded on first use, so that torch-free callers (the metrics, image-file
helpers) do not import torch.
"""
from __future__ import annotations

import importlib

_SOURCES = {
    "atomic_path": "rgbt_runtime.atomic",
    "ensure_output_folder": "rgbt_runtime.atomic",
    "save_torch_atomic": "rgbt_runtime.atomic",
    "load_state_file": "rgbt_runtime.checkpoint_file",
    "DistContext": "rgbt_runtime.distributed",
    "init_distributed": "rgbt_runtime.distributed",
    "InputError": "rgbt_runtime.errors",
    "seed_everything": "rgbt_runtime.seeding",
}

__all__ = list(_SOURCES)


def __getattr__(name: str):
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_SOURCES[name]), name)
    globals()[name] = value
    return value
