"""The real VOT toolkit (vot-toolkit 0.7.4) driving our TraX server: all three trackers, both protocols.

One module-scoped evaluation (a generated sequence, the repository's workspace configuration copied
as ``rgbt-track demo`` copies it) feeds the checks: EAO / A / R come out of the toolkit's own
analysis files, re-analysis never returns stale cached numbers, and a tracker that crashes makes
our command fail with the tracker's log although the toolkit itself would carry on.
"""
from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pytest

from rgbt_track.cli import main
from rgbt_track.generator import generate_sequences
from rgbt_track.evaluation.vot import TRACKERS
from rgbt_track.evaluation.vot.results import newest_analysis, read_analysis
from rgbt_track.evaluation.vot.workspace import copy_template

pytestmark = pytest.mark.slow
LENGTH = 200


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("vot")
    copy_template(root)
    generate_sequences(root / "sequences", count=1, length=LENGTH, seed=11)
    assert main(["evaluate", str(root), "--out", str(root / "summary")]) == 0
    return root


def _summary(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _rectangles(trajectory) -> int:
    from vot.region.shapes import Rectangle

    return sum(isinstance(region, Rectangle) for region in trajectory)


def test_every_tracker_ran_on_both_protocols_through_trax(evaluated):
    from vot.region.io import read_trajectory

    for workspace in (evaluated, evaluated / "vot2019"):
        for tracker in TRACKERS:
            files = sorted((workspace / "results" / tracker / "baseline" / "synth-000").glob("synth-000_*.bin"))
            assert files, f"no {tracker} results in {workspace}"
            assert _rectangles(read_trajectory(str(files[0]))) > LENGTH / 4  # frames answered, not just the init
    # anchor-based: one run per anchor of the generated anchor.value (frames 0, 50 forward; 100, 150 backward)
    runs = sorted(p.name for p in (evaluated / "results" / "RFN-AFAT" / "baseline" / "synth-000").glob("*.bin"))
    assert runs == [f"synth-000_{i:08d}.bin" for i in (0, 50, 100, 150)]
    # reset-based: a deterministic tracker is run 3 times of the 15 repetitions (the toolkit's early stop)
    runs = sorted(p.name for p in (evaluated / "vot2019" / "results" / "AFAT-IR" / "baseline" / "synth-000").glob("*.bin"))
    assert runs == [f"synth-000_{i:03d}.bin" for i in (1, 2, 3)]


def test_scores_come_from_the_toolkit_analysis(evaluated):
    rows = _summary(evaluated / "summary" / "results.csv")
    assert sorted((r["protocol"], r["tracker"]) for r in rows) == sorted(
        (p, t) for p in ("anchor", "reset") for t in TRACKERS)
    for workspace, protocol in ((evaluated, "anchor"), (evaluated / "vot2019", "reset")):
        scores = {s.tracker: s for s in read_analysis(newest_analysis(workspace))}
        assert sorted(scores) == sorted(TRACKERS)
        for row in (r for r in rows if r["protocol"] == protocol):
            score = scores[row["tracker"]]
            assert score.protocol == protocol and score.eao_window == (115, 755)
            for name in ("eao", "accuracy", "robustness"):
                value = getattr(score, name)
                assert 0.0 <= value <= 1.0 and math.isfinite(value)
                assert float(row[name]) == pytest.approx(value, abs=1e-6)
            assert len(score.eao_curve) > 115
    assert (evaluated / "reports" / "rgbt-track" / "report.html").is_file()
    assert (evaluated / "vot2019" / "reports" / "rgbt-track" / "report.html").is_file()
    for name in ("index.html", "results.md", "ar_plot.png", "eao_curves.png"):
        assert (evaluated / "summary" / name).stat().st_size > 0


def test_report_reanalyses_changed_results_instead_of_returning_cached_numbers(evaluated, tmp_path, capsys):
    copy = tmp_path / "ws"
    shutil.copytree(evaluated, copy)
    assert main(["report", str(copy), "--paper", "--out", str(tmp_path / "before")]) == 0
    before = {(r["protocol"], r["tracker"]): r for r in _summary(tmp_path / "before" / "results.csv") if r["source"] == "ours"}
    assert any(r["source"] == "paper" and r["tracker"] == "RFN-based" for r in _summary(tmp_path / "before" / "results.csv"))
    assert "VOT2019-RGBT (reset-based, paper Table 7)" in capsys.readouterr().out
    # shrink every AFAT-RGB box of the anchor-based runs to a quarter of its area: accuracy must drop
    from vot.region.io import read_trajectory, write_trajectory
    from vot.region.shapes import Rectangle

    for path in (copy / "results" / "AFAT-RGB" / "baseline").rglob("synth-000_*.bin"):
        trajectory = read_trajectory(str(path))
        shrunk = [Rectangle(r.x + r.width / 4, r.y + r.height / 4, r.width / 2, r.height / 2)
                  if isinstance(r, Rectangle) else r for r in trajectory]
        write_trajectory(str(path), shrunk)
    assert main(["report", str(copy), "--out", str(tmp_path / "after")]) == 0
    after = {(r["protocol"], r["tracker"]): r for r in _summary(tmp_path / "after" / "results.csv")}
    assert float(after[("anchor", "AFAT-RGB")]["accuracy"]) < 0.75 * float(before[("anchor", "AFAT-RGB")]["accuracy"])
    assert after[("anchor", "AFAT-IR")] == before[("anchor", "AFAT-IR")]
    assert not (copy / "cache").exists()


def test_crashing_tracker_fails_the_command_with_its_log(tmp_path, capsys):
    copy_template(tmp_path)
    generate_sequences(tmp_path / "sequences", count=1, length=120, seed=4, size=(96, 72))
    (tmp_path / "sequences" / "synth-000" / "color" / "00000030.jpg").write_bytes(b"not a jpeg")
    assert main(["evaluate", str(tmp_path), "--trackers", "AFAT-RGB"]) == 1
    err = capsys.readouterr().err
    assert "---- log of AFAT-RGB" in err and "00000030.jpg" in err
    assert err.rstrip().splitlines()[-1].startswith("rgbt-track: error: tracker AFAT-RGB failed on synth-000")
    # the anchor-based run may skip frame 30 (realtime, on a loaded machine): then the reset-based one crashes
    assert [log.name.startswith("AFAT-RGB_") for log in tmp_path.glob("**/logs/*.log")] == [True]
    # report on what the crash left: the tracker's log again, not a missing results folder
    assert main(["report", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "---- log of AFAT-RGB" in err and "00000030.jpg" in err and "No such file" not in err
