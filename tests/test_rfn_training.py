"""RFN training loop: frozen tracker, checkpoints, resume, world of one through the DDP path."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch

from rgbt_runtime import InputError
from rgbt_track.datasets.sequence import RGBTSequence
from rgbt_track.rfn.model import load_rfn
from rgbt_track.rfn.training import RFNTrainConfig, split_validation, train_rfn
from trackers.model import build_model
from trackers.training.pairs import PairConfig, PairDataset


def _write_sequences(root, count=2, frames=3, size=96):
    rng = np.random.default_rng(0)
    sequences = []
    for s in range(count):
        color, ir, gt = [], [], []
        for f in range(frames):
            x, y = 30 + 3 * f + 5 * s, 34 + 2 * f
            rgb = rng.integers(0, 120, (size, size, 3), dtype=np.uint8)
            rgb[y:y + 20, x:x + 24] = (40, 200, 90)
            thermal = np.full((size, size, 3), 30, np.uint8)
            thermal[y:y + 20, x:x + 24] = 230
            for kind, img, paths in (("color", rgb, color), ("ir", thermal, ir)):
                path = root / f"seq{s}" / kind / f"{f + 1:08d}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(path), img)
                paths.append(path)
            gt.append([x, y, 24, 20])
        sequences.append(RGBTSequence(f"seq{s}", color, ir, np.array(gt, dtype=float)))
    return sequences


@pytest.fixture(scope="module")
def sequences(tmp_path_factory):
    return _write_sequences(tmp_path_factory.mktemp("seqs"))


def _tracker():
    torch.manual_seed(0)
    return build_model("tiny")


def _pairs(sequences, n=64):
    # template-sized search crops keep the test fast (the neck crops both to 7x7)
    return PairDataset(sequences, pairs=n, seed=5, config=PairConfig(negative=0.0, search_size=127))


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


@pytest.mark.slow
def test_only_the_rfn_learns_and_the_tracker_is_bit_identical(sequences, tmp_path):
    model = _tracker()
    before = _state(model)
    seen = []
    cfg = RFNTrainConfig(max_steps=2, batch_size=2, checkpoint_every=1)
    rfn = train_rfn(model, _pairs(sequences), tmp_path, cfg, progress=False,
                    validate=lambda fusion: seen.append(fusion.training) or {"fused": 0.5})
    after = model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)  # running stats included
    assert not model.training and not any(m.training for m in model.modules())
    assert all(not p.requires_grad for p in model.parameters())
    untrained = type(rfn)(rfn.channels, rfn.config).state_dict().values()
    assert any(not torch.equal(a, b) for a, b in zip(rfn.state_dict().values(), untrained))
    assert seen == [False]  # validated once, at the end, in eval mode
    loaded, meta = load_rfn(tmp_path / "rfn.pth")
    assert meta["arch"] == "tiny" and meta["step"] == 2
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), rfn.state_dict().values()))
    assert json.loads((tmp_path / "validation.json").read_text()) == [{"step": 2, "fused": 0.5}]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


@pytest.mark.slow
def test_interrupted_and_resumed_equals_straight(sequences, tmp_path):
    cfg = RFNTrainConfig(max_steps=3, batch_size=2, checkpoint_every=1)
    straight = train_rfn(_tracker(), _pairs(sequences), tmp_path / "a", cfg, progress=False)
    train_rfn(_tracker(), _pairs(sequences), tmp_path / "b", RFNTrainConfig(max_steps=1, batch_size=2), progress=False)
    resumed = train_rfn(_tracker(), _pairs(sequences), tmp_path / "b", cfg, resume=True, progress=False)
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name
    saved = torch.load(tmp_path / "b" / "checkpoint.pth", weights_only=True)
    assert saved["step"] == 3


@pytest.mark.slow
def test_resume_guards(sequences, tmp_path):
    cfg = RFNTrainConfig(max_steps=1, batch_size=2)
    with pytest.raises(InputError, match="nothing to resume"):
        train_rfn(_tracker(), _pairs(sequences), tmp_path, cfg, resume=True, progress=False)
    train_rfn(_tracker(), _pairs(sequences), tmp_path, cfg, progress=False)
    with pytest.raises(InputError, match="--resume"):
        train_rfn(_tracker(), _pairs(sequences), tmp_path, cfg, progress=False)
    with pytest.raises(InputError, match="different lr"):
        train_rfn(_tracker(), _pairs(sequences), tmp_path, RFNTrainConfig(max_steps=2, batch_size=2, lr=1e-3),
                  resume=True, progress=False)
    with pytest.raises(InputError, match="needs 40"):
        train_rfn(_tracker(), _pairs(sequences, n=8), tmp_path / "c", RFNTrainConfig(max_steps=10, batch_size=4),
                  progress=False)


def test_split_validation_holds_out_the_last_sequences():
    assert split_validation(list("abcdefghij"), 0.2) == (list("abcdefgh"), ["i", "j"])
    assert split_validation(list("abc"), 0.1) == (["a", "b"], ["c"])
    assert split_validation(["a"], 0.5) == (["a"], [])
    assert split_validation(list("ab"), 0.0) == (["a", "b"], [])
    assert split_validation(list("ab"), 1.0) == (["a"], ["b"])
