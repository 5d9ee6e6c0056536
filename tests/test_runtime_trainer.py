"""The one training loop: bit-identical resume (RNG states included), one-line refusals, hooks."""
from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from rgbt_runtime import InputError
from rgbt_runtime.trainer import LoopConfig, Trainer, TrainingTask


class NoisyTask(TrainingTask):
    """A linear layer fitted to targets drawn from all three global RNGs each step: a resumed run
    only matches an uninterrupted one when the checkpoint restores every generator."""

    name = "noisy"

    def __init__(self, lr: float = 0.1):
        self.lr, self.validated, self.saved = lr, [], []

    def settings(self) -> dict:
        return {"lr": self.lr}

    def setup(self, ctx) -> None:
        self.layer = torch.nn.Linear(3, 1)

    def model(self):
        return self.layer

    def optimizer(self):
        return torch.optim.Adam(self.layer.parameters(), lr=self.lr)

    def batches(self, start, ctx):
        return (torch.full((2, 3), float(step)) for step in range(start, 10**6))

    def loss(self, network, batch, ctx):
        target = torch.rand(2, 1) + float(np.random.rand()) + random.random()
        loss = torch.nn.functional.mse_loss(network(batch / 10), target)
        return loss, {"loss": loss.item()}

    def validate(self, step):
        self.validated.append(step)

    def state(self):
        return {"validated": list(self.validated)}

    def load_state(self, state):
        self.validated = list(state["validated"])

    def save_outputs(self, step):
        self.saved.append(step)


def _run(path, steps=6, resume=False, stop_at=None, task=None, **loop):
    task = task or NoisyTask()
    Trainer(task, LoopConfig(steps=steps, progress=False, device="cpu", **loop), path).run(resume, stop_at)
    return task


def test_stopped_and_resumed_equals_straight_bit_for_bit(tmp_path):
    straight = _run(tmp_path / "a.pth", validate_every=2, checkpoint_every=4)
    first = _run(tmp_path / "b.pth", validate_every=2, checkpoint_every=4, stop_at=3)
    assert first.saved == [3] and first.validated == [2]
    resumed = _run(tmp_path / "b.pth", validate_every=2, checkpoint_every=4, resume=True)
    for a, b in zip(straight.layer.state_dict().values(), resumed.layer.state_dict().values()):
        assert torch.equal(a, b)
    assert straight.validated == resumed.validated == [2, 4, 6] and resumed.saved == [4, 6]
    saved = torch.load(tmp_path / "b.pth", weights_only=True)
    assert saved["step"] == 6 and saved["task"] == "noisy" and saved["state"]["validated"] == [2, 4, 6]


def test_without_the_rng_states_the_resumed_run_differs(tmp_path):
    straight = _run(tmp_path / "a.pth")
    _run(tmp_path / "b.pth", stop_at=3)
    state = torch.load(tmp_path / "b.pth", weights_only=True)
    state["rng"]["torch"] = torch.manual_seed(123).get_state()
    torch.save(state, tmp_path / "b.pth")
    resumed = _run(tmp_path / "b.pth", resume=True)
    assert not torch.equal(straight.layer.weight, resumed.layer.weight)


def test_resume_refusals_are_one_line_naming_the_file(tmp_path):
    path = tmp_path / "c.pth"
    with pytest.raises(InputError, match="nothing to resume"):
        _run(path, resume=True)
    _run(path, stop_at=2)
    with pytest.raises(InputError, match=r"other settings: different lr \(lr: saved 0.1, now 0.2\)") as err:
        _run(path, resume=True, task=NoisyTask(lr=0.2))
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    other = NoisyTask()
    other.name = "other"
    with pytest.raises(InputError, match="is a 'noisy' checkpoint, not 'other'"):
        _run(path, resume=True, task=other)
    torch.save({"model": {}, "step": 1}, path)
    with pytest.raises(InputError, match="not a rgbt-trainer/1 training checkpoint"):
        _run(path, resume=True)


def test_refuse_existing_keeps_a_checkpoint_from_being_restarted(tmp_path):
    task = NoisyTask()
    task.refuse_existing = True
    _run(tmp_path / "d.pth", steps=1)
    with pytest.raises(InputError, match="pass --resume"):
        _run(tmp_path / "d.pth", steps=1, task=task)


def test_a_diverging_loss_stops_the_run(tmp_path):
    task = NoisyTask(lr=1e30)
    with pytest.raises(RuntimeError, match="diverged"):
        _run(tmp_path / "e.pth", steps=50, task=task)
