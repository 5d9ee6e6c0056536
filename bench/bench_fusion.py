"""RFN-Nest fusion throughput (Mpx/s), precision effects and memory, reference-style vs package path.

Networks: ``paper`` (channels 64/112/160/208, random weights seeded 0: speed and memory do not
depend on the weights) and ``default`` (the embedded checkpoint ``fusion/weights/``). Paths:

* ``reference`` - the way the reference code runs: the modules in eval mode under ``no_grad``,
  fp32, NCHW, the encoder called once per image, no other optimisation;
* ``package`` - exactly what ``rfn-nest fuse`` runs (``fusion.inference.fuse_arrays``, with
  glibc told to keep freed memory for reuse: ``rgbt_runtime.allocator.keep_freed_memory``);
* ``package-low-memory`` - the same with the C library's default allocation (``--low-memory``).

Every measurement runs in a fresh subprocess (its own thread pools and peak RSS). Throughput is
total pixels / total seconds over the 21 TNO pairs at full size, after an untimed 64x64 warm-up;
the max absolute difference between two paths is over all pairs, on the raw network output and
on the 0..255 min-max-scaled image that is saved. ``bf16``/``fp16`` use ``--precision-pairs``
pairs, on CPU as ``--precision-crop`` centre crops (bf16 is emulated on CPUs without
AVX512-BF16/AMX and is very slow there), compared with fp32 on the same crops. Memory: peak
RSS (and CUDA max allocated) for one 768x576 pair, and the largest square image whose peak stays
within ``--budget-gib``, from a fit ``peak = a + b * pixels`` over two sizes, checked by a run at
the predicted size, then stepped by 4% (down until it fits, up while it fits).

    .venv/bin/python bench/bench_fusion.py --threads 2 [--device cpu] [--pairs 21] [--parts throughput memory largest]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE_PATHS = ("package", "package-low-memory")
PARTS = ("throughput", "memory", "largest")


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- worker side

def _load_network(name: str, device):
    import torch

    from fusion.inference import load_model
    from fusion.model import RFNNest

    if name == "default":
        return load_model(device=device)
    torch.manual_seed(0)
    model = RFNNest().eval().requires_grad_(False)
    return model.to(device=device, memory_format=torch.channels_last if device.type == "cuda" else torch.contiguous_format)


def _reference_fuse(model, ir, vi, device):
    """Like the reference's test script: encoder per image, RFN, decoder; fp32, NCHW, ``no_grad``."""
    import torch

    with torch.no_grad():
        a = torch.from_numpy(ir)[None, None].to(device)
        b = torch.from_numpy(vi)[None, None].to(device)
        features = model.rfn(model.encoder(a), model.encoder(b))
        return model.decoder(features)[-1][0, 0].float().cpu().numpy()


