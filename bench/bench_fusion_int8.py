"""int8 RFN-Nest fusion: what to quantize and how to calibrate, as PSNR against fp32 and int8 Mpx/s.

For each network (``paper``: channels 64/112/160/208, random weights seeded 0, as in
``bench_fusion.py``; ``default``: the embedded checkpoint) and each row below, every TNO pair (or
its ``--crop`` centre crop) is fused by the package's fp32 path and by ``fusion.int8``; the row
gives the PSNR of the 0..255 image against fp32 over all pairs (one pooled MSE), the largest
0..255 difference, the int8 rate (Mpx/s, calibration excluded), the fp32 rate of the same pairs in
the same process and the mean calibration time. Rows, all calibrated on each pair itself unless
they say otherwise:

* ``int8 (package)``: what ``--dtype int8`` runs: everything but the output 1x1 conv, min/max
  activation ranges (8 bits with VNNI, else 7);
* ``output conv int8 too``; ``stem float``; ``encoder float``; ``RFN float``; ``decoder float``;
* ``histogram observers``: the engine's default QConfigMapping instead of min/max ranges;
* ``7-bit activations``: min/max ranges in 7 bits, what CPUs without VNNI get;
* ``calibrated on the first pair``: one calibration, on the first pair, for all;
* ``calibrated at half size``: each pair calibrated on its copy resized to half the side (area).

One process, ``--threads`` torch threads; pairs in name order.

    .venv/bin/python bench/bench_fusion_int8.py --networks default paper --pairs 6 --crop 256 --threads 1
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from compare_outputs import psnr_of_arrays

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ROWS = {  # name -> (fusion.int8.Int8Config keyword arguments, calibration: "pair", "first" or "half")
    "int8 (package)": ({}, "pair"),
    "output conv int8 too": ({"float_modules": ()}, "pair"),
    "stem float": ({"float_modules": ("decoder.heads.conv_out", "encoder.stem")}, "pair"),
    "encoder float": ({"encoder": False}, "pair"),
    "RFN float": ({"rfn": False}, "pair"),
    "decoder float": ({"decoder": False}, "pair"),
    "histogram observers": ({"full_range": False}, "pair"),
    "7-bit activations": ({"seven_bits": True}, "pair"),
    "calibrated on the first pair": ({}, "first"),
    "calibrated at half size": ({}, "half"),
}


def _pairs(data: Path, count: int, crop: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    from fusion.metrics.evaluate import read_gray
    from rgbt_runtime.image_files import pair_images

    root = data / "tno21"
    out = []
    for p in pair_images(root / "ir", root / "vis")[:count]:
        ir, vi = (read_gray(f).astype(np.float32) for f in (p.ir, p.vis))
        if crop:
            y, x = max((ir.shape[0] - crop) // 2, 0), max((ir.shape[1] - crop) // 2, 0)
            ir, vi = (np.ascontiguousarray(a[y:y + crop, x:x + crop]) for a in (ir, vi))
        out.append((p.name, ir, vi))
    return out


def _network(name: str):
    from fusion.inference import load_model
    from fusion.model import RFNNest

    if name == "default":
        return load_model()
    torch.manual_seed(0)
    return RFNNest().eval().requires_grad_(False)


def _work_shares(model) -> str:
    """Each part's share of the multiply-adds of one fusion (``torch.utils.flop_counter`` on a 128x128 pair)."""
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.rand(1, 1, 128, 128)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x, x)
    counts, total = counter.get_flop_counts(), counter.get_total_flops()

    def share(*names: str) -> str:
        return f"{100 * sum(sum(counts.get(f'RFNNest.{n}', {}).values()) for n in names) / total:.3g} %"

    return (f"multiply-adds: encoder {share('encoder')}, RFN blocks {share('rfn')}, decoder {share('decoder')} "
            f"(its full-resolution 3x3 convs {share(*(f'decoder.db1_{i}.denseblock.0' for i in (1, 2, 3)))}), "
            f"output 1x1 conv {share('decoder.heads.conv_out')}, stem {share('encoder.stem')}")


