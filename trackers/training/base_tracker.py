"""Training of the Siamese base tracker (pysot SiamRPN++ recipe, sized for the CPU), as a task of
:class:`rgbt_runtime.trainer.Trainer`.

Each step takes ``batch_size`` template/search pairs per process; every pair is cut from ONE
modality drawn at random (colour or IR, same crop rules), so one network learns both. Labels
are pysot's anchor targets; the loss is the selected cross-entropy plus a weighted smooth-L1.

Determinism and resuming: pair ``i`` is a pure function of ``(seed, i)``
(:class:`trackers.training.pairs.PairDataset`); step ``s`` of process ``r`` uses pairs
``r + world * (s * batch_size + j)`` (:func:`rgbt_runtime.trainer.rank_batches`); the learning
rate is a function of the step and of ``steps``, so ``steps`` is one of the settings a resumed run
must keep (stop a run early with ``stop_at`` instead).

Choices where pysot's recipe does not fit a small CPU budget (pysot: SGD 0.005 -> 0.01 warm-up
then log decay, 20 epochs of 600k pairs, batch 28 per GPU):
Adam (lr 1e-3 by default, linear warm-up over the first 5% of the steps, cosine decay to 1%),
because it converges in a few thousand steps from scratch; SGD with momentum 0.9 is an option.
All batch norms train (the ``tiny`` model starts from scratch).

Files in ``out_dir``: ``checkpoint.pth`` (the trainer's resume state) and ``model.pth`` (state
dict only, what ``rgbt-track track --checkpoint`` and ``load_tracker_weights`` read).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch

from rgbt_runtime import InputError, save_torch_atomic
from rgbt_runtime.distributed import DistContext
from rgbt_runtime.trainer import LoopConfig, Trainer, TrainingTask, rank_batches
from trackers.anchors import generate_anchors
from trackers.checkpoint import load_tracker_weights
from trackers.config import CHANNELS, get_arch
from trackers.model import build_model
from trackers.training.losses import LossConfig, siamrpn_loss
from trackers.training.pairs import PairConfig, PairDataset, PairSource
from trackers.training.targets import AnchorTarget, TargetConfig

CHECKPOINT_NAME = "checkpoint.pth"
MODEL_NAME = "model.pth"
# Settings that change the result of a step: a resumed run must use the saved ones.
_RESULT_FIELDS = ("arch", "steps", "batch_size", "lr", "optimizer", "weight_decay", "warmup", "seed", "pairs",
                  "targets", "loss")


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
    return PairDataset(sequences, CHANNELS, pairs=config.steps * config.batch_size * world_size,
                       seed=config.seed, config=pairs, pick_one=True, targets=target)


class BaseTrackerTask(TrainingTask):
    """SiamRPN training of the whole network (all batch norms train); gradients clipped at 10 (pysot)."""

    name = "train-base"
    grad_clip = 10.0  # pysot's GRAD_CLIP

    def __init__(self, sequences: Sequence[PairSource], config: BaseTrainConfig, out_dir: str | Path,
                 init_weights: str | Path | None = None):
        self.sequences, self.config, self.out_dir, self.init_weights = sequences, config, Path(out_dir), init_weights

    def settings(self) -> dict:
        as_dict = dataclasses.asdict(self.config)
        return {k: as_dict[k] for k in _RESULT_FIELDS}

    def setup(self, ctx: DistContext) -> None:
        self.net = build_model(self.config.arch)
        if self.init_weights is not None:
            load_tracker_weights(self.net, self.init_weights)
        self.net.to(ctx.device)
        self.dataset = build_pair_dataset(self.sequences, self.config, ctx.world_size)

    def model(self) -> torch.nn.Module:
        return self.net

    def optimizer(self) -> torch.optim.Optimizer:
        config = self.config
        params = [p for p in self.net.parameters() if p.requires_grad]
        if config.optimizer == "adam":
            return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
        if config.optimizer == "sgd":
            return torch.optim.SGD(params, lr=config.lr, momentum=0.9, weight_decay=config.weight_decay)
        raise InputError(f"unknown optimizer '{config.optimizer}' (choose adam or sgd)")

    def learning_rate(self, step: int) -> float:
        return learning_rate(self.config, step)

    def batches(self, start: int, ctx: DistContext):
        return rank_batches(self.dataset, ctx, self.config.batch_size, start, self.config.steps,
                            self.config.num_workers)

    def loss(self, network, batch, ctx):
        batch = {k: v.to(ctx.device) for k, v in batch.items()}
        cls, loc = network(batch["template"], batch["search"])
        losses = siamrpn_loss(cls, loc, batch, self.config.loss)
        return losses["total"], {k: losses[k].item() for k in ("total", "cls", "loc")}

    def finish(self, step: int) -> None:
        save_torch_atomic(self.net.state_dict(), self.out_dir / MODEL_NAME)


def train_base(sequences: Sequence[PairSource], config: BaseTrainConfig, out_dir: str | Path,
               resume: bool = False, init_weights: str | Path | None = None, progress: bool = True,
               device: str | None = None, stop_at: int | None = None) -> Path:
    """Train the base tracker; return the path of the final ``model.pth``.

    ``resume`` continues from ``out_dir/checkpoint.pth`` (its result-changing settings, ``steps``
    included, must equal ``config``'s); ``stop_at`` stops after that step with a checkpoint to
    resume from; ``init_weights`` starts from a tracker checkpoint instead of random weights.
    Runs under ``torchrun`` as DistributedDataParallel (rank 0 logs and writes files).
    """
    out_dir = Path(out_dir)
    loop = LoopConfig(steps=config.steps, checkpoint_every=config.checkpoint_every, seed=config.seed,
                      device=device, progress=progress)
    task = BaseTrackerTask(sequences, config, out_dir, init_weights)
    Trainer(task, loop, out_dir / CHECKPOINT_NAME).run(resume=resume, stop_at=stop_at)
    return out_dir / MODEL_NAME
