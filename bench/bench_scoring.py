"""Scoring speed: ``rgbt-track score lasher`` on the real LasHeR test set (245 sequences, four trackers).

Prints wall and CPU seconds of :func:`rgbt_track.scoring.score_lasher_results` (reading the 245
ground-truth files and 4 x 245 result files, repairing, scoring) after one warm-up call (which
loads the compiled box parser from numba's cache, or compiles it), and the same reading done by
the line-by-line reader for comparison. The load average is printed because the machine may be shared.

    python bench/bench_scoring.py [--shared ../shared/data] [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/data")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from rgbt_track.datasets.annotations import read_rows
    from rgbt_track.scoring import score_lasher_results

    root = args.shared / "rgbt/LasHeR"
    score_lasher_results(root / "annos", root / "tracking_results")
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    print("| what | wall s (best of runs) | CPU s |")
    print("|---|---:|---:|")
    best = min(_timed(lambda: score_lasher_results(root / "annos", root / "tracking_results"))
               for _ in range(args.repeats))
    print(f"| score lasher, 245 sequences x 4 trackers | {best[0]:.2f} | {best[1]:.2f} |")
    files = sorted(root.glob("annos/*.txt")) + sorted(root.glob("tracking_results/*/*.txt"))
    slow = _timed(lambda: [np.asarray(read_rows(p), dtype=np.float64) for p in files])
    print(f"| the same {len(files)} files read line by line (read_rows) | {slow[0]:.2f} | {slow[1]:.2f} |")


def _timed(work) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


if __name__ == "__main__":
    main()