def _scaled_max_diff(a: np.ndarray, b: np.ndarray) -> float:
    def s(x):
        x = x.astype(np.float64)
        return 255 * (x - x.min()) / (x.max() - x.min() + 1e-5)
    return float(np.abs(s(a) - s(b)).max())


def _row(model, pairs, fp32, kwargs: dict, calibration: str) -> tuple[float, float, float, float]:
    """(PSNR dB, max 0..255 diff, int8 Mpx/s, mean calibration s) of one row."""
    import cv2

    from fusion.inference import calibrate_int8, fuse_arrays
    from fusion.int8 import Int8Config

    outputs, seconds, calibrations, net = [], 0.0, [], None
    for (_, ir, vi), ref in zip(pairs, fp32):
        if net is None or calibration != "first":
            if calibration == "half":
                ir_c, vi_c = (cv2.resize(a, (a.shape[1] // 2, a.shape[0] // 2), interpolation=cv2.INTER_AREA) for a in (ir, vi))
            else:
                ir_c, vi_c = ir, vi
            start = time.perf_counter()
            net = calibrate_int8(model, ir_c, vi_c, config=Int8Config(**kwargs))
            calibrations.append(time.perf_counter() - start)
        start = time.perf_counter()
        outputs.append((ref, fuse_arrays(net, ir, vi, dtype="int8")))
        seconds += time.perf_counter() - start
    pixels = sum(ir.size for _, ir, _ in pairs)
    return (psnr_of_arrays(outputs), max(_scaled_max_diff(a, b) for a, b in outputs), pixels / 1e6 / seconds,
            statistics.mean(calibrations))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(os.environ.get("RGBT_SHARED_DATA", REPO.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data, help="shared data folder (holds tno21/)")
    parser.add_argument("--networks", nargs="+", default=["default", "paper"], choices=["default", "paper"])
    parser.add_argument("--pairs", type=int, default=6, help="first TNO pairs by name (default 6)")
    parser.add_argument("--crop", type=int, default=256, help="centre crops of this side (default 256; 0: full size)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=list(ROWS), metavar="ROW",
                        help="rows to measure (default all)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from fusion.inference import fuse_arrays
    from rgbt_runtime.quantization import vnni_cpu

    pairs = _pairs(args.data, args.pairs, args.crop)
    size = f"{args.crop}x{args.crop} centre crops" if args.crop else "full size"
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {args.threads} threads, "
          f"torch {torch.__version__}, VNNI {vnni_cpu()}, {len(pairs)} TNO pairs ({', '.join(n for n, _, _ in pairs)}), {size}")
    print("\n| network | row | PSNR dB vs fp32 | max abs diff 0..255 | int8 Mpx/s | fp32 Mpx/s, same pairs | "
          "int8 / fp32 | calibration s per pair |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    shares = []
    for net_name in args.networks:
        model = _network(net_name)
        shares.append(f"{net_name}: {_work_shares(model)}")
        fuse_arrays(model, pairs[0][1][:64, :64].copy(), pairs[0][2][:64, :64].copy())  # warm-up (NNPACK, pools)
        start = time.perf_counter()
        fp32 = [fuse_arrays(model, ir, vi) for _, ir, vi in pairs]
        fp32_rate = sum(ir.size for _, ir, _ in pairs) / 1e6 / (time.perf_counter() - start)
        for row in args.rows:
            print(f"  {net_name}: {row} ...", file=sys.stderr, flush=True)
            db, diff, rate, calib = _row(model, pairs, fp32, *ROWS[row])
            print(f"| {net_name} | {row} | {db:.1f} | {diff:.0f} | {rate:.4f} | {fp32_rate:.4f} | {rate / fp32_rate:.2f}x | "
                  f"{calib:.1f} |", flush=True)
    print("\n" + "\n".join(shares) + "\n(counted by torch.utils.flop_counter on a 128x128 pair)")


if __name__ == "__main__":
    main()
