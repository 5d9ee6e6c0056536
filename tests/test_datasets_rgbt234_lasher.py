"""RGBT234 and LasHeR readers on tiny images with the real frame names and real annotation files."""
from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.lasher import load_lasher
from rgbt_track.datasets.rgbt234 import load_rgbt234, load_rgbt234_sequence

JPEG = cv2.imencode(".jpg", np.zeros((4, 6, 3), np.uint8))[1].tobytes()


def _write_frames(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_bytes(JPEG)


def _build_rgbt234(shared: Path, root: Path, name: str) -> dict[str, list[str]]:
    source = shared / "rgbt/RGBT234" / name
    names = {}
    for modality in ("visible", "infrared"):
        names[modality] = (source / f"{modality}_filenames_derived.txt").read_text().split()
        _write_frames(root / name / modality, names[modality])
    for path in source.glob("*.txt"):
        if "derived" not in path.name:
            shutil.copyfile(path, root / name / path.name)
    return names


def test_rgbt234_pairs_by_sorted_order_across_offset_numbering(tmp_path, shared_data):
    expected = {name: _build_rgbt234(shared_data, tmp_path, name) for name in ("afterrain", "baby", "dog11")}
    sequences = {s.name: s for s in load_rgbt234(tmp_path)}
    assert set(sequences) == set(expected)
    baby = sequences["baby"]
    assert len(baby) == 659 and (baby.color[0].name, baby.ir[0].name) == ("00002v.jpg", "00001i.jpg")
    assert (baby.color[-1].name, baby.ir[-1].name) == ("00660v.jpg", "00659i.jpg")
    dog = sequences["dog11"]
    assert (dog.color[0].name, dog.ir[0].name) == ("00040v.jpg", "00039i.jpg")
    for name, names in expected.items():
        assert [p.name for p in sequences[name].color] == names["visible"]
        assert [p.name for p in sequences[name].ir] == names["infrared"]
    # visible.txt wins over init.txt (afterrain's toolkit copy edited its first row); infrared.txt is kept apart
    afterrain = sequences["afterrain"]
    assert afterrain.groundtruth[0].tolist() == [144, 53, 10, 80]
    assert afterrain.groundtruth_ir[0].tolist() == [147, 53, 24, 45]
    info = (shared_data / "rgbt/RGBT234/FRAME_NAMING_derived.txt").read_text()
    assert "baby 659 00002v.jpg 00660v.jpg 659 00001i.jpg 00659i.jpg" in info


def test_rgbt234_falls_back_to_init_and_validates(tmp_path, shared_data):
    _build_rgbt234(shared_data, tmp_path, "dog11")
    folder = tmp_path / "dog11"
    (folder / "visible.txt").unlink()
    init = np.loadtxt(folder / "init.txt", delimiter=",")
    np.testing.assert_array_equal(load_rgbt234_sequence(folder).groundtruth, init)
    lines = (folder / "infrared.txt").read_text().splitlines()
    lines[3] = "1,2,3"
    (folder / "infrared.txt").write_text("\r\n".join(lines) + "\r\n")
    with pytest.raises(InputError, match=r"infrared.txt:4: expected 4 numbers, got 3"):
        load_rgbt234_sequence(folder)
    lines[3] = "10,20,0,5"
    (folder / "infrared.txt").write_text("\r\n".join(lines) + "\r\n")
    with pytest.raises(InputError, match=r"infrared.txt:4: box has zero or negative size"):
        load_rgbt234_sequence(folder)
    sorted((folder / "infrared").iterdir())[0].unlink()
    with pytest.raises(InputError, match="frame count mismatch: 87 in .*visible vs 86 in .*infrared"):
        load_rgbt234_sequence(folder)


def _build_lasher(shared: Path, root: Path, name: str) -> Path:
    gt = shared / "rgbt/LasHeR_toolkit_gt/lasher_gt" / f"{name}.txt"
    count = len(gt.read_text().splitlines())
    # LasHeR numbers frames without a modality letter; names differ in width between releases
    _write_frames(root / name / "visible", [f"v{k:06d}.jpg" for k in range(count)])
    _write_frames(root / name / "infrared", [f"i{k:06d}.jpg" for k in range(count)])
    shutil.copyfile(gt, root / name / "init.txt")
    return root / name


def test_lasher_reads_real_boxes_and_marks_absence(tmp_path, shared_data):
    for name in ("10crosswhite", "1blackteacher"):
        _build_lasher(shared_data, tmp_path, name)
    sequences = load_lasher(tmp_path)
    assert [s.name for s in sequences] == ["1blackteacher", "10crosswhite"]   # natural order
    assert len(sequences[1]) == 249 and sequences[1].groundtruth[0].tolist() == [615, 359, 33, 67]
    path = tmp_path / "10crosswhite" / "init.txt"
    lines = path.read_text().splitlines()
    lines[5], lines[6] = "0,0,0,0", "615,357,-1,69"
    path.write_text("\r\n".join(lines) + "\r\n")
    boxes = load_lasher(tmp_path, names=["10crosswhite"])[0].groundtruth
    assert np.isnan(boxes[5]).all() and np.isnan(boxes[6]).all() and not np.isnan(boxes[7]).any()
    test_names = (shared_data / "rgbt/LasHeR_toolkit_gt/lashertest.txt").read_text().split()
    assert len(test_names) == 245
    with pytest.raises(InputError, match=f"LasHeR sequence not found: .*{test_names[0]}"):
        load_lasher(tmp_path, names=test_names)
