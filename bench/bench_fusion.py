"""RFN-Nest fusion throughput (Mpx/s) with roofline columns, precision effects and memory, reference vs package path.

Networks: ``paper`` (channels 64/112/160/208, random weights seeded 0: speed and memory do not
depend on the weights) and ``default`` (the embedded checkpoint ``fusion/weights/``). Paths:
``reference`` - the way the reference code runs: the modules in eval mode under ``no_grad``, fp32,
NCHW, the encoder called once per image; ``package`` - exactly what ``rfn-nest fuse`` runs
for one pair (``fusion.inference.fuse_arrays``, with glibc keeping freed memory,
``rgbt_runtime.allocator.keep_freed_memory``); ``package-low-memory`` - the same with the C
library's default allocation (``--low-memory``); ``package-workers`` (CPU) - the pairs as
``rfn-nest fuse --ir-dir ...`` runs a folder: several pairs at once in worker processes, planned
by ``fusion.inference.plan_fuse_workers`` (the row says how many workers and threads).

Every measurement runs in a fresh subprocess (its own thread pools and peak RSS). Throughput is
total pixels / total seconds over the TNO pairs at full size, after an untimed 64x64 warm-up; the
fp32 paths run interleaved (reference, package, low-memory, reference, ...) ``--repeat`` times and
each speed-up is the median (range) of the ratios within one repeat, so that a shared machine's
load hits both sides alike. Roofline: direct-convolution GFLOP per Mpx (``torch.utils.flop_counter``),
GFLOP/s at the median rate and its percentage of the peak measured in the same run
(``bench/bench_peak.py``). Max abs differences are over all pairs, on the raw network output and on
the saved 0..255 image; PSNR of the low-precision image against fp32's. ``bf16``/``fp16``/``int8``
(``--dtypes``) use ``--precision-pairs`` pairs, on CPU as ``--precision-crop`` centre crops
(``--precision-crop 0``: the full images). ``int8`` is what ``fuse --dtype int8`` runs, each pair
calibrated on itself (``fusion.int8``); its row times the int8 fusion alone, the ``int8 +
calibration`` row the two together (same outputs). Memory: peak RSS for one
pair, and the largest square within ``--budget-gib`` (fit ``peak = a + b * pixels`` over two sizes,
checked at the predicted size, then stepped by 4%).

    .venv/bin/python bench/bench_fusion.py --threads 2 [--pairs 21] [--repeat 3] [--parts throughput memory largest]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compare_outputs import max_diffs, psnr

REPO = Path(__file__).resolve().parents[1]
PACKAGE_PATHS = ("package", "package-low-memory")
FOLDER_PATH = "package-workers"  # fp32 throughput only: the folder as rfn-nest fuse --ir-dir ... runs it
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


def _pool_start(spec: dict) -> None:
    """A folder worker: the network, the kept heap and a warm-up, as in :func:`worker`."""
    import torch

    from fusion.inference import fuse_arrays
    from rgbt_runtime.allocator import keep_freed_memory

    global _POOL_MODEL
    keep_freed_memory()
    _POOL_MODEL = _load_network(spec["network"], torch.device("cpu"))
    ir, vi = _images({**spec, "pairs": spec["pairs"][:1]})[0][1:]
    fuse_arrays(_POOL_MODEL, ir[:64, :64].copy(), vi[:64, :64].copy(), "rfn", "fp32")


def _pool_ready(seconds: float) -> None:
    time.sleep(seconds)  # one per worker, long enough that each worker takes one after its start


def _pool_fuse(job: tuple) -> tuple:
    from fusion.inference import fuse_arrays

    name, ir, vi = job
    return name, fuse_arrays(_POOL_MODEL, ir, vi, "rfn", "fp32", 0)


def folder_worker(spec: dict) -> dict:
    """``package-workers``: all pairs through :class:`rgbt_runtime.worker_pool.WorkerPool` as ``rfn-nest fuse`` plans it.

    Seconds = wall time from the first pair handed out to the last one back (workers started,
    loaded and warmed up before, like the single-process paths' warm-up); largest pair first.
    """
    import numpy as np
    import torch

    from fusion.inference import plan_fuse_workers
    from rgbt_runtime.worker_pool import WorkerPool

    torch.set_num_threads(spec["threads"])
    images = sorted(_images(spec), key=lambda item: -item[1].size)
    plan = plan_fuse_workers(_load_network(spec["network"], torch.device("cpu")), [ir.shape for _, ir, _ in images])
    with WorkerPool(plan, _pool_start, (spec,)) as pool:
        list(pool.imap(_pool_ready, [2.0] * plan.workers))
        start = time.perf_counter()
        outputs = list(pool.imap(_pool_fuse, images))
        seconds = time.perf_counter() - start
    if spec.get("save"):
        for name, out in outputs:
            np.save(Path(spec["save"]) / f"{name}.npy", out)
    return {"seconds": seconds, "pixels": sum(ir.size for _, ir, _ in images), "workers": plan.workers,
            "threads": plan.threads}


def worker(spec: dict) -> dict:
    """Run one measurement described by ``spec``; returns seconds, pixels and peak memory."""
    import numpy as np
    import torch

    from fusion.inference import fuse_arrays, resolve_device

    if spec["path"] == FOLDER_PATH:
        return folder_worker(spec)
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
    elif spec["dtype"] == "int8":  # what ``fuse --dtype int8`` runs: each pair calibrated on itself, timed apart
        from fusion.inference import calibrate_int8

        def fuse(ir, vi):
            start = time.perf_counter()
            net = calibrate_int8(model, ir, vi)
            calibration.append(time.perf_counter() - start)
            return fuse_arrays(net, ir, vi, "rfn", "int8")
    else:
        fuse = lambda ir, vi: fuse_arrays(model, ir, vi, "rfn", spec["dtype"])  # noqa: E731
    calibration: list[float] = []
    if spec.get("warmup", True):  # lazy initialisation (thread pools, NNPACK, kernels) on a small crop
        fuse(images[0][1][:64, :64].copy(), images[0][2][:64, :64].copy())
        calibration.clear()
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
    result = {"seconds": seconds, "calibration_seconds": sum(calibration),
              "pixels": sum(ir.size for _, ir, _ in images), "baseline_mib": baseline,
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


def gflop_per_mpx(net: str) -> float:
    """Direct-convolution GFLOP per Mpx of one fusion (two encoders, RFN, decoder): ``fusion.inference.gflop_per_mpx``."""
    import torch

    from fusion.inference import gflop_per_mpx as count

    return count(_load_network(net, torch.device("cpu")))


def _peak(threads: int):
    from bench_peak import Peak

    return Peak(**run_worker({"peak": threads}, threads))


def _spread(values: list[float], fmt: str) -> str:
    med = statistics.median(values)
    return format(med, fmt) if len(values) == 1 else f"{med:{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def throughput(args, device: str, names: list[str], tmp: Path) -> None:
    """fp32 rows: reference and package paths interleaved (ABAB...) ``--repeat`` times; then the low-precision rows."""
    peaks = [_peak(args.threads)]
    print(peaks[0].line())
    print("\n| network | path | dtype | images | GFLOP / Mpx | Mpx/s median (range) | GFLOP/s | % of peak | "
          "speed-up, same repeat | max abs diff raw | max abs diff 0..255 | PSNR dB vs fp32 |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    crop = args.precision_crop if device == "cpu" else 0
    low = [d for d in args.dtypes if {"fp16": device == "cuda", "int8": device == "cpu"}.get(d, True)]
    low = [row for d in low for row in ((d, "int8 + calibration") if d == "int8" else (d,))]
    for net in args.networks:
        base = {"network": net, "device": device, "threads": args.threads, "data": str(args.data)}
        flops = gflop_per_mpx(net)
        rates: dict[tuple, list[float]] = {}
        fp32_paths = (*PACKAGE_PATHS, FOLDER_PATH) if device == "cpu" else PACKAGE_PATHS
        for rep in range(args.repeat):
            for path in ("reference", *fp32_paths):
                save = tmp / f"{net}-{path}-fp32-0-{rep}"
                save.mkdir()
                _log(f"{net} {path} fp32, repeat {rep + 1} of {args.repeat} ...")
                r = run_worker({**base, "path": path, "dtype": "fp32", "pairs": names, "save": str(save) if rep == 0 else None}, args.threads)
                rates.setdefault((path, "fp32", 0), []).append(r["pixels"] / 1e6 / r["seconds"])
                if "workers" in r:
                    folder_plan = f"{r['workers']} workers x {r['threads']} threads"
        runs = [("reference", "fp32", names, 0, None)] + [(p, "fp32", names, 0, "reference") for p in fp32_paths]
        low_size = crop or (-1 if args.precision_pairs < len(names) else 0)  # -1: full size, fewer pairs
        if low_size:  # the low-precision rows' fp32 twin on the same images
            runs.append(("package", "fp32", names[:args.precision_pairs], low_size, None))
        runs += [("package", d, names[:args.precision_pairs], low_size, "package fp32") for d in low]
        for path, dtype, pairs, size, against in runs:
            key = (path, dtype, size)
            if key not in rates:  # one int8 run gives both int8 rows: fusion alone, and with its calibration
                save = tmp / f"{net}-{path}-{dtype.split()[0]}-{size}-0"
                save.mkdir()
                r = run_worker({**base, "path": path, "dtype": dtype.split()[0], "pairs": pairs, "crop": max(size, 0),
                                "save": str(save)}, args.threads)
                rates[key] = [r["pixels"] / 1e6 / (r["seconds"] - r["calibration_seconds"])]
                if dtype == "int8":
                    rates[(path, "int8 + calibration", size)] = [r["pixels"] / 1e6 / r["seconds"]]
            mine = rates[key]
            if against is None:
                speedup, diffs = "1.00x", "- | - | -"
            else:
                other = rates[("reference", "fp32", 0)] if against == "reference" else rates[("package", "fp32", size)]
                speedup = _spread([a / b for a, b in zip(mine, other)], ".2f") + f"x vs {against}"
                ref_dir = tmp / (f"{net}-reference-fp32-0-0" if against == "reference" else f"{net}-package-fp32-{size}-0")
                mine_dir = tmp / f"{net}-{path}-{dtype.split()[0]}-{size}-0"
                raw, scaled = max_diffs(ref_dir, mine_dir)
                diffs = f"{raw:.2e} | {scaled:.3g} | " + (f"{psnr(ref_dir, mine_dir):.1f}" if dtype != "fp32" else "-")
            what = f"{len(pairs)} pairs" + (f", {size}x{size} centre crops" if size > 0 else ", full size") + f", {len(mine)} runs"
            if path == FOLDER_PATH:
                what += f", {folder_plan}"
            rate = statistics.median(mine)
            print(f"| {net} | {path} | {dtype} | {what} | {flops:.0f} | {_spread(mine, '.4f')} | {rate * flops:.0f} | "
                  f"{100 * rate * flops / peaks[0].best:.0f} | {speedup} | {diffs} |", flush=True)
    peaks.append(_peak(args.threads))
    print(f"\nafter the rows: {peaks[1].line()}")
    print("(GFLOP/s = direct-convolution GFLOP per Mpx x the median Mpx/s; % of the peak measured before the rows. "
          "Winograd convolutions do fewer multiplications than counted, so a path can pass 100 %.)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(os.environ.get("RGBT_SHARED_DATA", REPO.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data, help="shared data folder (holds tno21/)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads per measurement (default 2)")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto (default: CUDA when available)")
    parser.add_argument("--pairs", type=int, default=21, help="TNO pairs for throughput (default all 21)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="fp32 throughput: reference and package runs interleaved this many times (default 3)")
    parser.add_argument("--precision-pairs", type=int, default=2, help="pairs for the bf16/fp16/int8 rows (default 2)")
    parser.add_argument("--precision-crop", type=int, default=128,
                        help="on CPU the bf16/int8 rows use centre crops of this size (default 128; 0: the full images)")
    parser.add_argument("--dtypes", nargs="*", default=["bf16", "fp16", "int8"], choices=["bf16", "fp16", "int8"],
                        help="low-precision rows beside fp32 (default all; fp16 on CUDA only, int8 on CPU only)")
    parser.add_argument("--networks", nargs="+", default=["paper", "default"], choices=["paper", "default"])
    parser.add_argument("--memory-pair", default="IR10", help="pair for the peak-memory rows (default IR10, 768x576)")
    parser.add_argument("--budget-gib", type=float, default=4.0, help="memory budget for the largest square (GiB)")
    parser.add_argument("--parts", nargs="+", default=list(PARTS), choices=PARTS,
                        help="what to measure (default: all three)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        if "peak" in spec:
            from bench_peak import measure_peak
            print(json.dumps(measure_peak(spec["peak"]).__dict__))
        else:
            print(json.dumps(worker(spec)))
        return

    import torch

    from fusion.inference import resolve_device
    from rgbt_runtime.image_files import pair_images

    device = resolve_device(args.device).type
    root = args.data / "tno21"
    names = [p.name for p in pair_images(root / "ir", root / "vis")][:args.pairs]
    tmp = Path(tempfile.mkdtemp(prefix="bench_fusion_"))
    cpu = platform.processor() or platform.machine()
    print(f"{cpu}, {os.cpu_count()} CPUs, device {device}, {args.threads} threads, torch {torch.__version__}, "
          f"{len(names)} TNO pairs at full size")

    if "throughput" in args.parts:
        throughput(args, device, names, tmp)

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
