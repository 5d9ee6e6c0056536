"""Tracker speed: frames/s per architecture and mode, printed as a table.

Times ``SiameseTracker.track`` (crops, backbone + neck on one batch, fusion, heads, decoding) on
a synthetic 640x480 RGB-T sequence after a warm-up, on CPU and, when available, on CUDA. Every
tracker is built from a :class:`rgbt_track.tracker_spec.TrackerSpec` as ``rgbt-track track`` builds
it. ``tiny`` runs its shipped weights; ``r50`` and ``mobilev2`` run seeded random weights of the same
shapes written as a pysot model-zoo file (none ships here; ``--checkpoint-dir`` takes the real
``<arch>.pth`` files), and their state is put back to the initial box after every frame so that
random predictions cannot shrink or grow the crops (every frame does the work of a frame at the
initial scale). ``fused`` uses the parameter-free l1-norm feature fusion, ``fused-rfn`` (``tiny``
only) the shipped RFN. The load average is printed with the table because the machine may be
shared.

Paths: ``package`` is what ``rgbt-track track`` runs (BatchNorm folded into the convolutions,
channels-last on CPU). ``pysot`` (``--paths package pysot``) runs the same loop on the model as
pysot runs it - built modules, BatchNorm separate, NCHW - so the package's own gain is measured on
the same machine rather than against a figure taken elsewhere (pysot wraps the loop in
``torch.no_grad`` where the package uses ``torch.inference_mode``; that difference is kept).

    python bench/bench_tracker.py                       # every arch and mode, CPU (+ CUDA)
    python bench/bench_tracker.py --archs r50 --modes rgb --paths package pysot --precisions fp32 bf16 int8
    python bench/bench_tracker.py --archs tiny --frames 200 --threads 1
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from rgbt_track.tracker_spec import TrackerSpec, build_tracker, load_model
from trackers.checkpoint import save_pysot_checkpoint
from trackers.config import PRECISIONS
from trackers.model import build_model
from trackers.tracker import SiameseTracker

DEFAULT_FRAMES = {"tiny": 100, "mobilev2": 20, "r50": 6}


def synthetic_frames(count: int, seed: int = 0) -> list[dict[str, np.ndarray]]:
    """``count`` 640x480 frame pairs with a textured square moving 3 px per frame."""
    rng = np.random.default_rng(seed)
    background = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    target = rng.integers(0, 255, (40, 60, 3), dtype=np.uint8)
    frames = []
    for i in range(count):
        color = background.copy()
        x, y = 200 + 3 * i % 300, 200
        color[y:y + 40, x:x + 60] = target
        ir = np.repeat(color.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
        frames.append({"color": color, "ir": ir})
    return frames


def weights_file(arch: str, folder: Path) -> str | None:
    """``folder/<arch>.pth`` when it exists (a real model-zoo file), else seeded random weights in
    the pysot file layout written there; None (the shipped weights) for ``tiny``."""
    if arch == "tiny":
        return None
    path = folder / f"{arch}.pth"
    if not path.is_file():
        torch.manual_seed(0)
        save_pysot_checkpoint(build_model(arch), path)
    return str(path)


def build(arch: str, mode: str, device: str, path: str, precision: str, folder: Path) -> SiameseTracker:
    """The tracker of one row, built from its :class:`TrackerSpec`; ``path="pysot"`` swaps in the
    model as pysot runs it (BatchNorm separate, NCHW)."""
    spec = TrackerSpec(arch=arch, checkpoint=weights_file(arch, folder), mode=mode.removesuffix("-rfn"),
                       fusion="rfn" if mode == "fused-rfn" else "l1", device=device, precision=precision)
    tracker = build_tracker(spec)
    if path == "pysot":
        tracker.model = load_model(spec).eval().to(device)
        tracker.channels_last = False
    return tracker


def measure(arch: str, mode: str, device: str, path: str, precision: str, frames: int, warmup: int,
            folder: Path) -> float:
    """Mean seconds per ``track`` call over ``frames`` frames after ``warmup`` frames."""
    tracker = build(arch, mode, device, path, precision, folder)
    shipped = arch == "tiny"
    sequence = synthetic_frames(warmup + frames + 1)
    tracker.init(sequence[0], (200, 200, 60, 40))
    initial = tracker.center.copy(), tracker.size.copy()

    def step(frame) -> None:
        tracker.track(frame)
        if not shipped:
            tracker.center, tracker.size = initial[0].copy(), initial[1].copy()

    for frame in sequence[1:warmup + 1]:
        step(frame)
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for frame in sequence[warmup + 1:]:
        step(frame)
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / frames


def runnable(device: str, arch: str, mode: str, path: str, precision: str) -> bool:
    """Whether the row exists: the shipped RFN is tiny's, fp16 needs CUDA, int8 a CPU."""
    if mode == "fused-rfn" and arch != "tiny":
        return False
    return {"fp16": device == "cuda", "int8": device == "cpu"}.get(precision, True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=["tiny", "mobilev2", "r50"])
    parser.add_argument("--modes", nargs="+", default=["rgb", "ir", "fused", "fused-rfn"],
                        help="fused-rfn: tiny with the shipped RFN (skipped for other archs)")
    parser.add_argument("--paths", nargs="+", default=["package"], choices=["package", "pysot"],
                        help="pysot: the model as pysot runs it (BatchNorm separate, NCHW)")
    parser.add_argument("--precisions", nargs="+", default=["fp32"], choices=list(PRECISIONS),
                        help="package path only (pysot runs fp32); fp16 on CUDA only, int8 on CPU only "
                             "(calibrated at init, outside the timing)")
    parser.add_argument("--devices", nargs="+", default=None, help="default: cpu, plus cuda when available")
    parser.add_argument("--frames", type=int, default=None, help="timed frames (default per arch: tiny 100, mobilev2 20, r50 6)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--checkpoint-dir", type=Path, default=None, metavar="DIR",
                        help="folder of <arch>.pth pysot model-zoo files (default: seeded random weights)")
    args = parser.parse_args()
    folder = args.checkpoint_dir or Path(tempfile.mkdtemp(prefix="bench_tracker_"))
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = args.devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, {torch.get_num_threads()} threads, "
          f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"{'device':<7}{'arch':<10}{'mode':<10}{'path':<8}{'dtype':<6}{'frames':>7}{'ms/frame':>10}{'frames/s':>10}")
    rows = [(device, arch, mode, path, precision) for device in devices for arch in args.archs for mode in args.modes
            for path in args.paths for precision in (args.precisions if path == "package" else ["fp32"])]
    for device, arch, mode, path, precision in rows:
        if not runnable(device, arch, mode, path, precision):
            continue
        count = args.frames or DEFAULT_FRAMES[arch]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # random weights
            seconds = measure(arch, mode, device, path, precision, count, args.warmup, folder)
        print(f"{device:<7}{arch:<10}{mode:<10}{path:<8}{precision:<6}{count:>7}{seconds * 1000:>10.1f}"
              f"{1 / seconds:>10.2f}", flush=True)
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
