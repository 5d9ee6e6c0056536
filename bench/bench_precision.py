"""What a lower precision changes in tracking: mean IoU, agreement with fp32 and time per mode and precision.

Runs one tracker, given by the same options as ``rgbt-track track`` (``--arch --checkpoint
--rfn-checkpoint ...``, :class:`rgbt_track.tracker_spec.TrackerSpec`; default the shipped ``tiny``
tracker and its shipped RFN), in each input mode (rgb, ir, fused with the l1-norm fusion, fused
with the RFN) through every sequence of a VOT-layout folder (e.g. ``rgbt-track make-sequences val
--count 6 --length 200 --seed 2``, the held-out set of ``docs/results.md``), one pass from the first
frame without re-initialisation. Per mode and precision it prints:

* the mean IoU with the ground truth over sequences (and per sequence) and its change against fp32;
* the agreement with fp32: the mean IoU between this precision's boxes and the fp32 boxes of the
  same tracker on the same frames (per sequence, then averaged). It does not depend on the base
  weights being good: it measures what the precision changes, not how well the tracker tracks;
  and the same IoU on the first tracked frame alone, before one-pass tracking compounds a
  different choice into a different track;
* the wall time and frames/s over all frames, the inits (and int8's calibrations) included.

Below the table, the box held still at its init box (the static baseline) is compared with the
ground truth and with each mode's fp32 boxes: an agreement near 1 says little when the fp32
boxes themselves barely leave the init box.

bf16 runs through ``torch.autocast`` (``trackers.tracker``); it pays on CPUs with AVX512-BF16 or
AMX and on GPUs, and is emulated (slow) elsewhere. int8 (``trackers.quantization``) is calibrated
at every init; on ``tiny`` and ``mobilev2`` it is slower than fp32 on CPU, on ``r50`` faster.

    python bench/bench_precision.py work/val [--precisions fp32 bf16 int8] [--trackers rgb fused-rfn]
        [--arch mobilev2 --checkpoint model.pth --rfn-checkpoint rfn/rfn.pth] [--device cpu] [--threads 1]
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from rgbt_track.datasets.vot import load_vot_sequences
from rgbt_track.evaluation.iou import SequenceRun, first_annotated, frame_ious, mean_iou, run_sequence, static_boxes
from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from trackers.config import PRECISIONS

# row name -> (mode, fusion)
TRACKERS = {"rgb": ("rgb", "l1"), "ir": ("ir", "l1"), "fused-l1": ("fused", "l1"), "fused-rfn": ("fused", "rfn")}
# options of TrackerSpec this bench sets itself, per row
OWN_FIELDS = ("mode", "fusion", "precision")


@dataclass
class Row:
    """One tracker mode at one precision over every sequence.

    Attributes:
        name: the :data:`TRACKERS` key (``rgb``, ``ir``, ``fused-l1``, ``fused-rfn``).
        precision: ``fp32``, ``bf16``, ``fp16`` or ``int8``.
        runs: one :class:`SequenceRun` per sequence (boxes ``(N, 4)`` ``x, y, w, h``).
        ious: mean IoU with the ground truth, one per sequence.
        agreement: mean IoU with the fp32 boxes of the same mode, one per sequence; None for fp32
            itself or when fp32 was not run.
        first_agreement: the same on the first tracked frame only, one per sequence (or None).
        seconds: wall time of all sequences, tracker building excluded.
    """

    name: str
    precision: str
    runs: list[SequenceRun]
    ious: list[float]
    agreement: list[float] | None
    first_agreement: list[float] | None
    seconds: float


def agreement(runs: list[SequenceRun], reference: list[SequenceRun]) -> list[float]:
    """Per sequence, the mean IoU between ``runs``' boxes and ``reference``'s boxes over the frames
    tracked after the init frame (both started on the same frame)."""
    out = []
    for run, ref in zip(runs, reference, strict=True):
        if run.start != ref.start:
            raise ValueError(f"runs start on frames {run.start} and {ref.start}")
        out.append(mean_iou(run.boxes, ref.boxes, start=ref.start))
    return out


def first_frame_agreement(runs: list[SequenceRun], reference: list[SequenceRun]) -> list[float]:
    """Per sequence, the IoU between ``runs``' and ``reference``'s boxes on the first tracked frame
    (NaN for a sequence that ends on its init frame)."""
    out = []
    for run, ref in zip(runs, reference, strict=True):
        k = slice(ref.start + 1, ref.start + 2)
        out.append(float(frame_ious(run.boxes[k], ref.boxes[k])[0]) if k.start < len(ref.boxes) else float("nan"))
    return out


def row_spec(spec: TrackerSpec, name: str, precision: str) -> TrackerSpec:
    """``spec`` for the row ``name`` at ``precision``: the RFN file only goes to the RFN row."""
    mode, fusion = TRACKERS[name]
    rfn = spec.rfn_checkpoint if name == "fused-rfn" else None
    return spec.replace(mode=mode, fusion=fusion, precision=precision, rfn_checkpoint=rfn)


def measure(spec: TrackerSpec, sequences, names: list[str], precisions: list[str]) -> list[Row]:
    """Every row of the table: ``names`` x ``precisions`` (fp32 first when asked for)."""
    precisions = sorted(dict.fromkeys(precisions), key=lambda p: p != "fp32")
    rows = []
    for name in names:
        fp32: list[SequenceRun] | None = None
        for precision in precisions:
            tracker = build_tracker(row_spec(spec, name, precision))
            start = time.perf_counter()
            runs = [run_sequence(tracker, s) for s in sequences]
            seconds = time.perf_counter() - start
            ious = [mean_iou(r.boxes, s.groundtruth) for r, s in zip(runs, sequences)]
            compare = fp32 is not None and precision != "fp32"
            agree = agreement(runs, fp32) if compare else None
            first = first_frame_agreement(runs, fp32) if compare else None
            fp32 = runs if precision == "fp32" else fp32
            rows.append(Row(name, precision, runs, ious, agree, first, seconds))
            print_row(rows[-1], rows, sum(len(s) for s in sequences))
    return rows


HEADER = ("| mode | fusion | precision | mean IoU | IoU - fp32 | agreement with fp32 | agreement, first tracked frame | "
          "per sequence IoU | per sequence agreement | seconds | frames / s |\n"
          "|---|---|---|---:|---:|---:|---:|---|---|---:|---:|")


def print_row(row: Row, rows: list[Row], frames: int) -> None:
    """One Markdown table line for ``row`` (``rows``: those so far, for the fp32 reference)."""
    mode, fusion = TRACKERS[row.name]
    fp32 = next((r for r in rows if r.name == row.name and r.precision == "fp32"), None)
    change = "-" if fp32 is None or row is fp32 else f"{np.mean(row.ious) - np.mean(fp32.ious):+.4f}"
    agree = "-" if row.agreement is None else f"{np.mean(row.agreement):.4f}"
    first = "-" if row.first_agreement is None else f"{np.mean(row.first_agreement):.4f}"
    per_agree = "-" if row.agreement is None else " ".join(f"{v:.3f}" for v in row.agreement)
    print(f"| {mode} | {fusion if mode == 'fused' else '-'} | {row.precision} | {np.mean(row.ious):.4f} | {change} | "
          f"{agree} | {first} | {' '.join(f'{v:.3f}' for v in row.ious)} | {per_agree} | {row.seconds:.1f} | "
          f"{frames / row.seconds:.1f} |", flush=True)


def static_summary(rows: list[Row], sequences) -> str:
    """The box held at init against the ground truth and against each mode's fp32 boxes."""
    static = [SequenceRun(static_boxes(s), first_annotated(s.groundtruth)) for s in sequences]
    truth = np.mean([mean_iou(r.boxes, s.groundtruth) for r, s in zip(static, sequences)])
    parts = [f"{r.name} {np.mean(agreement(static, r.runs)):.4f}" for r in rows if r.precision == "fp32"]
    return (f"init box held still: mean IoU {truth:.4f} with the ground truth"
            + (f"; with the fp32 boxes: {', '.join(parts)}" if parts else ""))


def describe(spec: TrackerSpec) -> str:
    weights = spec.checkpoint or "shipped weights"
    rfn = spec.rfn_checkpoint or "shipped RFN"
    return f"{spec.arch} ({weights}; RFN: {rfn}){', AFAT' if spec.afat else ''}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sequences", help="folder of VOT-layout RGB-T sequences (list.txt or one folder each)")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=list(PRECISIONS))
    parser.add_argument("--trackers", nargs="+", default=list(TRACKERS), choices=list(TRACKERS),
                        help="rows: input mode and fusion (default: all four)")
    TrackerSpec.add_arguments(parser, exclude=OWN_FIELDS, device="cpu")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[Row]:
    args = parse_args(argv)
    spec = TrackerSpec.from_args(args, mode="fused", fusion="rfn")
    sequences = load_vot_sequences(args.sequences)
    print(f"{len(sequences)} sequences, {sum(len(s) for s in sequences)} frames, {describe(spec)}, "
          f"{spec.device}, {spec.threads or 'default'} threads")
    print("\n" + HEADER)
    rows = measure(spec, sequences, args.trackers, args.precisions)
    print("\n" + static_summary(rows, sequences))
    return rows


if __name__ == "__main__":
    main()
