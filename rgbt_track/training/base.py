"""Training loop of the Siamese base tracker (pysot SiamRPN++ recipe, sized for the CPU).

Each step takes ``batch_size`` template/search pairs per process; every pair is cut from ONE
modality drawn at random (colour or IR, same crop rules), so one network learns both. Labels
are pysot's anchor targets; the loss is the selected cross-entropy plus a weighted smooth-L1.

Determinism and resuming: pair ``i`` is a pure function of ``(seed, i)``
(:class:`trackers.training.pairs.PairDataset`); step ``s`` of process ``r`` uses the pairs a
``DistributedSampler`` (no shuffling; the pairs are random already) assigns to it at positions
``s * batch_size * world ...``; the learning rate is a function of the step. A resumed run
restarts at the saved step with the saved model, optimiser and RNG states and reproduces an
uninterrupted run bit for bit (same machine, same thread count). Checkpoints are written
atomically every ``checkpoint_every`` steps.

Choices where pysot's recipe does not fit a small CPU budget (pysot: SGD 0.005 -> 0.01 warm-up
then log decay, 20 epochs of 600k pairs, batch 28 per GPU):
Adam (lr 1e-3 by default, linear warm-up over the first 5% of the steps, cosine decay to 1%),
because it converges in a few thousand steps from scratch; SGD with momentum 0.9 is an option.
All batch norms train (the ``tiny`` model starts from scratch).

Files in ``out_dir``: ``checkpoint.pth`` (resume state) and ``model.pth`` (state dict only,
what ``rgbt-track track --checkpoint`` and ``load_tracker_weights`` read).
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, DistributedSampler, Subset
from tqdm import tqdm

from rgbt_runtime import InputError, init_distributed, save_torch_atomic, seed_everything
from rgbt_track.training.checkpointing import load_training_state, save_training_state, unwrap
from trackers.anchors import generate_anchors
from trackers.checkpoint import load_tracker_weights
from trackers.config import get_arch
from trackers.model import build_model
from trackers.training.losses import LossConfig, siamrpn_loss
from trackers.training.pairs import PairConfig, PairDataset, PairSource
from trackers.training.targets import AnchorTarget, TargetConfig

CHECKPOINT_NAME = "checkpoint.pth"
MODEL_NAME = "model.pth"
# Settings that change the result of a step: a resumed run must use the saved ones.
_RESULT_FIELDS = ("arch", "batch_size", "lr", "optimizer", "weight_decay", "seed", "pairs", "targets", "loss")


@dataclass(frozen=True)
class BaseTrainConfig:
    """Settings of one base-tracker training run."""

    arch: str = "tiny"
    steps: int = 2000
    batch_size: int = 16
    """Pairs per step and process."""
    lr: float = 1e-3
    optimizer: str = "adam"
    """``adam`` or ``sgd`` (momentum 0.9, pysot's optimiser)."""
    weight_decay: float = 1e-4
    """pysot's WEIGHT_DECAY."""
    warmup: float = 0.05
    """Fraction of the steps with a linear learning-rate warm-up."""
    seed: int = 0
    checkpoint_every: int = 100
    num_workers: int = 0
    pairs: PairConfig = field(default_factory=PairConfig)
    targets: TargetConfig = field(default_factory=TargetConfig)
    loss: LossConfig = field(default_factory=LossConfig)


def learning_rate(config: BaseTrainConfig, step: int) -> float:
    """Learning rate of ``step`` (0-based): linear warm-up then cosine decay to 1% of ``lr``."""
    warm = max(1, int(round(config.warmup * config.steps)))
    if step < warm:
        return config.lr * (step + 1) / warm
    progress = (step - warm) / max(1, config.steps - warm)
    return config.lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def build_pair_dataset(sequences: Sequence[PairSource], config: BaseTrainConfig, world_size: int = 1) -> PairDataset:
    """The pair dataset of a run: one random modality per pair, anchor targets attached."""
    spec = get_arch(config.arch)
    pairs = config.pairs
    score_size = (pairs.search_size - pairs.exemplar_size) // spec.anchors.stride + 1 + spec.hyperparams.base_size
    target = AnchorTarget(generate_anchors(spec.anchors, score_size), score_size, pairs.search_size, config.targets)
    return PairDataset(sequences, ("color", "ir"), pairs=config.steps * config.batch_size * world_size,
                       seed=config.seed, config=pairs, pick_one=True, targets=target)


def _build_optimizer(model: torch.nn.Module, config: BaseTrainConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=0.9, weight_decay=config.weight_decay)
    raise InputError(f"unknown optimizer '{config.optimizer}' (choose adam or sgd)")


def _result_settings(config: BaseTrainConfig) -> dict:
    as_dict = dataclasses.asdict(config)
    return {k: as_dict[k] for k in _RESULT_FIELDS}


def train_base(sequences: Sequence[PairSource], config: BaseTrainConfig, out_dir: str | Path,
               resume: bool = False, init_weights: str | Path | None = None, progress: bool = True,
               device: str | None = None) -> Path:
    """Train the base tracker; return the path of the final ``model.pth``.

    ``resume`` continues from ``out_dir/checkpoint.pth`` (its result-changing settings must equal
    ``config``'s); ``init_weights`` starts from a tracker checkpoint instead of random weights.
    Runs under ``torchrun`` as DistributedDataParallel (rank 0 logs and writes files).
    """
    out_dir = Path(out_dir)
    ctx = init_distributed(device)
    seed_everything(config.seed)
    model = build_model(config.arch)
    if init_weights is not None:
        load_tracker_weights(model, init_weights)
    model.to(ctx.device).train()
    optimizer = _build_optimizer(model, config)
    start = 0
    checkpoint = out_dir / CHECKPOINT_NAME
    if resume:
        state = load_training_state(checkpoint, model, optimizer)
        saved = state.extra.get("settings")
        if saved is not None and saved != _result_settings(config):
            changed = [k for k in _RESULT_FIELDS if saved.get(k) != _result_settings(config)[k]]
            raise InputError(f"{checkpoint} was trained with other settings ({', '.join(changed)}); "
                             "use the same values to resume")
        start = state.step
    net = ctx.wrap(model)
    dataset = build_pair_dataset(sequences, config, ctx.world_size)
    per_step = config.batch_size * ctx.world_size
    remaining = Subset(dataset, range(start * per_step, config.steps * per_step))
    sampler = DistributedSampler(remaining, num_replicas=ctx.world_size, rank=ctx.rank, shuffle=False)
    loader = DataLoader(remaining, batch_size=config.batch_size, sampler=sampler,
                        num_workers=config.num_workers, drop_last=True)
    bar = tqdm(total=config.steps, initial=start, desc="train-base", disable=not (progress and ctx.is_main),
               dynamic_ncols=True)
    step = start
    extra = {"settings": _result_settings(config)}
    started = time.perf_counter()
    for batch in loader:
        batch = {k: v.to(ctx.device) for k, v in batch.items()}
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(config, step)
        cls, loc = net(batch["template"], batch["search"])
        losses = siamrpn_loss(cls, loc, batch, config.loss)
        if not all(bool(torch.isfinite(v)) for v in losses.values()):
            raise RuntimeError(f"training diverged at step {step + 1} (loss {losses['total'].item()})")
        optimizer.zero_grad(set_to_none=True)
        losses["total"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)  # pysot's GRAD_CLIP
        optimizer.step()
        step += 1
        bar.set_postfix(loss=f"{losses['total'].item():.3f}", cls=f"{losses['cls'].item():.3f}",
                        loc=f"{losses['loc'].item():.3f}", lr=f"{learning_rate(config, step - 1):.1e}")
        bar.update(1)
        if ctx.is_main and (step % config.checkpoint_every == 0 or step == config.steps):
            extra["seconds"] = extra.get("seconds", 0.0) + time.perf_counter() - started
            started = time.perf_counter()
            save_training_state(checkpoint, model, optimizer, step, extra)
        ctx.barrier()
    bar.close()
    final = out_dir / MODEL_NAME
    if ctx.is_main:
        save_torch_atomic(unwrap(model).state_dict(), final)
    ctx.barrier()
    return final


def load_training_sequences(vot_dirs: Sequence[str | Path] = (), got10k_dirs: Sequence[str | Path] = ()) -> list:
    """All sequences of the given VOT-layout and GOT-10k-layout folders; InputError if none."""
    from rgbt_track.datasets.got10k import load_got10k_sequences
    from rgbt_track.datasets.vot import load_vot_sequences

    sequences = []
    for folder in vot_dirs:
        sequences.extend(load_vot_sequences(folder))
    for folder in got10k_dirs:
        sequences.extend(load_got10k_sequences(folder))
    if not sequences:
        raise InputError("no training sequences (give --sequences and/or --got10k)")
    usable = [s for s in sequences if np.isfinite(np.asarray(s.groundtruth)).all(axis=1).any()]
    if not usable:
        raise InputError("no training sequence has an annotated frame")
    return usable
