"""The three RFN-Nest training stages as one task of :class:`rgbt_runtime.trainer.Trainer`.

The trainer owns the loop: seeding, DDP under ``torchrun`` (every process trains on its share of
each epoch; ``batch_size`` is per process), tqdm, atomic checkpoints with RNG states, resuming.
The checkpoint file is the stage's output too: it holds the trainer's entries plus ``config``
(what :func:`fusion.model.model_from_checkpoint` rebuilds the network from), ``stage`` and
``train_config``. ``resume=True`` continues the file at ``out`` (same stage, same settings;
``--epochs`` / ``--max-steps`` may grow, the learning rate is constant) and reproduces exactly
the weights an uninterrupted run would have: the data order and crops depend only on
(seed, epoch, position).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset

from fusion.data import SeededSampler, make_loader
from fusion.model import checkpoint_dict
from rgbt_runtime import init_distributed
from rgbt_runtime.distributed import DistContext
from rgbt_runtime.trainer import LoopConfig, Trainer, TrainingTask


@dataclass
class TrainConfig:
    """Optimisation settings; defaults are the paper's (Adam 1e-4, batch 4, 2 epochs)."""

    epochs: int = 2
    max_steps: int | None = None  # stop after this many optimiser steps in total (None: all epochs)
    batch_size: int = 4  # per process
    lr: float = 1e-4
    seed: int = 0
    workers: int = 2
    checkpoint_every: int = 500
    device: str | None = None  # None: CUDA (local rank) when available, else CPU


def _to(batch, device: torch.device):
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to(b, device) for b in batch)
    return batch.to(device, non_blocking=True)


class StageTask(TrainingTask):
    """One RFN-Nest stage: ``module`` is a :mod:`fusion.training.tasks` module, ``forward(batch) ->
    (loss, terms)``, holding the :class:`fusion.model.RFNNest` as ``.model``."""

    def __init__(self, module: torch.nn.Module, dataset: Dataset, config: TrainConfig, stage: str, world_size: int):
        self.module, self.dataset, self.config, self.name = module, dataset, config, stage
        per_rank = math.ceil(len(dataset) / world_size)
        self.steps_per_epoch = math.ceil(per_rank / config.batch_size)

    def settings(self) -> dict:
        data = {"images": len(self.dataset), "size": getattr(self.dataset, "size", None),
                "sampling": getattr(self.dataset, "mode", None)}
        return {"batch_size": self.config.batch_size, "lr": self.config.lr, "seed": self.config.seed,
                "model": self.entries()["config"], "loss": asdict(self.module.loss), "data": data}

    def setup(self, ctx: DistContext) -> None:
        self.module.to(ctx.device)
        self.pin_memory = ctx.device.type == "cuda"

    def model(self) -> torch.nn.Module:
        return self.module.model

    def network(self) -> torch.nn.Module:
        return self.module

    def optimizer(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.module.trainable_parameters(), lr=self.config.lr)

    def train_mode(self) -> None:
        self.module.train()

    def batches(self, start: int, ctx: DistContext):
        step, cfg = start, self.config
        while step < cfg.epochs * self.steps_per_epoch:
            epoch, done = divmod(step, self.steps_per_epoch)
            sampler = SeededSampler(len(self.dataset), cfg.seed, epoch, ctx.rank, ctx.world_size,
                                    skip=done * cfg.batch_size)
            for batch in make_loader(self.dataset, cfg.batch_size, sampler, cfg.workers, self.pin_memory):
                yield batch
                step += 1

    def loss(self, network, batch, ctx):
        return network(_to(batch, ctx.device))

    def entries(self) -> dict:
        config = checkpoint_dict(self.module.model)["config"]
        return {"config": config, "stage": self.name, "train_config": asdict(self.config)}


def train(task: torch.nn.Module, dataset: Dataset, config: TrainConfig, out: str | Path, stage: str,
          resume: bool = False) -> int:
    """Run ``task`` (see :mod:`fusion.training.tasks`) over ``dataset``, checkpointing to ``out``;
    returns the step reached. The model inside ``task`` must already hold its initial weights."""
    ctx = init_distributed(config.device)
    stage_task = StageTask(task, dataset, config, stage, ctx.world_size)
    total = config.epochs * stage_task.steps_per_epoch
    if config.max_steps is not None:
        total = min(total, config.max_steps)
    loop = LoopConfig(steps=total, checkpoint_every=config.checkpoint_every, seed=config.seed, device=config.device)
    return Trainer(stage_task, loop, out, ctx).run(resume=resume)
