"""One training loop for every model of the package, in the style of pytracking's ``BaseTrainer``.

A :class:`TrainingTask` says what one run computes (its modules, optimiser, batches, loss,
learning-rate schedule, validation and output files); :class:`Trainer` owns everything else:
seeding, the process group under ``torchrun`` (DistributedDataParallel over the task's network;
a world of one process otherwise), the step loop with a tqdm bar, periodic validation, atomic
checkpoints and resuming.

One checkpoint format for every task (a dict read back with ``weights_only=True``)::

    {"format": "rgbt-trainer/1", "task": name, "step": optimiser steps done,
     "model": the task model's state dict, "optimizer": its state dict,
     "rng": Python / NumPy / torch / CUDA generator states (rank 0's),
     "settings": the settings that change the result of a step (plus the world size),
     "state": the task's own resumable state (e.g. the validation history),
     ...the task's extra top-level entries (e.g. the model architecture)}

Resuming restores all of it and reproduces the uninterrupted run bit for bit (same machine, same
thread count): the data of step ``s`` is a function of ``s`` alone (:meth:`TrainingTask.batches`
starts at any step), and the learning rate is a function of the step. A checkpoint of another
task, or one whose settings differ from the run's, is refused with one line naming the file and
the settings that differ, before any weight is loaded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset
from tqdm import tqdm

from rgbt_runtime.atomic import save_torch_atomic
from rgbt_runtime.checkpoint_file import load_state_file
from rgbt_runtime.distributed import DistContext, init_distributed
from rgbt_runtime.errors import InputError
from rgbt_runtime.rng_state import rng_states, set_rng_states
from rgbt_runtime.seeding import seed_everything

FORMAT = "rgbt-trainer/1"
_REQUIRED = ("format", "task", "step", "model", "optimizer", "rng", "settings")


@dataclass(frozen=True)
class LoopConfig:
    """The loop's own settings (the task holds those of the model and the data)."""

    steps: int
    """Optimiser steps of the whole run (the end of the learning-rate schedule)."""
    checkpoint_every: int = 100
    """Steps between atomic checkpoints (the most a killed run loses); the last step always saves."""
    validate_every: int = 0
    """Steps between validations; 0 validates once, after the last step."""
    seed: int = 0
    device: str | None = None
    """None: CUDA (this process's local GPU) when available, else CPU."""
    progress: bool = True

    def __post_init__(self) -> None:
        for name in ("steps", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.validate_every < 0:
            raise InputError(f"validate_every must be >= 0, got {self.validate_every}")


class TrainingTask:
    """What one training run computes. Subclasses override what they need; the loop is the trainer's.

    Order of calls: :meth:`setup` (after seeding), :meth:`optimizer`, on resume :meth:`load_state`,
    then per step :meth:`learning_rate`, :meth:`loss` on a batch of :meth:`batches`; on the main
    process :meth:`validate`, :meth:`save_outputs` at each checkpoint and :meth:`finish` at the end.
    """

    name = "train"
    grad_clip: float | None = None
    """Clip the gradient norm of :meth:`model`'s parameters to this value before each step."""
    refuse_existing = False
    """Refuse to start afresh over an existing checkpoint (only ``resume`` continues it)."""

    def settings(self) -> dict:
        """Settings that change the result of a step; a resumed run must have the same ones."""
        return {}

    def setup(self, ctx: DistContext) -> None:
        """Build or move the modules onto ``ctx.device`` (the global RNGs are seeded already)."""

    def model(self) -> nn.Module:
        """The module whose weights are trained and checkpointed."""
        raise NotImplementedError

    def network(self) -> nn.Module:
        """What DistributedDataParallel wraps; its forward is called by :meth:`loss`."""
        return self.model()

    def optimizer(self) -> torch.optim.Optimizer:
        raise NotImplementedError

    def learning_rate(self, step: int) -> float | None:
        """Learning rate of ``step`` (0-based); None keeps the optimiser's."""
        return None

    def batches(self, start: int, ctx: DistContext) -> Iterable:
        """This process's batches of steps ``start``, ``start + 1``, ... (a function of the step only)."""
        raise NotImplementedError

    def loss(self, network: nn.Module, batch: Any, ctx: DistContext) -> tuple[torch.Tensor, dict[str, float]]:
        """``(scalar loss, named floats for the progress bar)`` of one batch."""
        raise NotImplementedError

    def train_mode(self) -> None:
        self.model().train()

    def validate(self, step: int) -> None:
        """Main process, every ``validate_every`` steps and after the last one."""

    def state(self) -> dict:
        """The task's own resumable state (plain values and tensors)."""
        return {}

    def load_state(self, state: dict) -> None:
        """Restore what :meth:`state` returned."""

    def entries(self) -> dict:
        """Extra top-level entries of the checkpoint file (e.g. what rebuilds the model)."""
        return {}

    def save_outputs(self, step: int) -> None:
        """Main process, after each checkpoint: write the files users read (e.g. the weights file)."""

    def finish(self, step: int) -> None:
        """Main process, once the run reached its last step."""


def plain(value: Any) -> Any:
    """``value`` as JSON would give it back (tuples become lists), so saved and new settings compare."""
    return json.loads(json.dumps(value))


def rank_batches(dataset: Dataset, ctx: DistContext, batch_size: int, start: int, stop: int,
                 workers: int = 0) -> DataLoader:
    """Batches of steps ``start .. stop - 1`` for this process, in order.

    Item ``j`` of step ``s`` is ``dataset[rank + world_size * (s * batch_size + j)]``: what a
    non-shuffling ``DistributedSampler`` gives, from any step on.
    """
    indices = [ctx.rank + ctx.world_size * k for k in range(start * batch_size, stop * batch_size)]
    return DataLoader(Subset(dataset, indices), batch_size=batch_size, shuffle=False, num_workers=workers,
                      drop_last=True, generator=torch.Generator().manual_seed(0))


class Trainer:
    """Runs a :class:`TrainingTask` for ``config.steps`` steps, checkpointing to ``checkpoint``.

    ``checkpoint`` None trains without checkpoints (and cannot resume).
    """

    def __init__(self, task: TrainingTask, config: LoopConfig, checkpoint: str | Path | None,
                 ctx: DistContext | None = None):
        self.task, self.config = task, config
        self.checkpoint = Path(checkpoint) if checkpoint is not None else None
        self.ctx = ctx or init_distributed(config.device)
        self.optim: torch.optim.Optimizer | None = None

    def settings(self) -> dict:
        return plain({"world_size": self.ctx.world_size, **self.task.settings()})

    def run(self, resume: bool = False, stop_at: int | None = None) -> int:
        """Train from step 0 (or the checkpoint's step with ``resume``) to ``config.steps``.

        ``stop_at`` stops earlier, after that step, with a checkpoint to resume from (the
        schedule still ends at ``config.steps``). Returns the step reached.
        """
        task, cfg, ctx = self.task, self.config, self.ctx
        self._check_start(resume)
        saved = self._read_checkpoint() if resume else None
        seed_everything(cfg.seed)
        if ctx.device.type == "cuda":
            torch.backends.cudnn.benchmark = False
            torch.backends.cudnn.deterministic = True
        task.setup(ctx)
        self.optim = task.optimizer()
        step = self._restore(saved) if saved is not None else 0
        end = cfg.steps if stop_at is None else min(cfg.steps, stop_at)
        if step < end:
            step = self._loop(step, end)
        if step >= cfg.steps and ctx.is_main:
            task.finish(step)
        ctx.barrier()
        return step

    def _loop(self, step: int, end: int) -> int:
        task, cfg, ctx, optim = self.task, self.config, self.ctx, self.optim
        network = ctx.wrap(task.network())
        task.train_mode()
        bar = tqdm(total=cfg.steps, initial=step, desc=task.name, unit="step",
                   disable=not (cfg.progress and ctx.is_main), dynamic_ncols=True)
        for batch in task.batches(step, ctx):
            if step >= end:
                break
            lr = task.learning_rate(step)
            if lr is not None:
                for group in optim.param_groups:
                    group["lr"] = lr
            loss, terms = task.loss(network, batch, ctx)
            if not bool(torch.isfinite(loss)):
                raise RuntimeError(f"{task.name}: training diverged at step {step + 1} (loss {loss.item()}, {terms})")
            optim.zero_grad(set_to_none=True)
            loss.backward()
            if task.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(task.model().parameters(), task.grad_clip)
            optim.step()
            step += 1
            bar.update(1)
            bar.set_postfix({**{k: f"{v:.4g}" for k, v in terms.items()},
                             **({"lr": f"{lr:.1e}"} if lr is not None else {})}, refresh=False)
            if (cfg.validate_every and step % cfg.validate_every == 0) or step == cfg.steps:
                if ctx.is_main:
                    task.validate(step)
                    task.train_mode()
                ctx.barrier()
            if step % cfg.checkpoint_every == 0 or step == end:
                self._save(step)
        bar.close()
        return step

    def _check_start(self, resume: bool) -> None:
        path = self.checkpoint
        if resume and (path is None or not path.is_file()):
            raise InputError(f"nothing to resume: {path} does not exist")
        if not resume and self.task.refuse_existing and path is not None and path.exists():
            raise InputError(f"{path} exists: pass --resume to continue it, or choose another --out")

    def _save(self, step: int) -> None:
        if self.ctx.is_main and self.checkpoint is not None:
            save_torch_atomic({**self.task.entries(), "format": FORMAT, "task": self.task.name, "step": int(step),
                               "model": self.task.model().state_dict(), "optimizer": self.optim.state_dict(),
                               "rng": rng_states(), "settings": self.settings(), "state": self.task.state()},
                              self.checkpoint)
            self.task.save_outputs(step)
        self.ctx.barrier()

    def _read_checkpoint(self) -> dict:
        """The checkpoint to resume, refused when it belongs to another task or other settings."""
        path, task = self.checkpoint, self.task
        state = load_state_file(path, map_location=self.ctx.device)
        saved_task = state.get("task", state.get("stage"))
        if saved_task is not None and saved_task != task.name:
            raise InputError(f"cannot resume {path}: it is a '{saved_task}' checkpoint, not '{task.name}'")
        missing = [k for k in _REQUIRED if k not in state]
        if missing or state["format"] != FORMAT:
            raise InputError(f"cannot resume {path}: not a {FORMAT} training checkpoint "
                             f"(missing {', '.join(missing) or 'nothing'}, format {state.get('format')})")
        saved, now = state["settings"], self.settings()
        changed = [k for k in sorted(set(saved) | set(now)) if saved.get(k) != now.get(k)]
        if changed:
            detail = "; ".join(f"{k}: saved {json.dumps(saved.get(k))}, now {json.dumps(now.get(k))}" for k in changed)
            raise InputError(f"cannot resume {path}: it was trained with other settings: different "
                             f"{', '.join(changed)} ({detail})")
        return state

    def _restore(self, state: dict) -> int:
        """Load ``state`` into the task and the optimiser; return its step."""
        path, task = self.checkpoint, self.task
        try:
            task.model().load_state_dict(state["model"])
            self.optim.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as exc:
            raise InputError(f"cannot resume {path}: it does not fit this model: {str(exc).splitlines()[0]}") from None
        task.load_state(dict(state.get("state", {})))
        set_rng_states(state["rng"])
        return int(state["step"])
