"""The three training commands' parser scaffolding and shared options, and turning them into configs and models."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable, Sequence

from fusion.training.loop import TrainConfig


def add_training_command(subparsers, name: str, run: Callable[[argparse.Namespace], int],
                         arguments: Sequence[Callable[[argparse.ArgumentParser], None]], help: str,
                         description: str) -> None:
    """Register the training sub-command ``name``: its own ``arguments`` (in order), then the common ones."""
    p = subparsers.add_parser(name, help=help, description=description)
    for add in arguments:
        add(p)
    add_common_arguments(p)
    p.set_defaults(func=run)


def add_common_arguments(p: argparse.ArgumentParser) -> None:
    """Output, resume, optimisation, data sampling and device options (paper defaults)."""
    d = TrainConfig()
    p.add_argument("--out", type=Path, required=True, help="checkpoint file to write (atomically, also every --checkpoint-every steps)")
    p.add_argument("--resume", action="store_true", help="continue the run saved in --out (same results as an uninterrupted run)")
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"passes over the data (default {d.epochs})")
    p.add_argument("--max-steps", type=int, help="stop after this many optimiser steps in total")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help=f"images per step and process (default {d.batch_size})")
    p.add_argument("--lr", type=float, default=d.lr, help=f"Adam learning rate (default {d.lr:g})")
    p.add_argument("--seed", type=int, default=d.seed, help=f"seed for initialisation, data order and crops (default {d.seed})")
    p.add_argument("--workers", type=int, default=d.workers, help=f"data loader worker processes (default {d.workers})")
    p.add_argument("--checkpoint-every", type=int, default=d.checkpoint_every, help=f"steps between checkpoints (default {d.checkpoint_every})")
    p.add_argument("--image-size", type=int, default=256, help="training images are S x S gray (default 256)")
    p.add_argument("--sampling", choices=("resize", "crop"), default="resize",
                   help="resize whole images to S x S (the paper's way, default) or take random S x S crops")
    p.add_argument("--ms-ssim-form", choices=("standard", "reference"), default="standard",
                   help="MS-SSIM as published (default) or exactly as the reference code computes it")
    p.add_argument("--device", help="cpu, cuda, cuda:N (default: the local GPU when there is one, else cpu)")


def train_config(args: argparse.Namespace) -> TrainConfig:
    """A :class:`TrainConfig` from the parsed options (validated)."""
    from rgbt_runtime.atomic import check_destination
    from rgbt_runtime.errors import InputError

    check_destination(args.out, "--out")  # before any work: not after the first checkpoint interval
    for name in ("epochs", "batch_size", "workers", "checkpoint_every", "image_size"):
        if getattr(args, name) < (0 if name == "workers" else 1):
            raise InputError(f"--{name.replace('_', '-')} must be positive, got {getattr(args, name)}")
    if args.image_size < 16:
        raise InputError(f"--image-size must be at least 16 (five MS-SSIM levels), got {args.image_size}")
    return TrainConfig(epochs=args.epochs, max_steps=args.max_steps, batch_size=args.batch_size, lr=args.lr,
                       seed=args.seed, workers=args.workers, checkpoint_every=args.checkpoint_every, device=args.device)


def add_architecture_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the network trained from scratch (stage 1 and the one-stage ablation)."""
    p.add_argument("--no-nest", action="store_true", help="the decoder without nest connections (ablation, Sec. 4.6)")
    p.add_argument("--deep-supervision", action="store_true", help="three decoder outputs, losses averaged")
    p.add_argument("--channels", type=int, nargs=4, default=[64, 112, 160, 208], metavar="C",
                   help="encoder widths per scale (default the paper's 64 112 160 208; smaller for quick CPU models)")


def model_from_arguments(args: argparse.Namespace):
    """The :class:`fusion.model.RFNNest` that :func:`add_architecture_arguments`' options describe."""
    from fusion.model import RFNNest, RFNNestConfig

    return RFNNest(RFNNestConfig(tuple(args.channels), nest=not args.no_nest, deep_supervision=args.deep_supervision))
