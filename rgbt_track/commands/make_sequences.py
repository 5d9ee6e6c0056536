"""``rgbt-track make-sequences``: write procedural RGB-T sequences in the VOT-RGBT layout."""
from __future__ import annotations

import argparse
from pathlib import Path


def _frame_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
        if width <= 0 or height <= 0:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, e.g. 320x240, got {text!r}") from None
    return width, height


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "make-sequences", help="generate RGB-T sequences with modality-specific trouble (VOT layout)",
        description="Write COUNT procedural RGB-T sequences into OUT_DIR in the VOT-RGBT layout "
                    "(list.txt; per sequence: sequence, color/, ir/, groundtruth.txt, anchor.value, "
                    "<tag>.tag). Each sequence has segments where only RGB or only IR is usable "
                    "(night, glare, RGB-only distractor / thermal crossover, IR-only distractor) and "
                    "short partial occlusions. The same seed gives byte-identical files.")
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="dataset folder to write (created; must be missing or empty unless --force)")
    p.add_argument("--count", type=int, default=8, help="number of sequences (default 8)")
    p.add_argument("--length", type=int, default=200,
                   help="frames per sequence (default 200; VOT2020's EAO window starts at 115)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--textures", type=Path, default=None, metavar="DIR",
                   help="folder of aligned IR/visible pairs (e.g. TNO: ir/IR1.png + vis/VIS1.png) "
                        "to cut real target and background textures from")
    p.add_argument("--size", type=_frame_size, default=(320, 240), metavar="WxH",
                   help="frame size (default 320x240)")
    p.add_argument("--fps", type=int, default=30, help="frame rate written to each sequence file (default 30)")
    p.add_argument("--force", action="store_true",
                   help="replace a non-empty OUT_DIR whole (by default it is refused)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rgbt_track.generator import generate_sequences

    folders = generate_sequences(args.out_dir, count=args.count, length=args.length, seed=args.seed,
                                 textures=args.textures, size=args.size, fps=args.fps, progress=True,
                                 force=args.force)
    print(f"wrote {len(folders)} sequences of {args.length} frames to {args.out_dir}")
    return 0
