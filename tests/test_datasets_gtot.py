"""GTOT reader on tiny images laid out with the real GTOT file names and real annotation files."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.gtot import load_gtot, load_gtot_sequence

TINY = np.zeros((480, 640), np.uint8)  # GTOT's largest frame size: every real box lies inside it
_ENCODED: dict[str, bytes] = {}


def tiny_image_bytes(ext: str) -> bytes:
    """A blank 640x480 image encoded once per extension (writing bytes is much faster than imwrite per frame)."""
    if ext not in _ENCODED:
        _ENCODED[ext] = cv2.imencode(ext, TINY)[1].tobytes()
    return _ENCODED[ext]
_LINE = re.compile(r"^(\S+)\s+n_v=\s*(\d+)\s+n_i=\s*(\d+)\s+n_gt=\s*(\d+)\s+v:(\S+)\.\.(\S+)\s+i:(\S+)\.\.(\S+)\s+"
                   r"orig_ext_v=\['(\S+)'\]\s+orig_ext_i=\['(\S+)'\]")


def _naming_table(shared: Path) -> dict[str, dict]:
    table = {}
    for line in (shared / "rgbt/GTOT/FRAME_NAMING_derived.txt").read_text().splitlines():
        match = _LINE.match(line)
        if match:
            name, n_v, n_i, n_gt, v_tpl, v_first, i_tpl, i_first, ext_v, ext_i = match.groups()
            table[name] = dict(n=int(n_v), n_i=int(n_i), n_gt=int(n_gt), v=(v_tpl, v_first, ext_v),
                               i=(i_tpl, i_first, ext_i))
    return table


def _names_from_pattern(template: str, first: str, count: int, ext: str) -> list[str]:
    """``99999999_inf.jpg`` + first ``00000141_inf.jpg`` -> consecutive names with the original extension."""
    prefix, digits, suffix = re.match(r"^(\D*)(9+)(.*)\.jpg$", template).groups()
    start = int(re.match(rf"^{re.escape(prefix)}(\d+)", first).group(1))
    return [f"{prefix}{start + k:0{len(digits)}d}{suffix}{ext}" for k in range(count)]


def _frame_names(shared: Path, name: str, info: dict, modality: str) -> list[str]:
    derived = shared / "rgbt/GTOT" / name / f"{modality}_filenames_derived.txt"
    ext = info[modality][2]
    if derived.is_file():  # the real listing (re-encoded as .jpg there; originals have `ext`)
        return [Path(n).stem + ext for n in derived.read_text().split()]
    return _names_from_pattern(info[modality][0], info[modality][1], info["n"], ext)


def _build(shared: Path, root: Path, name: str, info: dict) -> tuple[list[str], list[str]]:
    folder = root / name
    names = {}
    for modality in ("v", "i"):
        (folder / modality).mkdir(parents=True)
        names[modality] = _frame_names(shared, name, info, modality)
        for file_name in names[modality]:
            (folder / modality / file_name).write_bytes(tiny_image_bytes(Path(file_name).suffix))
    for file_name in ("groundTruth_v.txt", "groundTruth_i.txt", "init.txt"):
        shutil.copyfile(shared / "rgbt/GTOT_annotations" / name / file_name, folder / file_name)
    (folder / "v" / "Thumbs.db").write_bytes(b"not an image")  # non-image files are ignored
    return names["v"], names["i"]


def _naming_cases(shared: Path) -> dict[str, dict]:
    """One sequence per distinct (visible pattern, thermal pattern, extension) plus Otcbvs' even/odd names."""
    cases = {}
    for name, info in _naming_table(shared).items():
        key = (info["v"][0], info["i"][0], info["v"][2])
        cases.setdefault(key, (name, info))
    return dict(cases.values())


def test_every_real_naming_case_pairs_by_sorted_index(tmp_path, shared_data):
    cases = _naming_cases(shared_data)
    assert {"BlackCar", "BlackSwan1", "BusScale", "DarkNig", "FastCarNig", "occBike", "Otcbvs"} <= set(cases)
    expected = {name: _build(shared_data, tmp_path, name, info) for name, info in cases.items()}
    sequences = {s.name: s for s in load_gtot(tmp_path)}
    assert set(sequences) == set(cases)
    for name, (v_names, i_names) in expected.items():
        sequence = sequences[name]
        assert len(sequence) == cases[name]["n"] == cases[name]["n_gt"]
        assert [p.name for p in sequence.color] == sorted(v_names)
        assert [p.name for p in sequence.ir] == sorted(i_names)
    otcbvs = sequences["Otcbvs"]
    assert (otcbvs.color[1].name, otcbvs.ir[1].name) == ("img_00002.bmp", "img_00003.bmp")
    # boxes: x y w h with w = x2 - x1, equal to GTOT's own init.txt
    init = np.loadtxt(shared_data / "rgbt/GTOT_annotations/BlackCar/init.txt", delimiter="\t")
    np.testing.assert_array_equal(sequences["BlackCar"].groundtruth, init)
    assert sequences["BlackCar"].groundtruth[0].tolist() == [209, 155, 100, 63]
    raw_i = np.loadtxt(shared_data / "rgbt/GTOT_annotations/DarkNig/groundTruth_i.txt")
    np.testing.assert_array_equal(sequences["DarkNig"].groundtruth_ir[:, 2], raw_i[:, 2] - raw_i[:, 0])
    assert sequences["DarkNig"].read(0, "ir").shape == (*TINY.shape, 3)


@pytest.fixture()
def black_car(tmp_path, shared_data) -> Path:
    _build(shared_data, tmp_path, "BlackCar", _naming_table(shared_data)["BlackCar"])
    return tmp_path / "BlackCar"


def test_count_mismatch_and_missing_folder_name_the_folder(black_car):
    next(iter(sorted((black_car / "i").iterdir()))).unlink()
    with pytest.raises(InputError, match=r"frame count mismatch: 115 in .*BlackCar/v vs 114 in .*BlackCar/i"):
        load_gtot_sequence(black_car)
    with pytest.raises(InputError, match="no GTOT sequences"):
        load_gtot(black_car)
    with pytest.raises(InputError, match="GTOT folder not found"):
        load_gtot(black_car / "nope")


def test_malformed_line_names_file_and_line(black_car):
    path = black_car / "groundTruth_i.txt"
    lines = path.read_text().splitlines()
    lines[6] = "209 155 x 218"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"groundTruth_i.txt:7: not a list of numbers"):
        load_gtot_sequence(black_car)
    lines[6] = "209 155 209 218"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"groundTruth_i.txt:7: box has zero or negative size"):
        load_gtot_sequence(black_car)
    path.write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(InputError, match=r"groundTruth_i.txt: 114 boxes for 115 frames"):
        load_gtot_sequence(black_car)


def test_empty_frame_folder(black_car):
    shutil.rmtree(black_car / "v")
    (black_car / "v").mkdir()
    with pytest.raises(InputError, match="no image files in .*BlackCar/v"):
        load_gtot_sequence(black_car)
