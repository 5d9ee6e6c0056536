"""The shared runtime helpers: atomic writes, checkpoint reading, the CLI scaffolding."""
from __future__ import annotations

import pytest
import torch

from fusion.runtime import InputError, atomic_path, load_state_file, save_torch_atomic


def test_atomic_path_leaves_nothing_on_error(tmp_path):
    dest = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic_path(dest) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_replaces_on_success(tmp_path):
    dest = tmp_path / "out.txt"
    dest.write_text("old")
    with atomic_path(dest) as tmp:
        tmp.write_text("new")
    assert dest.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_load_state_file_round_trip_and_errors(tmp_path):
    good = tmp_path / "good.pth"
    save_torch_atomic({"w": torch.ones(2)}, good)
    assert torch.equal(load_state_file(good)["w"], torch.ones(2))

    nan = tmp_path / "nan.pth"
    save_torch_atomic({"state_dict": {"layer.w": torch.tensor([1.0, float("nan")])}}, nan)
    with pytest.raises(InputError, match="state_dict.layer.w"):
        load_state_file(nan)

    corrupt = tmp_path / "corrupt.pth"
    corrupt.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="corrupt.pth"):
        load_state_file(corrupt)

    with pytest.raises(InputError, match="missing.pth"):
        load_state_file(tmp_path / "missing.pth")


def test_console_scripts_show_help():
    from fusion.cli import main as fusion_main
    from rgbt_track.cli import main as track_main
    for main in (fusion_main, track_main):
        with pytest.raises(SystemExit) as exc:
            main(["--help"])
        assert exc.value.code == 0
