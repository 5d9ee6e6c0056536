"""The model options that ``rfn-nest fuse`` and ``rfn-nest benchmark-strategies`` share, and the model they name.

``--checkpoint`` (a checkpoint of ``rfn-nest train-*``, default the embedded one), or ``--autoencoder``
with ``--rfn`` (the reference files); the commands add ``--device`` and ``--low-memory`` themselves.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from rgbt_runtime.allocator import keep_freed_memory


def add_model_arguments(group) -> None:
    """``--checkpoint``, ``--autoencoder``, ``--rfn`` on ``group`` (a parser or an argument group)."""
    group.add_argument("--checkpoint", type=Path, help="checkpoint from rfn-nest train-* (default: the embedded one)")
    group.add_argument("--autoencoder", type=Path, help="reference auto-encoder file (e.g. nestfuse_gray_1e2.model)")
    group.add_argument("--rfn", type=Path, help="reference RFN file (with --autoencoder)")


def load_model_from_args(args: argparse.Namespace):
    """The model of ``args.checkpoint`` / ``args.autoencoder`` + ``args.rfn`` on ``args.device``; unless
    ``args.low_memory``, glibc is then told to keep freed memory (:func:`keep_freed_memory`)."""
    from fusion.inference import load_model, resolve_device

    model = load_model(args.checkpoint, args.autoencoder, args.rfn, device=resolve_device(args.device))
    if not args.low_memory:
        keep_freed_memory()
    return model
