"""GTOT / RGBT234 scoring: published numbers reproduced from real result files, conventions, errors, CLI."""
from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest

from rgbt_runtime.errors import InputError
from rgbt_track.cli import main
from rgbt_track.evaluation.scoring import score_results
from rgbt_track.evaluation.scoring.boxes import overlap
from rgbt_track.evaluation.scoring.gtot import score_gtot
from rgbt_track.evaluation.scoring.results_io import read_result_file
from rgbt_track.evaluation.scoring.rgbt234 import score_rgbt234

# MPR / MSR (%) as printed in each tracker's paper (GTOT table)
PUBLISHED = {"APFNet": (90.5, 73.7), "CAT": (88.9, 71.7), "JMMAC": (90.2, 73.2), "ADRNet": (90.4, 73.9)}


@pytest.fixture(scope="module")
def gtot_scores(shared_data):
    gt, results = shared_data / "rgbt/GTOT_annotations", shared_data / "rgbt/GTOT_results"
    return ({s.tracker: s for s in score_results("gtot", gt, results)},
            {s.tracker: s for s in score_results("gtot", gt, results, round_results=False)})


@pytest.mark.parametrize("tracker", ["APFNet", "CAT", "JMMAC"])
def test_gtot_reproduces_published_numbers_with_toolkit_rounding(gtot_scores, tracker):
    score = gtot_scores[0][tracker]
    mpr, msr = PUBLISHED[tracker]
    assert abs(100 * score.mpr - mpr) <= 0.05 + 1e-9 and abs(100 * score.msr - msr) <= 0.05 + 1e-9


def test_gtot_adrnet_published_numbers_use_boxes_as_written(gtot_scores):
    rounded, raw = gtot_scores[0]["ADRNet"], gtot_scores[1]["ADRNet"]
    assert abs(100 * raw.mpr - 90.4) <= 0.05 and abs(100 * raw.msr - 73.9) <= 0.05
    assert abs(100 * rounded.mpr - 90.4) > 0.05      # the two conventions do differ on real data
    assert set(gtot_scores[0]) == {"ADRNet", "APFNet", "CAT", "JMMAC", "MTNet"}


def _box(x, y, w, h):
    return np.array([[x, y, w, h]], np.float64)


def test_conventions_min_error_max_iou_strict_5px_pooled():
    visible = np.array([[0, 0, 10, 10]] * 3, float)
    thermal = np.array([[30, 0, 10, 10]] * 3, float)
    truth = {"a": (visible[:1], _box(3, 4, 10, 10)), "b": (visible, thermal)}
    results = {"a": _box(3, 4, 10, 10),                                     # 0 px from thermal
               "b": np.array([[5, 0, 10, 10], [26, 0, 10, 10], [15, 0, 10, 10]], float)}
    # errors: a 0; b 5 (visible; not < 5), 4 (thermal), 15 -> pooled MPR 2/4
    score = score_gtot("t", truth, results, round_results=False)
    assert score.mpr == pytest.approx(0.5)
    # IoUs: a 1; b max(50/150, 0) = 1/3, max(0, 60/140) = 3/7, max(0, 0) = 0
    ious = np.array([1, 1 / 3, 3 / 7, 0])
    assert score.success[25] == pytest.approx(np.mean(ious > 0.5))
    assert score.msr == pytest.approx(np.trapezoid([(ious > t).mean() for t in np.linspace(0, 1, 51)],
                                                   np.linspace(0, 1, 51)))
    rgbt = score_rgbt234("t", truth, results)
    # per sequence at 20 px (<=): a 1/1, b 3/3 (5 counts) ; at 4 px: a 1, b 1/3 -> mean 2/3
    assert rgbt.mpr == 1.0 and rgbt.precision[4] == pytest.approx(2 / 3)
    assert rgbt.msr == pytest.approx(np.mean([[1.0 if t < 1 else 0 for t in np.linspace(0, 1, 21)],
                                              [np.mean(ious[1:] > t) for t in np.linspace(0, 1, 21)]]))


