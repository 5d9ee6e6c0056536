"""Seconds per fusion metric over the 21 TNO pairs (official RFN-Nest outputs as the fused images).

Prints a Markdown table: for each metric the total seconds over all pairs and the mean per pair,
then the total. One-off costs (imports, filter tables) are paid before timing and shown apart.

    python bench/bench_metrics.py [--data ../shared/data] [--metrics En SD ...] [--repeat 1]
"""
from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import torch

from rgbt_runtime.image_files import pair_images
from fusion.metrics.evaluate import find_fused, read_gray
from fusion.metrics.registry import get_metrics

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(os.environ.get("RGBT_SHARED_DATA", REPO.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data, help="shared data folder (holds tno21/)")
    parser.add_argument("--metrics", nargs="+", help="metric names (default: all 12 table metrics)")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes; the fastest is reported")
    args = parser.parse_args()

    root = args.data / "tno21"
    pairs = pair_images(root / "ir", root / "vis")
    triples = [(read_gray(p.ir), read_gray(p.vis), read_gray(find_fused(root / "rfnnest_official", p.name)))
               for p in pairs]
    pixels = sum(t[0].size for t in triples)
    metrics = get_metrics(args.metrics)

    start = time.perf_counter()
    small = triples[0][0][:96, :96]
    for metric in metrics:  # warm-up: lazy imports (pyrtools for VIF), cached filters
        metric.fn(small, small, small)
    warmup = time.perf_counter() - start

    print(f"{len(triples)} pairs, {pixels / 1e6:.2f} Mpixel per image set; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}; one-off warm-up {warmup:.2f} s")
    print("| metric | total s (21 pairs) | ms / pair |")
    print("|---|---:|---:|")
    total = 0.0
    for metric in metrics:
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            for ir, vis, fused in triples:
                metric.fn(ir, vis, fused)
            best = min(best, time.perf_counter() - start)
        total += best
        print(f"| {metric.name} | {best:.2f} | {1000 * best / len(triples):.0f} |")
    print(f"| **all** | **{total:.2f}** | **{1000 * total / len(triples):.0f}** |")


if __name__ == "__main__":
    main()
