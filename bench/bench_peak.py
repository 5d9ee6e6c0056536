"""The machine's measured fp32 peak, and FLOP counting: the roofline columns of the other benches.

``measure_peak(threads)`` times one large oneDNN convolution (3x3, 256 -> 256 channels on a
112x112 map, NCHW, 14.8 GFLOP) and one large matrix product (2048^3, 17.2 GFLOP) at ``threads``
torch threads and returns the best and the median GFLOP/s of ``repeats`` runs each: the best is
the peak a kernel can reach on this machine at that thread count (on a shared machine the median
shows what the other load left). ``count_flops(fn)`` counts the FLOPs of one call with
``torch.utils.flop_counter`` (2 per multiply-add of convolutions and matrix products; element-wise
work is not counted). The other benches import both (``bench/`` is on ``sys.path`` when they run).

    .venv/bin/python bench/bench_peak.py --threads 2 [--repeats 7]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Peak:
    """Measured GFLOP/s: best and median of the repeats, per kernel."""

    threads: int
    conv_best: float
    conv_median: float
    matmul_best: float
    matmul_median: float

    @property
    def best(self) -> float:
        """The machine's fp32 peak at this thread count: the faster of the two kernels' best runs."""
        return max(self.conv_best, self.matmul_best)

    def line(self) -> str:
        return (f"measured fp32 peak at {self.threads} threads: oneDNN conv 3x3 256->256 best {self.conv_best:.0f} "
                f"(median {self.conv_median:.0f}) GFLOP/s, matmul 2048^3 best {self.matmul_best:.0f} "
                f"(median {self.matmul_median:.0f}) GFLOP/s; load average {os.getloadavg()[0]:.2f}")


def _rates(fn: Callable[[], object], flops: float, repeats: int) -> list[float]:
    fn()  # warm-up: oneDNN primitive creation, thread pool start
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        rates.append(flops / (time.perf_counter() - start) / 1e9)
    return rates


def measure_peak(threads: int, repeats: int = 5) -> Peak:
    """Best and median GFLOP/s of one large conv and one large matmul at ``threads`` torch threads."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        gen = torch.Generator().manual_seed(0)
        x = torch.rand(1, 256, 112, 112, generator=gen)
        w = torch.rand(256, 256, 3, 3, generator=gen) * 0.01
        a, b = torch.rand(2048, 2048, generator=gen), torch.rand(2048, 2048, generator=gen)
        with torch.inference_mode():
            conv = _rates(lambda: F.conv2d(x, w, padding=1), 2 * 256 * 256 * 9 * 112 * 112, repeats)
            mm = _rates(lambda: torch.mm(a, b), 2 * 2048**3, repeats)
    finally:
        torch.set_num_threads(previous)
    return Peak(threads, max(conv), statistics.median(conv), max(mm), statistics.median(mm))


def count_flops(fn: Callable[[], object]) -> int:
    """FLOPs of one ``fn()`` call (convolutions and matrix products, 2 per multiply-add)."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())


def roofline(gflop: float, seconds: float, peak: Peak) -> tuple[float, float]:
    """(achieved GFLOP/s, percent of ``peak.best``) for ``gflop`` of work done in ``seconds``."""
    rate = gflop / seconds
    return rate, 100 * rate / peak.best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per kernel (default 7)")
    args = parser.parse_args()
    print(measure_peak(args.threads, args.repeats).line())


if __name__ == "__main__":
    main()
