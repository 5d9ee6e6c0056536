"""Base-tracker training loop: loss goes down, resume is bit-identical, bad input is one line."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from rgbt_runtime import InputError
from rgbt_track.datasets.got10k import load_got10k_sequences
from trackers.training.base_tracker import (CHECKPOINT_NAME, BaseTrainConfig, build_pair_dataset, learning_rate,
                                           train_base)
from trackers.training.pairs import PairConfig


class BlobSequence:
    """A textured blob drifting over noise; ir = inverted colour."""

    def __init__(self, seed: int, frames: int = 6):
        rng = np.random.default_rng(seed)
        self.background = rng.integers(0, 120, (120, 140), dtype=np.uint8)
        self.patch = rng.integers(150, 255, (24, 18), dtype=np.uint8)
        self.groundtruth = np.array([[40 + 4 * i, 40 + 2 * i, 18, 24] for i in range(frames)], dtype=float)

    def __len__(self) -> int:
        return len(self.groundtruth)

    def read(self, index: int, modality: str) -> np.ndarray:
        img = self.background.copy()
        x, y = (int(v) for v in self.groundtruth[index, :2])
        img[y:y + 24, x:x + 18] = self.patch
        img = img if modality == "color" else 255 - img
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


SMALL = BaseTrainConfig(steps=2, batch_size=2, checkpoint_every=1, lr=1e-3,
                        pairs=PairConfig(search_size=167, negative=0.3))


def test_dataset_items_carry_labels_matching_the_search_size():
    ds = build_pair_dataset([BlobSequence(0), BlobSequence(1)], SMALL)
    item = ds[3]
    assert item["search"].shape == (3, 167, 167) and item["template"].shape == (3, 127, 127)
    assert item["label_cls"].shape == (5, 14, 14) and item["label_loc"].shape == (4, 5, 14, 14)
    assert len(ds) == SMALL.steps * SMALL.batch_size


def test_learning_rate_warms_up_then_decays():
    cfg = BaseTrainConfig(steps=100, lr=1.0, warmup=0.1)
    rates = [learning_rate(cfg, s) for s in range(100)]
    assert rates[0] == pytest.approx(0.1) and rates[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(rates[9:], rates[10:])) and rates[-1] < 0.05


@pytest.mark.slow
def test_resume_reproduces_an_uninterrupted_run_bit_for_bit(tmp_path):
    seqs = [BlobSequence(0), BlobSequence(1)]
    straight = train_base(seqs, SMALL, tmp_path / "a", progress=False)
    train_base(seqs, SMALL, tmp_path / "b", progress=False, stop_at=1)
    assert not (tmp_path / "b" / "model.pth").exists()  # stopped early: only the checkpoint
    resumed = train_base(seqs, SMALL, tmp_path / "b", resume=True, progress=False)
    a, b = torch.load(straight, weights_only=True), torch.load(resumed, weights_only=True)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    fresh = torch.load(tmp_path / "b" / CHECKPOINT_NAME, weights_only=True)
    assert fresh["step"] == 2 and fresh["task"] == "train-base"
    with pytest.raises(InputError, match="other settings: different lr"):
        train_base(seqs, dataclasses.replace(SMALL, lr=5e-4), tmp_path / "b", resume=True, progress=False)


@pytest.mark.parametrize("change, names", [({"steps": 4}, "steps"), ({"arch": "mobilev2"}, "arch")])
def test_resume_refuses_other_steps_or_arch_in_one_line(tmp_path, change, names):
    seqs = [BlobSequence(0)]
    train_base(seqs, dataclasses.replace(SMALL, steps=1), tmp_path, progress=False)
    with pytest.raises(InputError, match=f"different {names} ") as err:
        train_base(seqs, dataclasses.replace(SMALL, **{"steps": 1, **change}), tmp_path, resume=True, progress=False)
    assert "\n" not in str(err.value) and str(tmp_path / CHECKPOINT_NAME) in str(err.value)


def _write_got10k(root: Path, frames: int = 3) -> None:
    seq = root / "GOT-10k_Train_000001"
    seq.mkdir(parents=True)
    for i in range(frames):
        cv2.imwrite(str(seq / f"{i + 1:08d}.jpg"), np.full((40, 50, 3), 30 * i, np.uint8))
    (seq / "groundtruth.txt").write_text("1,2,10,12\n2,3,10,12\n3,4,0,12\n")
    (seq / "absence.label").write_text("0\n1\n0\n")
    (root / "list.txt").write_text("GOT-10k_Train_000001\n")


def test_got10k_reader_uses_rgb_for_both_modalities_and_masks_absent(tmp_path):
    _write_got10k(tmp_path)
    (seq,) = load_got10k_sequences(tmp_path)
    assert len(seq) == 3 and seq.color == seq.ir and seq.attributes["ir_is_rgb"]
    np.testing.assert_array_equal(seq.groundtruth[0], [1, 2, 10, 12])
    assert np.isnan(seq.groundtruth[1]).all() and np.isnan(seq.groundtruth[2]).all()


def test_got10k_reader_rejects_bad_folders(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_got10k_sequences(tmp_path / "missing")
    with pytest.raises(InputError, match="no GOT-10k sequences"):
        load_got10k_sequences(tmp_path)
    (tmp_path / "list.txt").write_text("nope\n")
    with pytest.raises(InputError, match="nope"):
        load_got10k_sequences(tmp_path)
