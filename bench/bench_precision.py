"""What a lower precision changes in tracking: mean IoU and time per mode and precision, as a table.

Runs the shipped ``tiny`` tracker (and the shipped RFN for ``fused rfn``) through every sequence
of a VOT-layout folder (e.g. ``rgbt-track make-sequences val --count 6 --length 200 --seed 2``,
the held-out set of ``docs/results.md``), one pass from the first frame without re-initialisation,
and prints the mean IoU over sequences, the per-sequence IoUs and the wall time per precision.
bf16 runs through ``torch.autocast`` (``trackers.tracker``); it pays on CPUs with AVX512-BF16 or
AMX and on GPUs, and is emulated (slow) elsewhere. int8 (``trackers.quantization``) is calibrated
at every init, which the wall time includes; on ``tiny`` it is slower than fp32 (its convs are too
small for the int8 kernels). Accuracy and speed sit in one table: frames/s over all frames, the
inits (and int8's calibrations) included, and the mean IoU change against fp32.

    python bench/bench_precision.py work/val [--precisions fp32 bf16 int8] [--device cpu] [--threads 1]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from rgbt_track.datasets.vot import load_vot_sequences
from rgbt_track.evaluation.iou import mean_iou, run_sequence
from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from trackers.config import PRECISIONS

TRACKERS = (("rgb", "l1"), ("ir", "l1"), ("fused", "l1"), ("fused", "rfn"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sequences", help="folder of VOT-layout RGB-T sequences (list.txt or one folder each)")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=list(PRECISIONS))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    sequences = load_vot_sequences(args.sequences)
    print(f"{len(sequences)} sequences, {sum(len(s) for s in sequences)} frames, tiny (shipped weights), {args.device}")
    frames = sum(len(s) for s in sequences)
    print("\n| mode | fusion | precision | mean IoU | IoU - fp32 | per sequence | seconds | frames / s |")
    print("|---|---|---|---:|---:|---|---:|---:|")
    for mode, fusion in TRACKERS:
        fp32 = None
        for precision in args.precisions:
            tracker = build_tracker(TrackerSpec(mode=mode, fusion=fusion, device=args.device, precision=precision))
            start = time.perf_counter()
            ious = [mean_iou(run_sequence(tracker, s).boxes, s.groundtruth) for s in sequences]
            seconds = time.perf_counter() - start
            fp32 = np.mean(ious) if precision == "fp32" else fp32
            change = "-" if fp32 is None or precision == "fp32" else f"{np.mean(ious) - fp32:+.4f}"
            print(f"| {mode} | {fusion if mode == 'fused' else '-'} | {precision} | {np.mean(ious):.4f} | {change} | "
                  f"{' '.join(f'{v:.3f}' for v in ious)} | {seconds:.1f} | {frames / seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
