"""``rgbt-track track``: output format, modes, and one-line errors that leave nothing on disk."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from rgbt_track.cli import main
from trackers.model import build_model

N_FRAMES = 5


def _write_frames(folder: Path, count=N_FRAMES, size=(64, 80), gray=False, seed=0):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        shape = size if gray else (*size, 3)
        img = rng.integers(0, 255, shape, dtype=np.uint8)
        cv2.imwrite(str(folder / f"{i:08d}.png"), img)
    return folder


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("track")
    torch.manual_seed(0)
    checkpoint = root / "tiny.pth"
    torch.save({"state_dict": build_model("tiny").state_dict()}, checkpoint)
    return {"color": _write_frames(root / "color"), "ir": _write_frames(root / "ir", gray=True, seed=1),
            "checkpoint": checkpoint, "root": root}


def _run(capsys, data, *extra, out=None, color=True, ir=True, checkpoint=True):
    argv = ["track", "--init", "10,12,20,16", "--out", str(out)]
    if color:
        argv += ["--color", str(data["color"] if color is True else color)]
    if ir:
        argv += ["--ir", str(data["ir"] if ir is True else ir)]
    if checkpoint:
        argv += ["--checkpoint", str(data["checkpoint"] if checkpoint is True else checkpoint)]
    code = main(argv + list(extra))
    return code, capsys.readouterr()


@pytest.mark.parametrize("mode, color, ir", [("fused", True, True), ("rgb", True, False), ("ir", False, True)])
def test_writes_one_box_per_frame(tmp_path, capsys, data, mode, color, ir):
    out = tmp_path / "sub" / "boxes.txt"
    code, captured = _run(capsys, data, "--mode", mode, out=out, color=color, ir=ir)
    assert code == 0, captured.err
    lines = out.read_text().splitlines()
    assert len(lines) == N_FRAMES
    assert lines[0] == "10.0000,12.0000,20.0000,16.0000"
    boxes = np.array([[float(v) for v in line.split(",")] for line in lines])
    assert boxes.shape == (N_FRAMES, 4) and np.isfinite(boxes).all() and (boxes[1:, 2:] >= 10).all()
    assert f"({'tiny'}, {mode}" in captured.out
    assert sorted(p.name for p in out.parent.iterdir()) == ["boxes.txt"]


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_lower_precisions_write_the_same_kind_of_output(tmp_path, capsys, data, precision):
    code, captured = _run(capsys, data, "--precision", precision, out=tmp_path / "boxes.txt")
    assert code == 0, captured.err
    boxes = np.loadtxt(tmp_path / "boxes.txt", delimiter=",")
    assert boxes.shape == (N_FRAMES, 4) and np.isfinite(boxes).all()


def test_fp16_on_a_cpu_is_a_one_line_error(tmp_path, capsys, data):
    code, captured = _run(capsys, data, "--precision", "fp16", out=tmp_path / "fp16.txt")
    assert code == 2 and "fp16 precision needs a CUDA device" in captured.err
    assert not (tmp_path / "fp16.txt").exists()


def test_default_mode_follows_the_folders(tmp_path, capsys, data):
    code, captured = _run(capsys, data, out=tmp_path / "a.txt", ir=False)
    assert code == 0 and "rgb" in captured.out
    code, captured = _run(capsys, data, out=tmp_path / "b.txt")
    assert code == 0 and "fused" in captured.out


def _assert_user_error(code, captured, out: Path, pattern: str):
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rgbt-track: error:"), captured.err
    assert pattern in lines[0], lines[0]
    assert not out.exists()
    if out.parent.exists():
        assert not any(p.name.startswith(f".{out.name}") for p in out.parent.iterdir())


def test_mismatched_counts(tmp_path, capsys, data):
    short = _write_frames(tmp_path / "ir_short", count=N_FRAMES - 1)
    out = tmp_path / "o.txt"
    _assert_user_error(*_run(capsys, data, out=out, ir=short), out, f"has {N_FRAMES} frames but")


def test_mismatched_sizes(tmp_path, capsys, data):
    small = _write_frames(tmp_path / "ir_small", size=(64, 70))
    out = tmp_path / "o.txt"
    _assert_user_error(*_run(capsys, data, out=out, ir=small), out,
                       f"color/00000000.png is 80x64 but {small / '00000000.png'} is 70x64")


def test_unreadable_frame_midway_leaves_nothing(tmp_path, capsys, data):
    broken = _write_frames(tmp_path / "broken")
    (broken / "00000003.png").write_bytes(b"not an image")
    out = tmp_path / "o.txt"
    _assert_user_error(*_run(capsys, data, "--mode", "rgb", out=out, color=broken, ir=False), out,
                       "00000003.png")


def test_missing_and_empty_folders(tmp_path, capsys, data):
    out = tmp_path / "o.txt"
    _assert_user_error(*_run(capsys, data, out=out, color=tmp_path / "nope"), out, "frame folder not found")
    (tmp_path / "empty").mkdir()
    _assert_user_error(*_run(capsys, data, out=out, ir=tmp_path / "empty"), out, "no image files")
    _assert_user_error(*_run(capsys, data, "--mode", "fused", out=out, ir=False), out, "fused mode needs --ir")


@pytest.mark.parametrize("init, message", [("10,12,0,16", "width and height must be positive"),
                                           ("10,12,20,-3", "width and height must be positive"),
                                           ("200,12,20,16", "outside the 80x64 image"),
                                           ("10,12,20", "--init expects x,y,w,h"),
                                           ("a,b,c,d", "--init expects x,y,w,h")])
def test_bad_boxes(tmp_path, capsys, data, init, message):
    out = tmp_path / "o.txt"
    code = main(["track", "--color", str(data["color"]), "--init", init, "--out", str(out),
                 "--checkpoint", str(data["checkpoint"])])
    _assert_user_error(code, capsys.readouterr(), out, message)


def test_bad_checkpoints(tmp_path, capsys, data):
    out = tmp_path / "o.txt"
    state = build_model("tiny").state_dict()
    state["rpn_head.cls_weight"] = torch.tensor([0.0, float("nan"), 1.0])
    nan_file = tmp_path / "nan.pth"
    torch.save(state, nan_file)
    _assert_user_error(*_run(capsys, data, out=out, checkpoint=nan_file), out, "NaN/Inf values in 'rpn_head.cls_weight'")
    _assert_user_error(*_run(capsys, data, out=out, checkpoint=tmp_path / "none.pth"), out, "checkpoint not found")
    _assert_user_error(*_run(capsys, data, "--arch", "mobilev2", "--fusion", "l1", out=out), out, "does not fit the 'mobilev2' model")


def test_out_is_a_folder(tmp_path, capsys, data):
    code, captured = _run(capsys, data, out=tmp_path)
    assert code == 2 and "--out is a folder" in captured.err and len(captured.err.strip().splitlines()) == 1


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["track", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for option in ("--color", "--ir", "--init", "--mode", "--arch", "--checkpoint", "--device", "--precision", "--out"):
        assert option in text
