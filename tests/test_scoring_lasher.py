"""LasHeR scoring: the official toolkit's printed numbers from the real result files, each
convention on hand-made boxes, the fast box parser, the CLI and its errors."""
from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest

from rgbt_track.cli import main
from rgbt_track.datasets.box_text import parse_box_bytes
from rgbt_track.scoring import score_lasher_results
from rgbt_track.scoring.lasher import LasherConventions, score_lasher


def test_reproduces_the_toolkit_for_all_four_trackers(shared_data):
    root = shared_data / "rgbt/LasHeR"
    expected = {row["tracker"]: row for row in csv.DictReader((root / "toolkit_scores.csv").open())}
    scores = {s.tracker: s for s in score_lasher_results(root / "annos", root / "tracking_results")}
    assert set(scores) == set(expected) == {"APFNet", "CAT", "mfDiMP", "SGT"}
    for tracker, row in expected.items():
        s = scores[tracker]
        assert [f"{s.pr:.3f}", f"{s.npr:.3f}", f"{s.sr:.3f}"] == [row["PR"], row["NPR"], row["SR"]], tracker
        assert s.sequences == 245
    plain = {s.tracker: s for s in score_lasher_results(root / "annos", root / "tracking_results",
                                                        LasherConventions.plain())}
    assert f"{plain['APFNet'].pr:.3f}" != expected["APFNet"]["PR"]       # the quirks matter on real data


def _rows(*boxes):
    return np.array(boxes, dtype=np.float64)


def test_each_toolkit_convention():
    truth = {"a": _rows([5, 5, 10, 10], [5, 5, 10, 10], [5, 5, 10, 10], [0, 3, 10, 10]),
             "z": _rows([5, 5, 10, 10], [5, 5, 10, 10])}
    results = {"a": _rows([50, 50, 10, 10], [5, 5, 10, 10], [np.nan] * 4, [90, 90, 5, 5], [1, 1, 1, 1]),
               "z": _rows([100, 100, 4, 4], [100, 100, 4, 4])}
    s = score_lasher("t", truth, results)
    # a: first row <- truth, NaN row <- previous: 3 exact frames + 1 absent (x = 0: precise, not successful);
    # the longer result is cut; z's curve is not all zero either (its first row is the truth)
    assert s.pr == pytest.approx((1 + 0.5) / 2) and s.success[0] == pytest.approx((0.75 + 0.5) / 2)
    plain = score_lasher("t", truth, results, LasherConventions.plain())
    # no quirks: a's first box misses, the NaN row misses, the absent frame is not counted;
    # z's tracker boxes miss entirely -> its all-zero curves stay in the mean
    assert plain.pr == pytest.approx((1 / 3 + 0) / 2) and plain.success[0] == pytest.approx((1 / 3) / 2)
    dropped = score_lasher("t", truth, results, LasherConventions(first_frame_truth=False))
    assert dropped.pr == pytest.approx(0.75)                          # z dropped: its curve is all zero


def test_centre_norm_precision_and_strict_success():
    truth = {"a": _rows([5, 5, 10, 20], [5, 5, 10, 20], [5, 5, 10, 20]), "b": _rows([5, 5, 20, 10], [5, 5, 20, 10])}
    # a2: centre shifted by 2 px -> normalised error 0.2 (precise); a3: 20 px (precise), normalised 2.0
    # b2: shifted by 5 px on a 20 px wide box: IoU 15 / 25 = 0.6 exactly, normalised error 0.25
    results = {"a": _rows([5, 5, 10, 20], [7, 5, 10, 20], [25, 5, 10, 20]), "b": _rows([5, 5, 20, 10], [10, 5, 20, 10])}
    s = score_lasher("t", truth, results)
    assert s.pr == pytest.approx(1.0) and s.npr == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert s.success[-1] == 0.0                                        # overlap 1 is not > 1
    assert s.success[12] == pytest.approx((2 / 3 + 1 / 2) / 2)         # 0.6 > 0.6 is false
    assert s.success[11] == pytest.approx((2 / 3 + 1) / 2)


def test_fast_parser_matches_python_floats():
    text = b"1,2.5,-3,4\r\n0.1\t0.7 123.456;+7.\n\nnan,NaN,-0,5\n"
    boxes = parse_box_bytes(text)
    expected = np.array([[1, 2.5, -3, 4], [0.1, 0.7, 123.456, 7.0], [np.nan, np.nan, -0.0, 5]])
    assert boxes.tobytes() == expected.tobytes()
    for bad in (b"1,2,3\n", b"1,2,3,4,5\n", b"1,2,3,x\n", b"1e3,2,3,4\n", b"1,2,3,4-\n"):
        assert parse_box_bytes(bad) is None


@pytest.fixture
def small_results(tmp_path, shared_data):
    root = shared_data / "rgbt/LasHeR"
    names = ["10runone", "1blackteacher"]
    (tmp_path / "gt").mkdir()
    for name in names:
        shutil.copyfile(root / f"annos/{name}.txt", tmp_path / f"gt/{name}.txt")
        for tracker in ("APFNet", "SGT"):
            folder = tmp_path / f"res/{tracker}_tracking_result"
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / f"tracking_results/{tracker}_tracking_result/{name}.txt", folder / f"{name}.txt")
    return tmp_path


def test_cli_csv_table_plot_and_errors(small_results, capsys):
    t = small_results
    args = ["score", "lasher", "--gt", str(t / "gt"), "--results", str(t / "res")]
    assert main(args + ["--csv", str(t / "s.csv"), "--latex", str(t / "s.md"), "--plot", str(t / "s.svg")]) == 0
    rows = list(csv.DictReader((t / "s.csv").open()))
    assert [r["tracker"] for r in rows] == ["APFNet", "SGT"] and list(rows[0]) == ["tracker", "PR", "NPR", "SR"]
    assert all(len(r["PR"].split(".")[1]) == 2 for r in rows)
    assert (t / "s.md").read_text().startswith("LasHeR one-pass")
    assert b"<svg" in (t / "s.svg").read_bytes()[:400]
    assert main(args + ["--no-quirks", "--csv", str(t / "p.csv")]) == 0
    assert (t / "p.csv").read_text() != (t / "s.csv").read_text()
    capsys.readouterr()

    def fails(extra, needle):
        assert main(args + extra + ["--csv", str(t / "bad.csv")]) == 2
        err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("rgbt-track")]
        assert len(err) == 1 and needle in err[0], err
        assert not (t / "bad.csv").exists()

    (t / "list.txt").write_text("10runone\nnosuchsequence\n")
    fails(["--list", str(t / "list.txt")], "nosuchsequence.txt")
    bad = t / "res/SGT_tracking_result/10runone.txt"
    bad.write_text(bad.read_text().replace("\n", "\nabc,1,2,3\n", 1))
    fails([], "10runone.txt:2: not a list of numbers")
    bad.unlink()
    fails([], "result file not found")
