"""Where the package's fusion time goes: every layer of ``FastRFNNest`` timed on one pair, with its FLOPs.

Wraps :mod:`fusion.fast_forward`'s three primitives (3x3 conv on a padded buffer, 1x1 conv over
parts, padded concatenation) with timers, fuses one pair (after a 64x64 warm-up) ``--repeat``
times and prints per layer the median milliseconds, direct-convolution GFLOP, GFLOP/s and share of
the total, then the totals per kind and the time outside the three primitives (pooling, RFN
residual add, casts). Same network choice as ``bench_fusion.py`` (``paper``: random weights, or
``default``). The percentages use the peak measured in the same run (``bench_peak.py``).

    .venv/bin/python bench/profile_fusion.py --network paper --pair IR10 --threads 2 [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

import fusion.fast_forward as ff
from bench_peak import measure_peak
from fusion import fast_ops
from fusion.fast_forward import FastRFNNest

REPO = Path(__file__).resolve().parents[1]


def _timed(kind: str, fn, flops_of, log: list):
    def wrapper(*args):
        start = time.perf_counter()
        out = fn(*args)
        log.append((kind, tuple(out.shape), time.perf_counter() - start, flops_of(args, out)))
        return out
    return wrapper


def _conv3_flops(args, out) -> int:
    return 2 * args[1].numel() * out.shape[-1] * out.shape[-2] * out.shape[0]


def _conv1_flops(args, out) -> int:
    return 2 * sum(w.numel() for w in args[1]) * out.shape[-1] * out.shape[-2] * out.shape[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", choices=["paper", "default"], default="paper")
    parser.add_argument("--pair", default="IR10", help="TNO pair name (default IR10, 768x576)")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("RGBT_SHARED_DATA", REPO.parent / "shared" / "data")))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from bench_fusion import _images, _load_network
    from rgbt_runtime.allocator import keep_freed_memory

    keep_freed_memory()
    model = _load_network(args.network, torch.device("cpu"))
    _, ir, vi = _images({"data": str(args.data), "pairs": [args.pair]})[0]
    ir_t, vi_t = (torch.from_numpy(np.ascontiguousarray(a))[None, None] for a in (ir, vi))
    log: list = []
    ff.conv3x3_relu = _timed("conv3x3", fast_ops.conv3x3_relu, _conv3_flops, log)
    ff.conv1x1_relu = _timed("conv1x1", fast_ops.conv1x1_relu, _conv1_flops, log)
    ff.padded_cat = _timed("pad+cat", fast_ops.padded_cat, lambda a, o: 0, log)
    net = FastRFNNest(model)
    peak = measure_peak(args.threads)
    runs, totals = [], []
    with torch.inference_mode():
        net.fuse(ir_t[..., :64, :64], vi_t[..., :64, :64])
        for _ in range(args.repeat):
            log.clear()
            start = time.perf_counter()
            net.fuse(ir_t, vi_t)
            totals.append(time.perf_counter() - start)
            runs.append(list(log))
    total = statistics.median(totals)
    print(f"{args.network} network, {args.pair} ({ir.shape[1]}x{ir.shape[0]}), {args.threads} threads, "
          f"median of {args.repeat}: {total:.2f} s per fuse (range {min(totals):.2f}-{max(totals):.2f}); {peak.line()}")
    print("\n| # | layer | output shape | ms | GFLOP | GFLOP/s | % of peak | % of time |")
    print("|---:|---|---|---:|---:|---:|---:|---:|")
    kinds: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for i, rows in enumerate(zip(*runs)):
        kind, shape, _, flops = rows[0]
        sec = statistics.median(r[2] for r in rows)
        kinds[kind][0] += sec
        kinds[kind][1] += flops
        rate = flops / sec / 1e9
        print(f"| {i} | {kind} | {'x'.join(map(str, shape))} | {sec * 1000:.0f} | {flops / 1e9:.2f} | "
              f"{rate:.0f} | {100 * rate / peak.best:.0f} | {100 * sec / total:.1f} |")
    print("\n| kind | seconds | GFLOP | GFLOP/s | % of peak | % of time |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, (sec, flops) in kinds.items():
        rate = flops / sec / 1e9
        print(f"| {kind} | {sec:.2f} | {flops / 1e9:.1f} | {rate:.0f} | {100 * rate / peak.best:.0f} | {100 * sec / total:.1f} |")
    rest = total - sum(v[0] for v in kinds.values())
    print(f"| other (pooling, residual add, casts) | {rest:.2f} | - | - | - | {100 * rest / total:.1f} |")


if __name__ == "__main__":
    main()
