"""What AFAT's failure-aware switch does to the embedded default, per input mode, as a table.

Runs the shipped ``tiny`` base tracker (fused: with the shipped RFN) over every sequence of one or
more VOT-layout folders, one pass from the first frame without re-initialisation, first alone and
then as AFAT (``TrackerSpec(afat=True)``) with the shipped per-mode QPN and the same network as its
own correction tracker (wider re-detection search); the other tracker options (``--arch``,
``--checkpoint``, ``--rfn-checkpoint``, ``--correction-arch``, ``--precision``, ``--device``,
``--threads``, ...) are those of ``rgbt-track track``. Prints, per tracker, the
mean IoU (GOT-10k ``rect_iou`` over the frames after the init frame, averaged over sequences), the
per-sequence IoUs, the frames with IoU <= 0.1 over all sequences and the number of corrections;
the first row is the trivial "box stays at the init box" baseline. The held-out sets of
``docs/results.md``::

    rgbt-track make-sequences work/val --count 6 --length 200 --seed 2
    rgbt-track make-sequences work/val3 --count 6 --length 200 --seed 3
    python bench/bench_afat.py work/val work/val3 [--modes rgb ir fused] [--device cpu] [--threads 1]
    python bench/bench_afat.py work/val --modes fused --arch mobilev2 --checkpoint mv2.pth --rfn-checkpoint rfn.pth \
        --qpn-checkpoint qpn.pth --correction-arch r50 --correction-checkpoint r50.pth
    python bench/bench_afat.py work/val --modes        # the static baseline only
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from rgbt_track.datasets.vot import load_vot_sequences
from rgbt_track.evaluation.iou import first_annotated, frame_ious, run_sequence, static_boxes
from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from trackers.config import MODES

# the table's rows set these (the QPN of a mode needs that mode); the rest are the tracker options
EXCLUDED = ("mode", "afat")

LOST_IOU = 0.1
"""A frame whose IoU is at most this counts as lost (AFAT's QPN labels, IoU < 0.1, rounded up)."""


def scored_ious(boxes: np.ndarray, groundtruth: np.ndarray) -> np.ndarray:
    """The finite per-frame IoUs after the init frame, ``(n,)``."""
    ious = frame_ious(boxes, groundtruth)[first_annotated(groundtruth) + 1:]
    return ious[np.isfinite(ious)]


def row(name: str, qpn: str, per_sequence: list[np.ndarray], corrections: int | None, seconds: float) -> str:
    means = [float(ious.mean()) for ious in per_sequence]
    lost = int(sum((ious <= LOST_IOU).sum() for ious in per_sequence))
    fixed = "" if corrections is None else str(corrections)
    return (f"| {name} | {qpn} | {np.mean(means):.3f} | {' '.join(f'{v:.2f}' for v in means)} | {lost} | "
            f"{fixed} | {seconds:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", help="folders of VOT-layout RGB-T sequences (list.txt)")
    parser.add_argument("--modes", nargs="*", default=list(MODES), choices=list(MODES),
                        help="input modes to run (default all; none: the static baseline only)")
    parser.add_argument("--no-static", action="store_true", help="leave out the static-baseline row")
    TrackerSpec.add_arguments(parser, exclude=EXCLUDED, afat=True)
    args = parser.parse_args()
    spec = TrackerSpec.from_args(args)
    sequences = [s for folder in args.folders for s in load_vot_sequences(folder)]
    print(f"{len(sequences)} sequences, {sum(len(s) for s in sequences)} frames, {spec.arch} "
          f"({spec.checkpoint or 'shipped weights'}), {spec.resolved_device()}")
    print("\n| tracker | QPN | mean IoU | per sequence | frames IoU <= 0.1 | corrections | seconds |")
    print("|---|---|---:|---|---:|---:|---:|")
    if not args.no_static:
        static = [scored_ious(static_boxes(s), s.groundtruth) for s in sequences]
        print(row("box stays at the init box", "-", static, None, 0.0), flush=True)
    for mode in args.modes:
        name = "fused (RFN)" if mode == "fused" else mode
        for afat in (False, True):
            base = spec.replace(mode=mode, rfn_checkpoint=spec.rfn_checkpoint if mode == "fused" else None,
                                afat=False, qpn_checkpoint=None, correction_arch=None, correction_checkpoint=None,
                                correction_rfn_checkpoint=None)
            paired = {k: getattr(spec, k) for k in ("qpn_checkpoint", "correction_arch", "correction_checkpoint",
                                                    "correction_rfn_checkpoint")}
            tracker = build_tracker(base.replace(afat=True, **paired) if afat else base)
            start, ious, corrections = time.perf_counter(), [], 0
            for sequence in sequences:
                ious.append(scored_ious(run_sequence(tracker, sequence).boxes, sequence.groundtruth))
                corrections += tracker.corrections if afat else 0
            qpn = (spec.qpn_checkpoint or f"`{spec.arch}_qpn_{mode}.pth`") if afat else "none"
            print(row(name, qpn, ious, corrections if afat else None, time.perf_counter() - start), flush=True)


if __name__ == "__main__":
    main()
