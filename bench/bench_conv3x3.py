"""How fast can an exact fp32 3x3 convolution of the fusion network be here? Three ways per layer shape, as a table.

For the paper network's full-resolution 3x3 convolutions (RFN level 1 and the decoder's
``db1_1``/``db1_2``/``db1_3`` on a 768x576 map; ``--height``/``--width`` to change), in milliseconds
(best of ``--repeat``) and "effective" GFLOP/s (direct-convolution FLOPs / time):

* ``oneDNN direct`` - ``F.conv2d`` on the padded input (what the reference path runs);
* ``NNPACK F(6x6,3x3)`` - ``torch._nnpack_spatial_convolution``, the package's kernel
  (:func:`fusion.fast_ops.conv3x3_relu`): transforms included;
* ``Winograd GEMM stage only`` - the 64 matrix products ``(Cout x Cin) @ (Cin x tiles)`` of an
  F(6x6,3x3) Winograd convolution, one ``torch.mm`` per frequency (faster here than one
  ``torch.bmm``): a lower bound for any Winograd convolution built from the library's matrix
  product, before its input, kernel and output transforms.

The peak (``bench_peak.py``: one large oneDNN convolution and matrix product) is measured first,
at the same thread count.

When the GEMM stage alone is not clearly faster than NNPACK's whole convolution, a Winograd
convolution assembled from PyTorch operations cannot beat NNPACK.

    .venv/bin/python bench/bench_conv3x3.py --threads 2 [--repeat 3]
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from bench_peak import measure_peak

LAYERS = (  # (name, Cin, Cout) of the paper network's full-resolution 3x3 convolutions
    ("rfn1 conv_fusion", 128, 64),
    ("rfn1 conv_ir / conv_vi / bottleneck", 64, 64),
    ("db1_1", 176, 88),
    ("db1_2", 240, 120),
    ("db1_3", 304, 152),
)


def best_seconds(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per kernel, the best kept (default 3)")
    parser.add_argument("--height", type=int, default=576, help="map height (default 576, the TNO pair IR10)")
    parser.add_argument("--width", type=int, default=768, help="map width (default 768)")
    args = parser.parse_args()
    if min(args.threads, args.repeat, args.height, args.width) < 1:
        parser.error("--threads, --repeat, --height and --width must be positive")
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    if not torch._nnpack_available():
        raise SystemExit("this PyTorch build has no usable NNPACK")
    print(measure_peak(args.threads).line())
    h, w = args.height, args.width
    tiles = -(-h // 6) * -(-w // 6)
    print(f"{h}x{w} maps, {args.threads} threads, best of {args.repeat}; ms (effective GFLOP/s)\n")
    print("| layer | Cin -> Cout | GFLOP | oneDNN direct | NNPACK F(6x6,3x3) | Winograd GEMM stage only | GEMM stage / NNPACK |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, cin, cout in LAYERS:
        x = torch.randn(1, cin, h + 2, w + 2)
        weight, bias = torch.randn(cout, cin, 3, 3) * 0.05, torch.randn(cout)
        u, v = torch.randn(64, cout, cin), torch.randn(64, cin, tiles)
        gflop = 2 * 9 * cin * cout * h * w / 1e9
        times = [best_seconds(lambda: F.conv2d(x, weight, bias), args.repeat),
                 best_seconds(lambda: torch._nnpack_spatial_convolution(x, weight, bias, [0, 0]), args.repeat),
                 best_seconds(lambda: [torch.mm(a, b) for a, b in zip(u, v)], args.repeat)]
        cells = " | ".join(f"{1e3 * t:.0f} ({gflop / t:.0f})" for t in times)
        print(f"| {name} | {cin} -> {cout} | {gflop:.1f} | {cells} | {times[2] / times[1]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
