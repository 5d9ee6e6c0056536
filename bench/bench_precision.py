"""What a lower precision changes in tracking: mean IoU and time per mode and precision, as a table.

Runs the tracker of the tracker options (default: the shipped ``tiny`` tracker, and the shipped RFN
for ``fused rfn``; ``--arch --checkpoint --rfn-checkpoint`` for a pysot one) through every sequence
of a VOT-layout folder (e.g. ``rgbt-track make-sequences val --count 6 --length 200 --seed 2``,
the held-out set of ``docs/results.md``), one pass from the first frame without re-initialisation,
and prints the mean IoU over sequences, the per-sequence IoUs and the wall time per precision.
bf16 runs through ``torch.autocast`` (``trackers.tracker``); it pays on CPUs with AVX512-BF16 or
AMX and on GPUs, and is emulated (slow) elsewhere. int8 (``trackers.quantization``) is calibrated
at every init, which the wall time includes; on ``tiny`` it is slower than fp32 (its convs are too
small for the int8 kernels), so this table measures what it does to tracking, not its speed.

    python bench/bench_precision.py work/val [--precisions fp32 bf16 int8] [--device cpu]
    python bench/bench_precision.py work/val --arch mobilev2 --checkpoint model.pth --rfn-checkpoint OUT/rfn.pth
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from rgbt_track.datasets.vot import load_vot_sequences
from rgbt_track.evaluation.iou import mean_iou, run_sequence
from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from trackers.config import PRECISIONS

# the table's rows fix these; the remaining tracker options come from the command line
EXCLUDED = ("mode", "fusion", "precision", "afat", "qpn_checkpoint", "correction_arch", "correction_checkpoint",
            "correction_rfn_checkpoint")

TRACKERS = (("rgb", "l1"), ("ir", "l1"), ("fused", "l1"), ("fused", "rfn"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sequences", help="folder of VOT-layout RGB-T sequences (list.txt or one folder each)")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=list(PRECISIONS))
    TrackerSpec.add_arguments(parser, exclude=EXCLUDED)
    args = parser.parse_args()
    spec = TrackerSpec.from_args(args)
    sequences = load_vot_sequences(args.sequences)
    print(f"{len(sequences)} sequences, {sum(len(s) for s in sequences)} frames, {spec.arch} "
          f"({spec.checkpoint or 'shipped weights'}), {spec.resolved_device()}")
    print("\n| mode | fusion | precision | mean IoU | per sequence | seconds |")
    print("|---|---|---|---:|---|---:|")
    for mode, fusion in TRACKERS:
        for precision in args.precisions:
            rfn = spec.rfn_checkpoint if (mode, fusion) == ("fused", "rfn") else None
            tracker = build_tracker(spec.replace(mode=mode, fusion=fusion, precision=precision, rfn_checkpoint=rfn))
            start = time.perf_counter()
            ious = [mean_iou(run_sequence(tracker, s).boxes, s.groundtruth) for s in sequences]
            seconds = time.perf_counter() - start
            print(f"| {mode} | {fusion if mode == 'fused' else '-'} | {precision} | {np.mean(ious):.4f} | "
                  f"{' '.join(f'{v:.3f}' for v in ious)} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
