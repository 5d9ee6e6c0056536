"""QPN training data (windows, labels, weights), learning a separable signal, and train-qpn end to end."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from rgbt_runtime import InputError
from rgbt_track.cli import main
from rgbt_track.training.qpn import (QPNTrainConfig, ResponseRecord, class_weights, history_windows,
                                     train_qpn)
from trackers.qpn import LOST, SUCCESS, QualityPredictionNetwork, load_qpn


def _record(ious, sharp_when_good=True, seed=0) -> ResponseRecord:
    """Responses with one sharp peak while IoU > 0.3, flat noise otherwise (peak already at the corner)."""
    rng = np.random.default_rng(seed)
    maps = rng.random((len(ious), 5, 25, 25)).astype(np.float32) * 0.2
    for t, iou in enumerate(ious):
        if (iou > 0.3) == sharp_when_good:
            maps[t, :, 0, 0] = 1.0
    return ResponseRecord("seq", torch.from_numpy(maps), np.asarray(ious, dtype=float))


def test_windows_take_the_label_of_their_last_frame_and_skip_ignored():
    ious = [0.9, 0.8, 0.05, 0.3, np.nan, 0.7, 0.0]
    windows, labels = history_windows([_record(ious)], QPNTrainConfig(history=3))
    assert windows == [(0, 2), (0, 5), (0, 6)]
    assert labels.tolist() == [LOST, SUCCESS, LOST]
    np.testing.assert_allclose(class_weights(np.array([0, 0, 0, 1])), [4 / 6, 4 / 2])


def test_qpn_learns_to_flag_flat_responses_as_lost():
    ious = np.r_[np.full(30, 0.8), np.full(30, 0.02), np.full(30, 0.9), np.full(10, 0.05)]
    records = [_record(ious, seed=s) for s in range(2)]
    qpn, stats = train_qpn(records, QPNTrainConfig(history=4, epochs=8, batch_size=32), progress=False)
    assert isinstance(qpn, QualityPredictionNetwork)
    assert stats["lost"] > 0 and stats["success"] > stats["lost"]
    assert stats["accuracy"] > 0.9 and stats["lost_recall"] > 0.9


def test_one_class_only_is_a_clear_error():
    with pytest.raises(InputError, match="0 lost"):
        train_qpn([_record(np.full(30, 0.9))], QPNTrainConfig(history=4, epochs=1), progress=False)


@pytest.mark.slow
def test_train_qpn_command_end_to_end(tmp_path):
    from rgbt_track.generator import generate_sequences
    from trackers.model import build_model

    generate_sequences(tmp_path / "seqs", count=2, length=24, seed=5, size=(160, 120))
    torch.manual_seed(0)
    weights = tmp_path / "random.pth"
    torch.save(build_model("tiny").state_dict(), weights)  # random weights drift: both labels occur
    out = tmp_path / "qpn.pth"
    code = main(["train-qpn", "--sequences", str(tmp_path / "seqs"), "--checkpoint", str(weights), "--mode", "rgb",
                 "--history", "3", "--epochs", "2", "--out", str(out)])
    assert code == 0  # seeded: the random tracker is both on target and lost in these windows
    qpn, meta = load_qpn(out)
    assert meta["mode"] == "rgb" and meta["arch"] == "tiny" and meta["success"] > 0 and meta["lost"] > 0
    assert qpn.config.history == 3 and not list(tmp_path.glob(".qpn.pth*"))


def test_train_qpn_rejects_bad_arguments(tmp_path, capsys):
    assert main(["train-qpn", "--sequences", str(tmp_path / "none"), "--out", str(tmp_path / "q.pth")]) == 2
    assert main(["train-qpn", "--sequences", str(tmp_path), "--epochs", "0", "--out", str(tmp_path / "q.pth")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("rgbt-track: error:") for line in err)
    assert not (tmp_path / "q.pth").exists()


class _StillTracker:
    """Stays where it is; exposes the state KickedTracker moves."""

    def init(self, frames, box):
        x, y, w, h = box
        self.center, self.size, self.image_size = np.array([x + w / 2, y + h / 2]), np.array([w, h]), (1000, 1000)

    def track(self, frames):
        return self.center.copy()


def test_kicked_tracker_moves_the_state_only_on_its_frames():
    from rgbt_track.training.qpn import KickedTracker

    kicked = KickedTracker(_StillTracker(), {3}, np.random.default_rng(0))
    kicked.init({}, (480, 480, 40, 20))
    centres = [kicked.track({}) for _ in range(5)]
    assert all(np.array_equal(c, [500, 490]) for c in centres[:2])
    jump = np.linalg.norm(centres[2] - centres[1])
    assert 1.5 * 40 <= jump <= 3.0 * 40 and np.array_equal(centres[3], centres[2])
    kicked.init({}, (480, 480, 40, 20))
    assert kicked.frame == 0 and np.array_equal(kicked.track({}), [500, 490])


def test_stopped_and_resumed_training_equals_straight_bit_for_bit(tmp_path):
    rng = np.random.default_rng(3)
    records = [_record(rng.uniform(0, 1, 30), seed=s) for s in range(2)]
    config = QPNTrainConfig(history=4, epochs=2, batch_size=16)
    straight, stats = train_qpn(records, config, progress=False, checkpoint=tmp_path / "a.ckpt")
    train_qpn(records, QPNTrainConfig(history=4, epochs=1, batch_size=16), progress=False,
              checkpoint=tmp_path / "b.ckpt")
    resumed, resumed_stats = train_qpn(records, config, progress=False, checkpoint=tmp_path / "b.ckpt", resume=True)
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name
    assert stats == resumed_stats
    with pytest.raises(InputError, match="different lr"):
        train_qpn(records, QPNTrainConfig(history=4, epochs=3, batch_size=16, lr=1e-2), progress=False,
                  checkpoint=tmp_path / "b.ckpt", resume=True)
