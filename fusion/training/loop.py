"""The training loop all three stages share: seeded, resumable, atomic checkpoints, torchrun-ready.

Checkpoint files (``{"config", "model", "optimizer", "step", "stage", "train_config"}``) are
written atomically every ``checkpoint_every`` steps and at the end, by the main process only.
``resume=True`` continues from the file at ``out`` (same stage) and reproduces exactly the weights
an uninterrupted run would have: the data order and crops depend only on (seed, epoch, position),
and the optimizer state is restored.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset
from tqdm import tqdm

from fusion.data import SeededSampler, make_loader
from fusion.model import checkpoint_dict
from rgbt_runtime import init_distributed, load_state_file, save_torch_atomic, seed_everything
from rgbt_runtime.errors import InputError


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


def train(task: torch.nn.Module, dataset: Dataset, config: TrainConfig, out: str | Path, stage: str,
          resume: bool = False) -> dict:
    """Run ``task`` (see :mod:`fusion.training.tasks`) over ``dataset``; returns the final checkpoint dict.

    Under ``torchrun`` every process trains on its share of each epoch (DDP); ``batch_size`` is per
    process. The model inside ``task`` must already hold its initial weights.
    """
    out = Path(out)
    ctx = init_distributed(config.device)
    seed_everything(config.seed)
    if ctx.device.type == "cuda":
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
    task.to(ctx.device)
    optimizer = torch.optim.Adam(task.trainable_parameters(), lr=config.lr)
    step = 0
    if resume:
        if not out.is_file():
            raise InputError(f"--resume: no checkpoint at {out}")
        state = load_state_file(out, map_location=ctx.device)
        if state.get("stage") != stage:
            raise InputError(f"--resume: {out} is a '{state.get('stage')}' checkpoint, not '{stage}'")
        task.model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step = int(state["step"])
    wrapped = ctx.wrap(task)

    per_rank = math.ceil(len(dataset) / ctx.world_size)
    steps_per_epoch = math.ceil(per_rank / config.batch_size)
    total = config.epochs * steps_per_epoch
    if config.max_steps is not None:
        total = min(total, config.max_steps)

    def save() -> dict:
        ckpt = checkpoint_dict(task.model, optimizer=optimizer.state_dict(), step=step, stage=stage,
                               train_config=asdict(config))
        if ctx.is_main:
            save_torch_atomic(ckpt, out)
        ctx.barrier()
        return ckpt

    bar = tqdm(total=total, initial=step, desc=stage, unit="step", disable=not ctx.is_main, dynamic_ncols=True)
    task.train()
    while step < total:
        epoch, done = divmod(step, steps_per_epoch)
        sampler = SeededSampler(len(dataset), config.seed, epoch, ctx.rank, ctx.world_size, skip=done * config.batch_size)
        loader = make_loader(dataset, config.batch_size, sampler, config.workers, ctx.device.type == "cuda")
        for batch in loader:
            loss, terms = wrapped(_to(batch, ctx.device))
            if not torch.isfinite(loss):
                raise RuntimeError(f"{stage}: loss became {loss.item()} at step {step}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            bar.update(1)
            bar.set_postfix({k: f"{v:.4g}" for k, v in terms.items()}, refresh=False)
            if step % config.checkpoint_every == 0 and step < total:
                save()
            if step >= total:
                break
    bar.close()
    return save()
