"""Tracker speed: frames/s per architecture and mode, printed as a table.

Times ``SiameseTracker.track`` (crops, backbone + neck on one batch, fusion, heads, decoding) on
a synthetic 640x480 RGB-T sequence after a warm-up, on CPU and, when available, on CUDA. ``tiny``
runs its shipped weights; ``r50`` and ``mobilev2`` run random weights of the same shapes (no
model-zoo file here), and their state is put back to the initial box after every frame so that
random predictions cannot shrink or grow the crops (every frame does the work of a frame at the
initial scale). ``fused`` uses the parameter-free l1-norm feature fusion, ``fused-rfn`` (``tiny``
only) the shipped RFN. Roofline columns: GFLOP per frame (``torch.utils.flop_counter`` over one
``track`` call: convolutions and matrix products), GFLOP/s and its percentage of the fp32 peak
measured before the rows (``bench_peak.py``; printed again after them with the load average,
because the machine may be shared); int8 rows count the same FLOPs as fp32 (the quantized kernels
are not counted by the flop counter, so they show the fp32 work done per second). Per-part
milliseconds: see :func:`measure`.

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
import time

import numpy as np
import torch

from rgbt_track.feature_fusion.l1 import L1NormFeatureFusion
from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from trackers.config import get_arch
from trackers.model import build_model
from trackers.config import PRECISIONS
from trackers.tracker import SiameseTracker

from bench_peak import count_flops, measure_peak

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


def build(arch: str, mode: str, device: str, path: str, precision: str) -> SiameseTracker:
    """The tracker for one row: shipped weights for ``tiny``, random (seed 0) for the others."""
    torch.manual_seed(0)
    if arch == "tiny" and path == "package":
        fusion = "rfn" if mode == "fused-rfn" else "l1"
        return build_tracker(TrackerSpec(arch=arch, mode=mode.removesuffix("-rfn"), fusion=fusion, device=device,
                                         precision=precision))
    spec = get_arch(arch)
    model = build_model(arch).eval()
    fusion = L1NormFeatureFusion() if mode == "fused" else None
    tracker = SiameseTracker(model, spec.hyperparams, spec.anchors, mode=mode, fusion=fusion, device=device,
                             precision=precision)
    if path == "pysot":
        tracker.model = model.to(device)
        tracker.channels_last = False
        model.head_kernels = lambda z_feats: z_feats  # pysot runs the heads' template side at every frame
        model.head_correlate = model.head
    return tracker


PARTS = ("crop", "to-tensor", "backbone+neck", "fusion", "head", "post")


def _timed(fn, name: str, totals: dict[str, float]):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        totals[name] = totals.get(name, 0.0) + time.perf_counter() - start
        return out
    return wrapper


def measure(arch: str, mode: str, device: str, path: str, precision: str, frames: int,
            warmup: int) -> tuple[float, dict[str, float], float]:
    """(mean seconds per ``track`` call over ``frames`` frames after ``warmup``, mean seconds per part, GFLOP per frame).

    Parts (:data:`PARTS`): the search crops, the crops to a tensor batch, backbone + neck, feature
    fusion, the RPN head, and the rest of ``track`` (softmax, copies to numpy, box decoding). CPU
    parts are timed by wrapping the tracker's own methods, so ``track`` runs unchanged.
    """
    tracker = build(arch, mode, device, path, precision)
    shipped = arch == "tiny" and path == "package"
    sequence = synthetic_frames(warmup + frames + 1)
    tracker.init(sequence[0], (200, 200, 60, 40))
    initial = tracker.center.copy(), tracker.size.copy()
    counted = tracker if precision != "int8" else build(arch, mode, device, path, "fp32")  # quantized ops are not counted
    if counted is not tracker:
        counted.init(sequence[0], (200, 200, 60, 40))
    gflop = count_flops(lambda: counted.track(sequence[1])) / 1e9
    tracker.center, tracker.size = initial[0].copy(), initial[1].copy()
    parts: dict[str, float] = {}
    tracker._search_crops = _timed(tracker._search_crops, "crop", parts)
    tracker._features = _timed(tracker._features, "features", parts)
    tracker.model.features = _timed(tracker.model.features, "backbone+neck", parts)
    tracker.model.head_correlate = _timed(tracker.model.head_correlate, "head", parts)
    if tracker.fusion is not None:
        tracker.fusion = _timed(tracker.fusion, "fusion", parts)

    def step(frame) -> None:
        tracker.track(frame)
        if not shipped:
            tracker.center, tracker.size = initial[0].copy(), initial[1].copy()

    for frame in sequence[1:warmup + 1]:
        step(frame)
    if device == "cuda":
        torch.cuda.synchronize()
    parts.clear()
    start = time.perf_counter()
    for frame in sequence[warmup + 1:]:
        step(frame)
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = (time.perf_counter() - start) / frames
    parts = {k: v / frames for k, v in parts.items()}
    parts["to-tensor"] = parts.pop("features") - parts["backbone+neck"] - parts.get("fusion", 0.0)
    parts["post"] = seconds - parts["crop"] - parts["to-tensor"] - parts["backbone+neck"] - parts.get("fusion", 0.0) - parts["head"]
    return seconds, parts, gflop


def runnable(device: str, arch: str, mode: str, path: str, precision: str) -> bool:
    """Whether the row exists: the shipped RFN is tiny's, fp16 needs CUDA, int8 a CPU."""
    if mode == "fused-rfn" and (arch != "tiny" or path != "package"):
        return False
    return {"fp16": device == "cuda", "int8": device == "cpu"}.get(precision, True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=["tiny", "mobilev2", "r50"])
    parser.add_argument("--modes", nargs="+", default=["rgb", "ir", "fused", "fused-rfn"],
                        help="fused-rfn: tiny with the shipped RFN (skipped for other archs)")
    parser.add_argument("--paths", nargs="+", default=["package"], choices=["package", "pysot"],
                        help="pysot: the model as pysot runs it (BatchNorm separate, NCHW); not for fused-rfn")
    parser.add_argument("--precisions", nargs="+", default=["fp32"], choices=list(PRECISIONS),
                        help="package path only (pysot runs fp32); fp16 on CUDA only, int8 on CPU only "
                             "(calibrated at init, outside the timing)")
    parser.add_argument("--devices", nargs="+", default=None, help="default: cpu, plus cuda when available")
    parser.add_argument("--frames", type=int, default=None, help="timed frames (default per arch: tiny 100, mobilev2 20, r50 6)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = args.devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, {torch.get_num_threads()} threads, "
          f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    peak = measure_peak(torch.get_num_threads())
    print(peak.line())
    print("\n| device | arch | mode | path | dtype | frames | ms / frame | frames / s | GFLOP / frame | GFLOP/s | "
          "% of peak | " + " | ".join(f"{p} ms" for p in PARTS) + " |")
    print("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|" + "---:|" * len(PARTS))
    rows = [(device, arch, mode, path, precision) for device in devices for arch in args.archs for mode in args.modes
            for path in args.paths for precision in (args.precisions if path == "package" else ["fp32"])]
    for device, arch, mode, path, precision in rows:
        if not runnable(device, arch, mode, path, precision):
            continue
        count = args.frames or DEFAULT_FRAMES[arch]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # random weights
            seconds, parts, gflop = measure(arch, mode, device, path, precision, count, args.warmup)
        print(f"| {device} | {arch} | {mode} | {path} | {precision} | {count} | {seconds * 1000:.1f} | {1 / seconds:.2f} | "
              f"{gflop:.2f} | {gflop / seconds:.0f} | {100 * gflop / seconds / peak.best:.0f} | "
              + " | ".join(f"{1000 * parts[p]:.2f}" if p in parts else "-" for p in PARTS) + " |", flush=True)
    print(f"after the rows: {measure_peak(torch.get_num_threads()).line()}")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