def test_overlap_is_pixel_inclusive_calc_rect_int():
    assert overlap(_box(0, 0, 10, 10), _box(5, 0, 10, 10))[0] == pytest.approx(50 / 150)
    assert overlap(_box(0, 0, 10, 10), _box(10, 0, 10, 10))[0] == 0.0
    assert overlap(_box(0, 0, 10, 10), _box(0, 0, 10, 10))[0] == 1.0


def test_perfect_results_on_real_rgbt234_ground_truth(tmp_path, shared_data):
    for name in ("afterrain", "baby", "dog11"):
        (tmp_path / "gt" / name).mkdir(parents=True)
        for file_name in ("visible.txt", "infrared.txt"):
            shutil.copyfile(shared_data / "rgbt/RGBT234" / name / file_name, tmp_path / "gt" / name / file_name)
        (tmp_path / "res/Oracle").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_data / "rgbt/RGBT234" / name / "infrared.txt", tmp_path / f"res/Oracle/Oracle_{name}.txt")
    [score] = score_results("rgbt234", tmp_path / "gt", tmp_path / "res")
    assert score.mpr == 1.0 and score.msr == pytest.approx(20 / 21)   # IoU 1 is not > 1


def test_result_files_4_or_8_numbers_and_errors(tmp_path):
    path = tmp_path / "T_seq.txt"
    path.write_text("1.0e+01 20 30.5 20 30.5 40 1.0e+01 40\r\n5\t6\t15\t6\t15\t16\t5\t16\r\n")
    np.testing.assert_allclose(read_result_file(path, 2), [[10, 20, 20.5, 20], [5, 6, 10, 10]])
    path.write_text("1,2,3,4\n5,6,7,8\n")
    np.testing.assert_array_equal(read_result_file(path, 2), [[1, 2, 3, 4], [5, 6, 7, 8]])
    with pytest.raises(InputError, match=r"T_seq.txt: 2 lines for 3 frames"):
        read_result_file(path, 3)
    path.write_text("1,2,3,4\n5,6,seven,8\n")
    with pytest.raises(InputError, match=r"T_seq.txt:2: not a list of numbers"):
        read_result_file(path, 2)
    path.write_text("1,2,3,4\n5,6,7\n")
    with pytest.raises(InputError, match=r"T_seq.txt:2: expected 4 or 8 numbers, got 3"):
        read_result_file(path, 2)
    with pytest.raises(InputError, match=r"result file not found: .*T_other.txt"):
        read_result_file(tmp_path / "T_other.txt", 2)


def test_cli_prints_table_writes_csv_and_plot(tmp_path, shared_data, capsys):
    gt = tmp_path / "gt"
    for name in ("BlackCar", "fastCar2"):
        shutil.copytree(shared_data / "rgbt/GTOT_annotations" / name, gt / name)
    for tracker in ("CAT", "JMMAC"):
        (tmp_path / "res" / tracker).mkdir(parents=True)
        for name in ("BlackCar", "fastCar2"):
            shutil.copyfile(shared_data / f"rgbt/GTOT_results/{tracker}/{tracker}_{name}.txt",
                            tmp_path / f"res/{tracker}/{tracker}_{name}.txt")
    args = ["score", "gtot", "--gt", str(gt), "--results", str(tmp_path / "res")]
    assert main(args + ["--csv", str(tmp_path / "s.csv"), "--plot", str(tmp_path / "s.png")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["tracker", "MPR", "MSR"] and {line.split()[0] for line in out[1:]} == {"CAT", "JMMAC"}
    rows = list(csv.DictReader((tmp_path / "s.csv").open()))
    assert [r["tracker"] for r in rows] == ["CAT", "JMMAC"] and set(rows[0]) == {"tracker", "MPR", "MSR"}
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (tmp_path / "res/CAT/CAT_fastCar2.txt").unlink()
    assert main(args + ["--csv", str(tmp_path / "t.csv")]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip() and not line.startswith("trackers:")]
    assert len(err) == 1 and "result file not found" in err[0] and "CAT_fastCar2.txt" in err[0]
    assert not (tmp_path / "t.csv").exists()