def _images(spec: dict) -> list[tuple[str, object, object]]:
    import numpy as np

    from rgbt_runtime.image_files import pair_images
    from fusion.metrics.evaluate import read_gray

    if "square" in spec:
        rng = np.random.default_rng(0)
        s = spec["square"]
        return [(f"square{s}", *(rng.integers(0, 256, (s, s)).astype(np.float32) for _ in range(2)))]
    root = Path(spec["data"]) / "tno21"
    pairs = [p for p in pair_images(root / "ir", root / "vis") if p.name in spec["pairs"]]
    images = [(p.name, read_gray(p.ir).astype(np.float32), read_gray(p.vis).astype(np.float32)) for p in pairs]
    c = spec.get("crop", 0)
    if c:
        def centre(x):
            y, x0 = (x.shape[0] - c) // 2, (x.shape[1] - c) // 2
            return np.ascontiguousarray(x[y:y + c, x0:x0 + c])
        images = [(name, centre(ir), centre(vi)) for name, ir, vi in images]
    return images


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def worker(spec: dict) -> dict:
    """Run one measurement described by ``spec``; returns seconds, pixels and peak memory."""
    import numpy as np
    import torch

    from fusion.inference import fuse_arrays, resolve_device

    torch.set_num_threads(spec["threads"])
    device = resolve_device(spec["device"])
    model = _load_network(spec["network"], device)
    images = _images(spec)
    if spec["path"] == "package":
        from rgbt_runtime.allocator import keep_freed_memory
        keep_freed_memory()
    if spec["path"] == "reference":
        model = model.to(memory_format=torch.contiguous_format)
        fuse = lambda ir, vi: _reference_fuse(model, ir, vi, device)  # noqa: E731
    else:
        fuse = lambda ir, vi: fuse_arrays(model, ir, vi, "rfn", spec["dtype"])  # noqa: E731
    if spec.get("warmup", True):  # lazy initialisation (thread pools, NNPACK, kernels) on a small crop
        fuse(images[0][1][:64, :64].copy(), images[0][2][:64, :64].copy())
    baseline = _rss_mib()
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    seconds = 0.0
    for name, ir, vi in images:
        start = time.perf_counter()
        out = fuse(ir, vi)
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds += time.perf_counter() - start
        if spec.get("save"):
            np.save(Path(spec["save"]) / f"{name}.npy", out)
    result = {"seconds": seconds, "pixels": sum(ir.size for _, ir, _ in images), "baseline_mib": baseline,
              "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if device.type == "cuda":
        result["cuda_max_mib"] = torch.cuda.max_memory_allocated() / 2**20
    return result


# ----------------------------------------------------------------------------- parent side

def run_worker(spec: dict, threads: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {spec} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def max_diffs(dir_a: Path, dir_b: Path) -> tuple[float, float]:
    """(max |a - b| on raw outputs, max |a - b| after the 0..255 min-max scaling) over all saved pairs."""
    import numpy as np

    raw = scaled = 0.0
    for file in dir_a.glob("*.npy"):
        a, b = np.load(file).astype(np.float64), np.load(dir_b / file.name).astype(np.float64)
        raw = max(raw, float(np.abs(a - b).max()))
        sa = 255 * (a - a.min()) / (a.max() - a.min() + 1e-5)
        sb = 255 * (b - b.min()) / (b.max() - b.min() + 1e-5)
        scaled = max(scaled, float(np.abs(sa - sb).max()))
    return raw, scaled


def largest_square(base: dict, threads: int, budget_mib: float, sizes: tuple[int, int]) -> tuple[int, float, float, float]:
    """(side, its peak MiB, fit intercept MiB, fit MiB per Mpx) for the largest square within ``budget_mib``."""
    key = "cuda_max_mib" if base["device"].startswith("cuda") else "peak_rss_mib"
    peaks = [run_worker({**base, "square": s, "warmup": False}, threads)[key] for s in sizes]
    px = [s * s / 1e6 for s in sizes]
    slope = (peaks[1] - peaks[0]) / (px[1] - px[0])
    intercept = peaks[0] - slope * px[0]
    side = int(((budget_mib - intercept) / slope * 1e6) ** 0.5) // 16 * 16

    def peak_at(side: int) -> float:
        peak = run_worker({**base, "square": side, "warmup": False}, threads)[key]
        _log(f"  {base['network']} {base['path']}: {side}x{side} -> {peak:.0f} MiB")
        return peak

    peak = peak_at(side)
    while peak > budget_mib:  # the fit over-estimated: step down until it fits
        side = int(side * 0.96) // 16 * 16
        peak = peak_at(side)
    while True:  # the peak need not be linear in the pixels (a kept heap fragments): step up while it fits
        bigger = (int(side * 1.04) // 16 + 1) * 16
        bigger_peak = peak_at(bigger)
        if bigger_peak > budget_mib:
            return side, peak, intercept, slope
        side, peak = bigger, bigger_peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(os.environ.get("RGBT_SHARED_DATA", REPO.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data, help="shared data folder (holds tno21/)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads per measurement (default 2)")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto (default: CUDA when available)")
    parser.add_argument("--pairs", type=int, default=21, help="TNO pairs for throughput (default all 21)")
    parser.add_argument("--precision-pairs", type=int, default=2, help="pairs for the bf16/fp16 rows (default 2)")
    parser.add_argument("--precision-crop", type=int, default=128,
                        help="on CPU the bf16 rows use centre crops of this size (default 128; 0: full images)")
    parser.add_argument("--networks", nargs="+", default=["paper", "default"], choices=["paper", "default"])
    parser.add_argument("--memory-pair", default="IR10", help="pair for the peak-memory rows (default IR10, 768x576)")
    parser.add_argument("--budget-gib", type=float, default=4.0, help="memory budget for the largest square (GiB)")
    parser.add_argument("--parts", nargs="+", default=list(PARTS), choices=PARTS,
                        help="what to measure (default: all three)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return

    import torch

    from fusion.inference import resolve_device
    from rgbt_runtime.image_files import pair_images

    device = resolve_device(args.device).type
    root = args.data / "tno21"
    names = [p.name for p in pair_images(root / "ir", root / "vis")][:args.pairs]
    low = ["bf16"] + (["fp16"] if device == "cuda" else [])
    tmp = Path(tempfile.mkdtemp(prefix="bench_fusion_"))
    cpu = platform.processor() or platform.machine()
    print(f"{cpu}, {os.cpu_count()} CPUs, device {device}, {args.threads} threads, torch {torch.__version__}, "
          f"{len(names)} TNO pairs at full size")

    if "throughput" in args.parts:
        print("\n| network | path | dtype | images | Mpx | seconds | Mpx/s | speed-up | max abs diff raw | max abs diff 0..255 |")
        print("|---|---|---|---|---:|---:|---:|---:|---:|---:|")
        crop = args.precision_crop if device == "cpu" else 0
        for net in args.networks:
            base = {"network": net, "device": device, "threads": args.threads, "data": str(args.data)}
            plan = [("reference", "fp32", names, 0, None), ("package", "fp32", names, 0, ("reference", "fp32", 0)),
                    ("package-low-memory", "fp32", names, 0, ("reference", "fp32", 0))]
            if crop:  # bf16 is emulated (very slow) on CPUs without AVX512-BF16 / AMX: compare on centre crops
                plan.append(("package", "fp32", names[:args.precision_pairs], crop, None))
            plan += [("package", d, names[:args.precision_pairs], crop, ("package", "fp32", crop)) for d in low]
            runs = {}
            for path, dtype, pairs, size, against in plan:
                save = tmp / f"{net}-{path}-{dtype}-{size}"
                save.mkdir()
                _log(f"{net} {path} {dtype} on {len(pairs)} pairs (crop {size}) ...")
                runs[path, dtype, size] = r = run_worker({**base, "path": path, "dtype": dtype, "pairs": pairs,
                                                          "crop": size, "save": str(save)}, args.threads)
                mpxs = r["pixels"] / 1e6 / r["seconds"]
                if against is None:
                    speedup, diffs = "1.00x", "- | -"
                else:
                    other = runs[against]
                    speedup = f"{mpxs / (other['pixels'] / 1e6 / other['seconds']):.2f}x vs {against[0]} {against[1]}"
                    raw, scaled = max_diffs(save, tmp / f"{net}-{'-'.join(map(str, against))}") if against[2] == size else (None, None)
                    diffs = "- | -" if raw is None else f"{raw:.2e} | {scaled:.3g}"
                what = f"{len(pairs)} pairs" + (f", {size}x{size} centre crops" if size else ", full size")
                print(f"| {net} | {path} | {dtype} | {what} | {r['pixels'] / 1e6:.2f} | {r['seconds']:.1f} | {mpxs:.4f} | "
                      f"{speedup} | {diffs} |", flush=True)

    if "memory" in args.parts:
        print(f"\nPeak memory for one pair ({args.memory_pair}), one fresh process each; baseline = RSS after "
              "loading torch, the model and the images")
        print("\n| network | path | peak RSS MiB | baseline MiB | peak - baseline MiB |" + (" CUDA max allocated MiB |" if device == "cuda" else ""))
        print("|---|---|---:|---:|---:|" + ("---:|" if device == "cuda" else ""))
        for net in args.networks:
            for path in ("reference", *PACKAGE_PATHS):
                r = run_worker({"network": net, "device": device, "threads": args.threads, "data": str(args.data),
                                "path": path, "dtype": "fp32", "pairs": [args.memory_pair], "warmup": False}, args.threads)
                cuda = f" {r['cuda_max_mib']:.0f} |" if device == "cuda" else ""
                print(f"| {net} | {path} | {r['peak_rss_mib']:.0f} | {r['baseline_mib']:.0f} | "
                      f"{r['peak_rss_mib'] - r['baseline_mib']:.0f} |{cuda}", flush=True)

    if "largest" in args.parts:
        budget = args.budget_gib * 1024
        what = "CUDA max allocated" if device == "cuda" else "peak RSS (whole process)"
        print(f"\nLargest square image whose {what} stays within {args.budget_gib:g} GiB (fp32)")
        print("\n| network | path | largest square | its peak MiB | fit: MiB = a + b * Mpx |")
        print("|---|---|---:|---:|---|")
        for net in args.networks:
            for path in PACKAGE_PATHS:
                sizes = (256, 768) if net == "paper" else (512, 1536)
                base = {"network": net, "device": device, "threads": args.threads, "data": str(args.data),
                        "path": path, "dtype": "fp32"}
                side, peak, a, b = largest_square(base, args.threads, budget, sizes)
                print(f"| {net} | {path} | {side}x{side} ({side * side / 1e6:.2f} Mpx) | {peak:.0f} | "
                      f"{a:.0f} + {b:.0f} * Mpx |", flush=True)


if __name__ == "__main__":
    main()
