"""``rfn-nest benchmark-strategies`` end to end with a small random-weight checkpoint."""
from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest
import torch

from fusion.cli import main
from fusion.model import RFNNest, RFNNestConfig, checkpoint_dict
from rgbt_runtime.atomic import save_torch_atomic


@pytest.fixture(autouse=True)
def _no_allocator_change(monkeypatch):
    """``keep_freed_memory`` would change this shared test process's malloc for every later test."""
    monkeypatch.setattr("fusion.commands.model_options.keep_freed_memory", lambda: True)


@pytest.fixture()
def setup(tmp_path):
    torch.manual_seed(0)
    save_torch_atomic(checkpoint_dict(RFNNest(RFNNestConfig())), tmp_path / "model.pth")
    rng = np.random.default_rng(0)
    for i in (1,):
        for folder, prefix in (("ir", "IR"), ("vis", "VIS")):
            (tmp_path / folder).mkdir(exist_ok=True)
            image = cv2.GaussianBlur(rng.integers(0, 256, (44, 48), dtype=np.uint8), (5, 5), 0)
            cv2.imwrite(str(tmp_path / folder / f"{prefix}{i}.png"), image)
    return tmp_path


def _args(root, *extra):
    return ["benchmark-strategies", "--ir-dir", str(root / "ir"), "--vis-dir", str(root / "vis"),
            "--checkpoint", str(root / "model.pth"), "--device", "cpu", "--no-progress", *extra]


@pytest.mark.slow
def test_every_strategy_is_fused_and_scored(setup, capsys):
    out = setup / "table.csv"
    assert main(_args(setup, "--csv", str(out), "--per-image")) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split() == ["method", "En", "SD", "MI", "Nabf", "SCD", "MS_SSIM"]
    assert [line.split()[0] for line in printed[1:7]] == ["add", "max", "l1-norm", "nuclear-norm", "SCA", "RFN-Nest"]
    with open(out) as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["method", "image", "En", "SD", "MI", "Nabf", "SCD", "MS_SSIM"]
    assert len(rows) == 1 + 6
    values = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
    assert np.all(np.isfinite(values))
    assert len({tuple(v) for v in values}) > 1  # strategies give different images


def test_bad_strategy_and_missing_weights_are_one_line_errors(setup, capsys):
    assert main(_args(setup, "--strategies", "add,median")) == 2
    assert "unknown strategy median" in capsys.readouterr().err
    (setup / "model.pth").write_bytes(b"garbage")
    assert main(_args(setup, "--strategies", "add")) == 2
    assert capsys.readouterr().err.count("\n") == 1
