"""``rgbt-track test``: tiny over a LasHeR-layout fixture (real names and ground truth), single process
and under ``torchrun`` with identical outputs, resume, videos, and bad input."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from rgbt_track.cli import main
from rgbt_track.evaluation.one_pass.synthetic import NAMES, build_lasher_layout

COMMON = ["--name", "Tiny", "--arch", "tiny", "--device", "cpu"]


def _test(root: Path, out: Path, *extra: str) -> int:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)            # as each torchrun worker (OMP_NUM_THREADS=1): same float sums
    try:
        return main(["test", "lasher", "--root", str(root), "--out", str(out), *COMMON, *extra])
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def single(tmp_path_factory, shared_data):
    base = tmp_path_factory.mktemp("one_pass")
    root = build_lasher_layout(shared_data, base / "LasHeR")
    (base / "list.txt").write_text("\n".join(NAMES) + "\n")
    assert _test(root, base / "one", "--list", str(base / "list.txt"), "--video-dir", str(base / "videos")) == 0
    return base


def test_writes_the_toolkit_layout_times_videos_and_scores(single, shared_data, capsys):
    folder = single / "one/Tiny_tracking_result"
    assert sorted(p.name for p in folder.glob("*.txt")) == sorted(f"{n}.txt" for n in NAMES)
    for name in NAMES:
        lines = (folder / f"{name}.txt").read_text().splitlines()
        truth = (shared_data / f"rgbt/LasHeR/annos/{name}.txt").read_text().splitlines()[:4]
        assert len(lines) == 4 and [float(v) for v in lines[0].split(",")] == [float(v) for v in truth[0].split(",")]
        assert len((folder / f"times/{name}_time.txt").read_text().split()) == 4
        video = cv2.VideoCapture(str(single / f"videos/{name}.mp4"))
        assert video.get(cv2.CAP_PROP_FRAME_COUNT) == 4 and video.read()[0]
    assert (single / "one/Tiny_scores.csv").read_text().startswith("tracker,PR,NPR,SR\nTiny,")
    capsys.readouterr()
    assert main(["score", "lasher", "--gt", str(single / "LasHeR"), "--results", str(single / "one")]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[0] == "Tiny"


def test_rerun_skips_finished_sequences(single, capsys):
    folder = single / "one/Tiny_tracking_result"
    stamps = {p: p.stat().st_mtime_ns for p in folder.glob("*.txt")}
    (folder / f"{NAMES[1]}.txt").unlink()
    capsys.readouterr()
    assert _test(single / "LasHeR", single / "one", "--no-score") == 0
    assert "tracked 1 of 3 sequences (2 already finished)" in capsys.readouterr().out
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items() if p.name != f"{NAMES[1]}.txt")


def test_rerun_with_other_tracker_settings_is_refused(single, capsys):
    folder = single / "one/Tiny_tracking_result"
    stamps = {p: p.stat().st_mtime_ns for p in folder.glob("*.txt")}
    capsys.readouterr()
    assert _test(single / "LasHeR", single / "one", "--no-score", "--fusion", "l1") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds results of other tracker settings (fusion: 'rfn' -> 'l1')" in err[0], err
    assert {p: p.stat().st_mtime_ns for p in folder.glob("*.txt")} == stamps


@pytest.mark.skipif(shutil.which("torchrun", path=os.path.dirname(sys.executable)) is None, reason="no torchrun")
def test_torchrun_two_processes_write_the_same_files(single):
    torchrun = os.path.join(os.path.dirname(sys.executable), "torchrun")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run([torchrun, "--nproc_per_node", "2", "--master_port", "29547", "-m", "rgbt_track.cli",
                          "test", "lasher", "--root", str(single / "LasHeR"), "--out", str(single / "two"), *COMMON],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "rank 0: tracked" in run.stdout and "rank 1: tracked" in run.stdout
    one, two = single / "one/Tiny_tracking_result", single / "two/Tiny_tracking_result"
    assert sorted(p.name for p in two.glob("*.txt")) == sorted(p.name for p in one.glob("*.txt"))
    for path in one.glob("*.txt"):
        assert (two / path.name).read_bytes() == path.read_bytes(), path.name
    assert (single / "two/Tiny_scores.csv").read_text() == (single / "one/Tiny_scores.csv").read_text()


def _one_error_line(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("rgbt-track")]
    assert len(err) == 1, err
    return err[0]


def test_bad_input_is_one_line_and_writes_nothing(tmp_path, shared_data, capsys):
    root = build_lasher_layout(shared_data, tmp_path / "LasHeR", frames=3, names=NAMES[:2])
    (tmp_path / "list.txt").write_text(f"{NAMES[0]}\nnosuchsequence\n")
    assert _test(root, tmp_path / "out", "--list", str(tmp_path / "list.txt")) == 2
    assert "list.txt" in _one_error_line(capsys) and not (tmp_path / "out").exists()
    first, second = "1blackteacher", "10runone"            # the folders' natural order
    missing = root / second / "visible/v000001.jpg"
    missing.rename(tmp_path / "kept.jpg")
    assert _test(root, tmp_path / "out") == 2
    assert "frame count mismatch" in _one_error_line(capsys) and not (tmp_path / "out").exists()
    (tmp_path / "kept.jpg").rename(missing)
    missing.write_bytes(b"not a jpeg")          # unreadable in the middle of the second sequence
    assert _test(root, tmp_path / "out") == 2
    assert "v000001.jpg" in _one_error_line(capsys)
    folder = tmp_path / "out/Tiny_tracking_result"
    assert [p.name for p in folder.iterdir() if p.is_file()] == [f"{first}.txt"]
    assert len((folder / f"{first}.txt").read_text().splitlines()) == 3


def test_rgbt234_layout_is_what_score_reads(tmp_path, shared_data, capsys):
    source, folder = shared_data / "rgbt/RGBT234/dog11", tmp_path / "RGBT234/dog11"
    for modality, gt in (("visible", "visible.txt"), ("infrared", "infrared.txt")):
        (folder / modality).mkdir(parents=True)
        lines = (source / gt).read_text().splitlines()[:3]
        (folder / gt).write_text("\r\n".join(lines) + "\r\n")
        for name, line in zip((source / f"{modality}_filenames_derived.txt").read_text().split(), lines):
            x, y, w, h = (int(float(v)) for v in line.split(","))
            image = np.full((480, 640, 3), 40, np.uint8)
            image[y:y + h, x:x + w] = 230
            cv2.imwrite(str(folder / modality / name), image)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert main(["test", "rgbt234", "--root", str(tmp_path / "RGBT234"), "--out", str(tmp_path / "out"),
                     *COMMON]) == 0
    finally:
        torch.set_num_threads(threads)
    assert len((tmp_path / "out/Tiny/Tiny_dog11.txt").read_text().splitlines()) == 3
    assert (tmp_path / "out/Tiny_scores.csv").read_text().startswith("tracker,MPR,MSR\nTiny,")
    capsys.readouterr()
    assert main(["score", "rgbt234", "--gt", str(tmp_path / "RGBT234"), "--results", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[0] == "Tiny"


def test_an_error_inside_a_sequence_names_that_sequence(tmp_path, shared_data, capsys):
    root = build_lasher_layout(shared_data, tmp_path / "LasHeR")
    for name in ("init.txt", "visible.txt", "infrared.txt"):  # a first box far outside the frames
        path = root / NAMES[0] / name
        lines = path.read_text().splitlines()
        path.write_text("\n".join(["5000,5000,20,20", *lines[1:]]) + "\n")
    capsys.readouterr()
    assert _test(root, tmp_path / "out", "--no-score") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"sequence {root / NAMES[0]}: " in err[0] and "outside" in err[0], err


def test_score_reads_the_dataset_layout_beside_a_list_file(single, capsys):
    (single / "LasHeR" / "list.txt").write_text("\n".join(NAMES) + "\n")  # a list in the dataset root
    try:
        capsys.readouterr()
        assert main(["score", "lasher", "--gt", str(single / "LasHeR"), "--results", str(single / "one")]) == 0
        assert "Tiny" in capsys.readouterr().out
    finally:
        (single / "LasHeR" / "list.txt").unlink()
