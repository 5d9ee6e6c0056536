"""The real VOT-RGBT2019 set's shape: all 60 names and frame counts pass the workspace check, and
``rgbt-track evaluate`` runs the three trackers end to end on its shortest sequence, ``dog`` (45 frames).

Frames are tiny (``tests/vot_rgbt_mirror.py``); the names, lengths, polygon ground truth and layout
are the real set's. Five real sequences are shorter than the EAO window's low end (115 frames);
the toolkit accepts them and so does the check.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from rgbt_track.cli import main
from rgbt_track.evaluation.vot import TRACKERS
from rgbt_track.evaluation.vot.eao_window import short_sequence_note
from rgbt_track.evaluation.vot.workspace import copy_template, find_workspaces, validate_workspace
from vot_rgbt_mirror import real_lengths, write_mirror

SHORT = {"dog": 45, "basketball2": 75, "manwithbasketball": 80, "dog11": 87, "bus6": 89}
SUBSET = ("dog",)  # the shortest real sequence; each more costs ~9 tracker runs over TraX


@pytest.fixture(scope="module")
def lengths(shared_data) -> dict[str, int]:
    return real_lengths(shared_data)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory, lengths) -> Path:
    root = tmp_path_factory.mktemp("vot-rgbt2019")
    copy_template(root)
    write_mirror(root / "sequences", lengths)
    return root


def test_the_real_set_passes_the_check_short_sequences_included(mirror, lengths):
    assert len(lengths) == 60 and sum(lengths.values()) == 20083
    assert {name: n for name, n in lengths.items() if n < 115} == SHORT
    for directory in find_workspaces(mirror):
        info, checked = validate_workspace(directory, list(TRACKERS), load=False)
        assert checked == lengths
        note = short_sequence_note(info, checked)
        assert note.startswith("note: 5 of 60 sequences are shorter than the EAO window's low end (115)")
        assert "dog 45, basketball2 75, manwithbasketball 80, dog11 87, bus6 89 frames" in note
        assert "undefined" not in note  # the long sequences reach the window


def test_a_sequence_without_ir_channel_is_one_line(mirror, capsys):
    sequence = mirror / "sequences" / "bus6" / "sequence"
    original = sequence.read_bytes()
    sequence.write_bytes(original.replace(b"channels.ir=ir/%08d.jpg\r\n", b""))
    try:
        assert main(["evaluate", str(mirror), "--trackers", "AFAT-IR"]) == 2
    finally:
        sequence.write_bytes(original)
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert errors == [f"rgbt-track: error: {sequence}: no channels.ir entry (an RGB-T sequence needs color and ir)"]
    assert not (mirror / "results").exists()


@pytest.mark.slow
def test_evaluate_and_report_run_the_three_trackers_on_the_shortest_real_sequences(tmp_path, lengths, capsys):
    copy_template(tmp_path)
    write_mirror(tmp_path / "sequences", {name: lengths[name] for name in SUBSET})
    assert main(["evaluate", str(tmp_path), "--out", str(tmp_path / "summary")]) == 0
    captured = capsys.readouterr()
    assert "1 of 1 sequences are shorter than the EAO window's low end (115)" in captured.err
    assert "reset-based EAO is undefined (n/a)" in captured.err
    with (tmp_path / "summary" / "results.csv").open(encoding="utf-8") as handle:
        rows = {(r["protocol"], r["tracker"]): r for r in csv.DictReader(handle)}
    assert sorted(rows) == sorted((p, t) for p in ("anchor", "reset") for t in TRACKERS)
    for (protocol, tracker), row in rows.items():
        assert 0 <= float(row["accuracy"]) <= 1 and 0 <= float(row["robustness"]) <= 1
        if protocol == "reset":      # no run reaches frame 115: the toolkit's EAO is undefined
            assert row["eao"] == ""
        else:                        # anchor-based: only failed runs count in the window
            assert 0 <= float(row["eao"]) <= 1 and math.isfinite(float(row["eao"]))
    for workspace in (tmp_path, tmp_path / "vot2019"):
        for tracker in TRACKERS:
            for name in SUBSET:
                assert list((workspace / "results" / tracker / "baseline" / name).glob(f"{name}_*.bin"))
    assert "| n/a |" in captured.out
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "results.csv").read_text() == (tmp_path / "summary" / "results.csv").read_text()
