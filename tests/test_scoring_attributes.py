"""RGBT234 attribute-wise scores from per-frame ``<ATTR>.tag`` files on the real ground truth."""
from __future__ import annotations

import csv
import shutil

import numpy as np

from rgbt_track.cli import main
from rgbt_track.scoring.attributes import attribute_scores


def test_attribute_scores_use_only_the_tagged_frames(tmp_path, shared_data):
    gt, res = tmp_path / "gt", tmp_path / "res/T"
    res.mkdir(parents=True)
    for name in ("baby", "dog11"):
        shutil.copytree(shared_data / "rgbt/RGBT234" / name, gt / name)
        boxes = np.loadtxt(gt / name / "visible.txt", delimiter=",")
        wrong = boxes.copy()
        wrong[len(boxes) // 2:, :2] += 500                       # second half lost
        np.savetxt(res / f"T_{name}.txt", wrong, fmt="%g", delimiter=",")
        first_half = (np.arange(len(boxes)) < len(boxes) // 2).astype(int)
        np.savetxt(gt / name / "LI.tag", first_half, fmt="%d")
        np.savetxt(gt / name / "TC.tag", 1 - first_half, fmt="%d")
    scores = {attribute: (count, score) for attribute, count, score in attribute_scores(gt, tmp_path / "res")}
    assert scores["LI"][0] == 2 and scores["LI"][1].mpr == 1.0 and scores["TC"][1].mpr == 0.0
    assert main(["score", "rgbt234", "--gt", str(gt), "--results", str(tmp_path / "res"),
                 "--attributes", str(tmp_path / "a.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "a.csv").open()))
    assert [(r["attribute"], r["MPR"]) for r in rows] == [("LI", "100.00"), ("TC", "0.00")]
