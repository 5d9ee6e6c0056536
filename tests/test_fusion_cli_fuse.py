"""``rfn-nest fuse``: one pair, folders, colour, strategies, and every kind of bad input."""
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from fusion.cli import main
from fusion.model import RFNNest, RFNNestConfig, checkpoint_dict


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def allocator_calls(monkeypatch):
    """Records ``keep_freed_memory`` calls instead of changing this (shared) test process's malloc."""
    calls = []
    monkeypatch.setattr("fusion.commands.model_options.keep_freed_memory", lambda: calls.append(1) or True)
    return calls


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pth"
    torch.save(checkpoint_dict(RFNNest(RFNNestConfig((4, 6, 8, 10), 4))), path)
    return path


def _img(path, seed, shape=(30, 41)):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8))
    return path


def _fuse(*args):
    return main(["fuse", *map(str, args)])


def _error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rfn-nest: error: ")
    return err[0]


def test_one_pair_with_preview(tmp_path, ckpt):
    ir, vis = _img(tmp_path / "ir.png", 1), _img(tmp_path / "vis.png", 2)
    assert _fuse("--ir", ir, "--vis", vis, "--out", tmp_path / "o" / "f.png", "--preview", tmp_path / "p.png",
                 "--checkpoint", ckpt, "--device", "cpu") == 0
    fused = cv2.imread(str(tmp_path / "o" / "f.png"), cv2.IMREAD_UNCHANGED)
    assert fused.shape == (30, 41) and fused.min() == 0 and fused.max() >= 254
    assert cv2.imread(str(tmp_path / "p.png")).shape[:2] == (30, 3 * 41 + 8)
    assert _fuse("--ir", ir, "--vis", vis, "--out", tmp_path / "l1.png", "--checkpoint", ckpt, "--strategy", "l1") == 0
    assert not np.array_equal(cv2.imread(str(tmp_path / "l1.png"), 0), fused)


def test_low_memory_changes_nothing_but_the_allocator(tmp_path, ckpt, allocator_calls):
    ir, vis = _img(tmp_path / "ir.png", 1), _img(tmp_path / "vis.png", 2)
    assert _fuse("--ir", ir, "--vis", vis, "--out", tmp_path / "low.png", "--checkpoint", ckpt, "--low-memory") == 0
    assert allocator_calls == []
    assert _fuse("--ir", ir, "--vis", vis, "--out", tmp_path / "kept.png", "--checkpoint", ckpt) == 0
    assert allocator_calls == [1]
    assert np.array_equal(cv2.imread(str(tmp_path / "low.png"), 0), cv2.imread(str(tmp_path / "kept.png"), 0))


def test_colour_visible_keeps_colour(tmp_path, ckpt):
    ir = _img(tmp_path / "ir.png", 1)
    vis = _img(tmp_path / "vis.png", 2, (30, 41, 3))
    assert _fuse("--ir", ir, "--vis", vis, "--out", tmp_path / "f.png", "--checkpoint", ckpt) == 0
    assert cv2.imread(str(tmp_path / "f.png"), cv2.IMREAD_UNCHANGED).shape == (30, 41, 3)


def test_size_mismatch_and_resize(tmp_path, ckpt, capsys):
    ir, vis = _img(tmp_path / "ir.png", 1), _img(tmp_path / "vis.png", 2, (60, 82))
    assert _fuse("--ir", ir, "--vis", vis, "--out", tmp_path / "f.png", "--checkpoint", ckpt) == 2
    assert "use --resize" in _error_line(capsys)
    assert not (tmp_path / "f.png").exists()
    assert _fuse("--ir", ir, "--vis", vis, "--out", tmp_path / "f.png", "--checkpoint", ckpt, "--resize") == 0
    assert cv2.imread(str(tmp_path / "f.png"), 0).shape == (30, 41)


