"""``rgbt-track track``: run a tracker over folders of frames and write one box per frame."""
from __future__ import annotations

import argparse
import math
from pathlib import Path

MODES = ("rgb", "ir", "fused")
ARCHS = ("tiny", "mobilev2", "r50")


def parse_box(text: str) -> tuple[float, float, float, float]:
    """``"x,y,w,h"`` -> four finite floats; :class:`InputError` otherwise."""
    from fusion.runtime import InputError

    try:
        values = tuple(float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InputError(f"--init expects x,y,w,h (four numbers), got {text!r}")
    return values  # type: ignore[return-value]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "track", help="track one object through folders of RGB and/or IR frames",
        description="Track the object given by --init through the frames of --color and/or --ir "
                    "(image files, paired by sorted name) and write one 'x,y,w,h' line per frame to "
                    "--out (0-based pixels; the first line is the init box). The file is written "
                    "atomically: on any error nothing is left behind.")
    p.add_argument("--color", type=Path, metavar="DIR", help="folder of visible frames")
    p.add_argument("--ir", type=Path, metavar="DIR", help="folder of thermal frames (same count and size)")
    p.add_argument("--init", required=True, metavar="x,y,w,h",
                   help="target box in the first frame, 0-based top-left corner and size")
    p.add_argument("--mode", choices=MODES, default=None,
                   help="input mode (default: fused when both folders are given, else the one given)")
    p.add_argument("--arch", choices=ARCHS, default="tiny", help="tracker architecture (default tiny)")
    p.add_argument("--checkpoint", type=Path, metavar="FILE",
                   help="tracker weights (pysot model.pth, training snapshot; default: the shipped tiny weights)")
    p.add_argument("--fusion", default="l1", help="feature fusion for fused mode: l1 or rfn (the shipped RFN; default l1)")
    p.add_argument("--afat", action="store_true",
                   help="wrap the tracker in AFAT's failure-aware tracker (quality prediction network + "
                        "correction tracker; the shipped QPN unless --qpn-checkpoint)")
    p.add_argument("--qpn-checkpoint", type=Path, metavar="FILE", help="QPN weights for --afat (rgbt-track train-qpn)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="torch device (default cpu)")
    p.add_argument("--precision", choices=("fp32", "bf16", "fp16", "int8"), default="fp32",
                   help="compute precision (default fp32; bf16 pays on CPUs with AVX512-BF16/AMX and on GPUs, "
                        "fp16 is CUDA only; int8 is CPU only, calibrated on the init frame, and pays for r50; "
                        "see docs/benchmarks.md for what each changes)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="torch CPU threads (default: torch's choice; 1 is faster on a busy machine)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="output text file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from fusion.runtime import InputError, atomic_path
    from rgbt_track.factory import build_afat_tracker, build_rgbt_tracker
    from rgbt_track.frames import list_frames, read_frame

    import torch

    init_box = parse_box(args.init)
    if args.threads is not None:
        if args.threads < 1:
            raise InputError(f"--threads must be >= 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    mode = args.mode or ("fused" if args.color and args.ir else "ir" if args.ir else "rgb")
    needed = {"rgb": ("color",), "ir": ("ir",), "fused": ("color", "ir")}[mode]
    for name in needed:
        if getattr(args, name) is None:
            raise InputError(f"{mode} mode needs --{name} DIR")
    if args.out.is_dir():
        raise InputError(f"--out is a folder, expected a file path: {args.out}")
    paths = {name: list_frames(getattr(args, name)) for name in ("color", "ir") if getattr(args, name)}
    if len(paths) == 2 and len(paths["color"]) != len(paths["ir"]):
        raise InputError(f"{args.color} has {len(paths['color'])} frames but {args.ir} has {len(paths['ir'])}")
    if args.qpn_checkpoint is not None and not args.afat:
        raise InputError("--qpn-checkpoint is only used with --afat")
    if args.afat:
        tracker = build_afat_tracker(args.arch, mode=mode, checkpoint=args.checkpoint, fusion=args.fusion,
                                     qpn_checkpoint=args.qpn_checkpoint, device=args.device,
                                     precision=args.precision)
    else:
        tracker = build_rgbt_tracker(args.arch, mode=mode, checkpoint=args.checkpoint, fusion=args.fusion,
                                     device=args.device, precision=args.precision)
    count = len(next(iter(paths.values())))

    def frames(i: int) -> dict:
        images = {name: read_frame(paths[name][i]) for name in paths}
        if len(images) == 2 and images["color"].shape != images["ir"].shape:
            c, r = images["color"].shape, images["ir"].shape
            raise InputError(f"frame {i}: {paths['color'][i].name} is {c[1]}x{c[0]} but "
                             f"{paths['ir'][i].name} is {r[1]}x{r[0]}")
        return {name: images[name] for name in needed}

    start = time.perf_counter()
    with atomic_path(args.out) as tmp, open(tmp, "w") as out:
        tracker.init(frames(0), init_box)
        out.write(_line(init_box))
        for i in tqdm(range(1, count), desc=f"track {mode}", unit="frame", disable=None):
            out.write(_line(tracker.track(frames(i)).box))
    fps = (count - 1) / max(time.perf_counter() - start, 1e-9)
    print(f"tracked {count} frames ({args.arch}, {mode}, {fps:.1f} frames/s) -> {args.out}")
    return 0


def _line(box) -> str:
    return ",".join(f"{v:.4f}" for v in box) + "\n"
