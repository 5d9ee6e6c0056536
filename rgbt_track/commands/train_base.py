"""``rgbt-track train-base``: train the Siamese base tracker on VOT- or GOT-10k-layout sequences."""
from __future__ import annotations

import argparse

from trackers.config import ARCHITECTURES


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train-base", help="train the Siamese base tracker (SiamRPN anchor targets, CE + smooth-L1)",
        description="Train the Siamese base tracker on template/search pairs cut from sequences in VOT "
                    "layout (e.g. from 'rgbt-track make-sequences') and/or GOT-10k layout (RGB only: its "
                    "frames serve as both modalities). Each pair uses one random modality. Writes "
                    "OUT/checkpoint.pth every --checkpoint-every steps (for --resume) and OUT/model.pth "
                    "(weights only) at the end. Runs under torchrun as DistributedDataParallel.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--sequences", action="append", default=[], metavar="DIR",
                   help="VOT-layout sequence folder (with list.txt); repeatable")
    p.add_argument("--got10k", action="append", default=[], metavar="DIR",
                   help="GOT-10k-layout split folder; repeatable")
    p.add_argument("--arch", default="tiny", choices=tuple(ARCHITECTURES), help="tracker architecture")
    p.add_argument("--out", required=True, default=argparse.SUPPRESS, metavar="DIR", help="output folder")
    p.add_argument("--steps", type=int, default=2000, help="optimiser steps in total")
    p.add_argument("--batch-size", type=int, default=16, help="pairs per step and process")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate")
    p.add_argument("--optimizer", choices=("adam", "sgd"), default="adam", help="optimiser of the whole network")
    p.add_argument("--search-size", type=int, default=255,
                   help="search crop side used in training (the tracker always searches 255; a smaller "
                        "crop trains faster on a CPU; the tiny/r50/mobilev2 models need >= 167)")
    p.add_argument("--search-shift", type=float, default=64,
                   help="maximum shift of the target from the search centre, in pixels (pysot: 64)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and of the pair sampling")
    p.add_argument("--workers", type=int, default=0, help="data-loader worker processes")
    p.add_argument("--checkpoint-every", type=int, default=100, metavar="N", help="steps between checkpoints")
    p.add_argument("--checkpoint", metavar="FILE", help="start from these tracker weights instead of random ones")
    p.add_argument("--resume", action="store_true",
                   help="continue from OUT/checkpoint.pth (same settings, --steps included)")
    p.add_argument("--stop-at", type=int, metavar="STEP",
                   help="stop after this step with a checkpoint to --resume later (the schedule still spans --steps)")
    p.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rgbt_runtime import InputError
    from rgbt_runtime.atomic import check_folder_destination
    from trackers.config import get_arch
    from trackers.training.augment import CropAugment
    from trackers.training.base_tracker import BaseTrainConfig, train_base
    from trackers.training.pairs import PairConfig

    for name, value in (("--steps", args.steps), ("--batch-size", args.batch_size),
                        ("--checkpoint-every", args.checkpoint_every)):
        if value < 1:
            raise InputError(f"{name} must be >= 1, got {value}")
    if not args.lr > 0:
        raise InputError(f"--lr must be > 0, got {args.lr}")
    if args.workers < 0:
        raise InputError(f"--workers must be >= 0, got {args.workers}")
    check_folder_destination(args.out, "--out")
    get_arch(args.arch)
    if args.stop_at is not None and args.stop_at < 1:
        raise InputError(f"--stop-at must be >= 1, got {args.stop_at}")
    if args.search_size < 167 or (args.search_size - 127) % 8:
        raise InputError(f"--search-size must be >= 167 and 127 + a multiple of 8, got {args.search_size}")
    if not 0 <= args.search_shift <= (args.search_size - 127) / 2 + 32:
        raise InputError(f"--search-shift {args.search_shift:g} would push the target off the score map")
    sequences = load_training_sequences(args.sequences, args.got10k)
    pairs = PairConfig(search_size=args.search_size, search=CropAugment(shift=args.search_shift, scale=0.18))
    config = BaseTrainConfig(arch=args.arch, steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                             optimizer=args.optimizer, seed=args.seed, num_workers=args.workers,
                             checkpoint_every=args.checkpoint_every, pairs=pairs)
    final = train_base(sequences, config, args.out, resume=args.resume, init_weights=args.checkpoint,
                       device=args.device, stop_at=args.stop_at)
    stopped = args.stop_at is not None and args.stop_at < args.steps
    print(f"stopped after step {args.stop_at}: --resume continues the run" if stopped else f"wrote {final}")
    return 0


def load_training_sequences(vot_dirs=(), got10k_dirs=()) -> list:
    """All sequences of the given VOT-layout and GOT-10k-layout folders with an annotated frame."""
    import numpy as np

    from rgbt_runtime import InputError
    from rgbt_track.datasets.got10k import load_got10k_sequences
    from rgbt_track.datasets.vot import load_vot_sequences

    sequences = [s for folder in vot_dirs for s in load_vot_sequences(folder)]
    sequences += [s for folder in got10k_dirs for s in load_got10k_sequences(folder)]
    if not sequences:
        raise InputError("no training sequences (give --sequences and/or --got10k)")
    usable = [s for s in sequences if np.isfinite(np.asarray(s.groundtruth)).all(axis=1).any()]
    if not usable:
        raise InputError("no training sequence has an annotated frame")
    return usable