def test_bad_inputs_leave_nothing(tmp_path, ckpt, capsys):
    ir, vis = _img(tmp_path / "ir.png", 1), _img(tmp_path / "vis.png", 2)
    tiny = _img(tmp_path / "tiny.png", 3, (12, 40))
    (tmp_path / "text.png").write_text("hello")
    (tmp_path / "cut.png").write_bytes(ir.read_bytes()[:200])  # a truncated PNG
    (tmp_path / "corrupt.pth").write_bytes(b"\x00" * 50)
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pth")
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "out" / "o.png"  # its folder must not appear either
    cases = [
        (["--ir", tmp_path / "text.png", "--vis", vis, "--out", out, "--checkpoint", ckpt], "cannot read image"),
        (["--ir", ir, "--vis", tmp_path / "cut.png", "--out", out, "--checkpoint", ckpt], "cannot read image"),
        (["--ir", tmp_path, "--vis", vis, "--out", out, "--checkpoint", ckpt], "is a folder, not an image"),
        (["--ir", tiny, "--vis", tiny, "--out", out, "--checkpoint", ckpt], "at least 16x16"),
        (["--ir", ir, "--vis", vis, "--out", out, "--checkpoint", tmp_path / "corrupt.pth"], "cannot read checkpoint"),
        (["--ir", ir, "--vis", vis, "--out", out, "--checkpoint", tmp_path / "other.pth"], "not an rfn-nest checkpoint"),
        (["--ir", ir, "--vis", vis, "--out", tmp_path / "afile" / "o.png", "--checkpoint", ckpt], "afile is a file, not a folder"),
        (["--ir", ir, "--vis", vis, "--out", tmp_path / "o.xyz", "--checkpoint", ckpt], "extension"),
        (["--ir", ir, "--vis", vis, "--checkpoint", ckpt], "give --ir, --vis and --out"),
        (["--ir", ir, "--vis", vis, "--out", tmp_path / "o.png", "--rfn", ckpt], "--rfn needs --autoencoder"),
        (["--ir", ir, "--vis", vis, "--out", tmp_path / "o.png", "--checkpoint", ckpt, "--device", "cuda:7"]
         if not torch.cuda.is_available() else ["--ir", tmp_path / "nope.png", "--vis", vis, "--out", tmp_path / "o.png"],
         "CUDA is not available" if not torch.cuda.is_available() else "image not found"),
    ]
    for args, message in cases:
        assert _fuse(*args) == 2
        assert message in _error_line(capsys)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["afile", "corrupt.pth", "cut.png", "ir.png", "other.pth",
                                                           "text.png", "tiny.png", "vis.png"]


def test_unwritable_output_folder(tmp_path, ckpt, capsys, monkeypatch):
    """A folder the user may not write to (simulated: the tests may run as root, who may write anywhere)."""
    ir, vis = _img(tmp_path / "ir.png", 1), _img(tmp_path / "vis.png", 2)
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == locked else real_access(path, mode))
    assert _fuse("--ir", ir, "--vis", vis, "--out", locked / "f.png", "--checkpoint", ckpt) == 2
    assert "is not writable" in _error_line(capsys)
    assert list(locked.iterdir()) == []


def test_folder_mode(tmp_path, ckpt, capsys):
    for i in (1, 2, 3):
        _img(tmp_path / "ir" / f"IR{i}.png", i, (24 + i, 33))
        _img(tmp_path / "vis" / f"VIS{i}.png", 10 + i, (24 + i, 33))
    assert _fuse("--ir-dir", tmp_path / "ir", "--vis-dir", tmp_path / "vis", "--out-dir", tmp_path / "out",
                 "--checkpoint", ckpt) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["fused_IR1.png", "fused_IR2.png", "fused_IR3.png"]
    assert cv2.imread(str(tmp_path / "out" / "fused_IR2.png"), 0).shape == (26, 33)
    capsys.readouterr()
    # one bad pair anywhere: nothing is written at all
    _img(tmp_path / "vis" / "VIS3.png", 5, (20, 20))
    assert _fuse("--ir-dir", tmp_path / "ir", "--vis-dir", tmp_path / "vis", "--out-dir", tmp_path / "out2",
                 "--checkpoint", ckpt) == 2
    assert "IR3.png is 33x27 but VIS3.png is 20x20" in _error_line(capsys)
    assert not (tmp_path / "out2").exists()


def test_folder_mode_in_worker_processes(tmp_path, ckpt):
    """--workers 2 (two spawned processes, largest pair first) writes what one process writes."""
    for i in (1, 2, 3):
        _img(tmp_path / "ir" / f"IR{i}.png", i, (24 + 4 * i, 33))
        _img(tmp_path / "vis" / f"VIS{i}.png", 10 + i, (24 + 4 * i, 33))
    for workers in ("1", "2"):
        assert _fuse("--ir-dir", tmp_path / "ir", "--vis-dir", tmp_path / "vis", "--out-dir", tmp_path / workers,
                     "--checkpoint", ckpt, "--workers", workers) == 0
    for i in (1, 2, 3):
        one, two = (cv2.imread(str(tmp_path / w / f"fused_IR{i}.png"), 0).astype(int) for w in ("1", "2"))
        assert one.shape == (24 + 4 * i, 33) and np.abs(one - two).max() <= 1  # float rounding of other thread counts


def test_help_lists_everything(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["fuse", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--ir-dir", "--autoencoder", "--rfn", "--strategy", "--preview", "--resize", "--device", "--dtype"):
        assert flag in out
