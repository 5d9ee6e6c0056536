"""``bench/bench_precision.py``: the tracker comes from ``TrackerSpec`` options, and its "agreement
with fp32" column is the mean IoU between a precision's boxes and the fp32 boxes of the same tracker
(tiny, 2 generated sequences of 5 frames)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from rgbt_track.cli import main as cli
from rgbt_track.datasets.vot import load_vot_sequences
from rgbt_track.evaluation.iou import SequenceRun, first_annotated, run_sequence
from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from rgbt_track.weights import shipped_weights

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_precision.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_precision", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module     # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def sequences(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("precision") / "val"
    assert cli(["make-sequences", str(root), "--count", "2", "--length", "5", "--seed", "4"]) == 0
    return root


def _box_iou(a, b) -> float:
    """Plain IoU of two ``x, y, w, h`` boxes (independent of the package's implementation)."""
    w = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return w * h / (a[2] * a[3] + b[2] * b[3] - w * h)


def test_agreement_averages_the_tracked_frames_only(bench):
    reference = np.array([[np.nan] * 4, [0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]], float)
    other = reference.copy()
    other[2] = [5, 0, 10, 10]      # IoU 50 / 150 with the reference
    other[3] = [0, 0, 10, 5]       # IoU 1 / 2
    runs, refs = [SequenceRun(other, 1)], [SequenceRun(reference, 1)]
    assert bench.agreement(runs, refs) == pytest.approx([(1 / 3 + 1 / 2) / 2])
    assert bench.first_frame_agreement(runs, refs) == pytest.approx([1 / 3])
    with pytest.raises(ValueError):
        bench.agreement([SequenceRun(other, 0)], refs)


def test_tracker_options_and_agreement_column(bench, sequences, capsys, one_torch_thread):
    rfn = shipped_weights("tiny", "rfn")
    rows = bench.main([str(sequences), "--precisions", "bf16", "fp32", "--trackers", "fused-rfn", "rgb",
                       "--arch", "tiny", "--checkpoint", str(shipped_weights("tiny", "tracker")),
                       "--rfn-checkpoint", str(rfn), "--threads", "1"])
    out = capsys.readouterr().out
    assert f"RFN: {rfn}" in out and "agreement with fp32" in out
    assert [(r.name, r.precision) for r in rows] == [("fused-rfn", "fp32"), ("fused-rfn", "bf16"),
                                                     ("rgb", "fp32"), ("rgb", "bf16")]
    seqs = load_vot_sequences(sequences)
    spec = TrackerSpec(arch="tiny", mode="fused", fusion="rfn", rfn_checkpoint=str(rfn), device="cpu")
    boxes = {p: [run_sequence(build_tracker(spec.replace(precision=p)), s).boxes for s in seqs]
             for p in ("fp32", "bf16")}
    starts = [first_annotated(s.groundtruth) for s in seqs]
    expected = [np.mean([_box_iou(a, b) for a, b in zip(low[k + 1:], ref[k + 1:])])
                for low, ref, k in zip(boxes["bf16"], boxes["fp32"], starts)]
    fused_bf16 = rows[1]
    assert rows[0].agreement is None and fused_bf16.agreement == pytest.approx(expected, abs=1e-9)
    first = [_box_iou(low[k + 1], ref[k + 1]) for low, ref, k in zip(boxes["bf16"], boxes["fp32"], starts)]
    assert fused_bf16.first_agreement == pytest.approx(first, abs=1e-9)
    line = next(l for l in out.splitlines() if l.startswith("| fused | rfn | bf16 |"))
    assert line.split("|")[6].strip() == f"{np.mean(expected):.4f}"
    assert line.split("|")[7].strip() == f"{np.mean(first):.4f}"
    assert "init box held still" in out and "fused-rfn" in out.splitlines()[-1]
