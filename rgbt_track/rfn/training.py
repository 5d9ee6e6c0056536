"""Training loop of the tracking RFN with the Siamese tracker frozen (paper Sec. 5.1, ``docs/tracking_rfn.md``).

Only the RFN learns: the tracker's parameters have ``requires_grad=False`` and the whole tracker
stays in eval mode (its batch norms use their running statistics), so its weights are untouched.
Each step takes ``batch_size`` template/search pairs per process (both modalities cropped with the
same geometry), runs the frozen backbone + neck on the RGB and IR crops, fuses every level with the
RFN and minimises L_RFN on the template and the search features (the mean of the two branches).

The loop, the checkpoints and resuming are :class:`rgbt_runtime.trainer.Trainer`'s; this module
is its task (:class:`RFNTask`). Pair ``i`` is a pure function of ``(seed, i)``
(:class:`trackers.training.pairs.PairDataset`) and step ``s`` of process ``r`` uses pairs
``r + world * (s * batch_size + j)``, so a resumed run reproduces an uninterrupted one bit for bit.
Checkpoints are written atomically every ``checkpoint_every`` steps, so a killed run loses at most
that many steps.

Files in ``out_dir``: ``checkpoint.pth`` (resume state), ``rfn.pth`` (the RFN weights file that
``load_rfn`` and the tracker factory read), ``validation.json`` (mean IoU per validation).
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import torch
from torch import nn
from torch.utils.data import Dataset
from tqdm import tqdm

from rgbt_runtime import DistContext, InputError, atomic_path, init_distributed
from rgbt_runtime.trainer import LoopConfig, Trainer, TrainingTask, plain, rank_batches
from rgbt_track.rfn.model import ReducedRFNConfig, ReducedRFNFusion, save_rfn
from rgbt_track.rfn import RFNLoss, RFNLossConfig, RFNLossTerms
from trackers.config import CHANNELS
from trackers.training.pairs import PairConfig, PairDataset

CHECKPOINT_NAME = "checkpoint.pth"
RFN_NAME = "rfn.pth"
VALIDATION_NAME = "validation.json"
# Settings that change the result of a step: a resumed run must use the saved ones.
_RESULT_FIELDS = ("batch_size", "lr", "seed", "rfn", "loss")

Validator = Callable[[ReducedRFNFusion], dict[str, float]]


@dataclass(frozen=True)
class RFNTrainConfig:
    """Settings of one RFN training run (image RFN-Nest's stage-2 values as defaults)."""

    batch_size: int = 4
    """Pairs per step and process (RFN-Nest trains its RFN with batch 4)."""
    lr: float = 1e-4
    """Adam learning rate (RFN-Nest: 1e-4)."""
    max_steps: int = 2000
    seed: int = 0
    checkpoint_every: int = 50
    """Steps between atomic checkpoints (the most a killed run can lose)."""
    validate_every: int = 0
    """Steps between validations; 0 validates once, at the end."""
    num_workers: int = 0
    rfn: ReducedRFNConfig = field(default_factory=ReducedRFNConfig)
    loss: RFNLossConfig = field(default_factory=RFNLossConfig)

    def __post_init__(self) -> None:
        for name in ("batch_size", "max_steps", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.lr <= 0:
            raise InputError(f"lr must be positive, got {self.lr}")
        if self.validate_every < 0 or self.num_workers < 0:
            raise InputError("validate_every and num_workers must be >= 0")


def freeze_tracker(model: nn.Module) -> nn.Module:
    """Make ``model`` a constant: no parameter needs a gradient, every layer in eval mode."""
    for p in model.parameters():
        p.requires_grad_(False)
    return model.eval()


def feature_channels(model: nn.Module, exemplar_size: int = 127) -> list[int]:
    """Channel count of each neck level of ``model`` (probed with one blank template crop)."""
    device = next(model.parameters()).device
    with torch.no_grad():
        feats = model.features(torch.zeros(1, 3, exemplar_size, exemplar_size, device=device))
    return [int(f.shape[1]) for f in feats]


class TwoBranchFusion(nn.Module):
    """Runs the RFN on the template and the search features in ONE forward (one DDP call)."""

    def __init__(self, rfn: ReducedRFNFusion):
        super().__init__()
        self.rfn = rfn

    def forward(self, z_rgb, z_ir, x_rgb, x_ir):
        return self.rfn(z_rgb, z_ir), self.rfn(x_rgb, x_ir)


def _split_modalities(model: nn.Module, rgb: torch.Tensor, ir: torch.Tensor) -> tuple[list, list]:
    """Frozen features of both modalities in one batch: ``[B,3,S,S]`` x 2 -> two per-level lists."""
    with torch.no_grad():
        feats = model.features(torch.cat([rgb, ir], dim=0))
    halves = [f.chunk(2, dim=0) for f in feats]
    return [h[0] for h in halves], [h[1] for h in halves]


def rfn_loss_on_batch(model: nn.Module, fusion: nn.Module, loss_fn: RFNLoss,
                      batch: dict[str, torch.Tensor], device: torch.device) -> RFNLossTerms:
    """L_RFN of one batch of pairs, averaged over the template and the search branch.

    ``batch`` holds ``template_color``/``template_ir`` ``[B,3,127,127]`` and
    ``search_color``/``search_ir`` ``[B,3,255,255]`` (0..255 BGR floats); ``fusion`` is a
    :class:`ReducedRFNFusion` or its two-branch (possibly DDP-wrapped) wrapper.
    """
    z_rgb, z_ir = _split_modalities(model, batch["template_color"].to(device), batch["template_ir"].to(device))
    x_rgb, x_ir = _split_modalities(model, batch["search_color"].to(device), batch["search_ir"].to(device))
    if isinstance(fusion, ReducedRFNFusion):
        z_f, x_f = fusion(z_rgb, z_ir), fusion(x_rgb, x_ir)
    else:
        z_f, x_f = fusion(z_rgb, z_ir, x_rgb, x_ir)
    tz, tx = loss_fn(z_f, z_rgb, z_ir), loss_fn(x_f, x_rgb, x_ir)
    return RFNLossTerms(total=(tz.total + tx.total) / 2, detail=(tz.detail + tx.detail) / 2,
                        feature=(tz.feature + tx.feature) / 2)


class RFNTask(TrainingTask):
    """L_RFN training of a :class:`ReducedRFNFusion` on a frozen tracker (a trainer task)."""

    name = "train-rfn"
    refuse_existing = True

    def __init__(self, model: nn.Module, pairs: Dataset, out_dir: Path, config: RFNTrainConfig, arch: str,
                 validate: Validator | None, rfn_meta: dict | None = None):
        self.tracker, self.pairs, self.out_dir, self.config = model, pairs, out_dir, config
        self.arch, self.validator, self.history, self.rfn_meta = arch, validate, [], dict(rfn_meta or {})

    def settings(self) -> dict:
        as_dict = plain(dataclasses.asdict(self.config))
        return {"arch": self.arch, **{k: as_dict[k] for k in _RESULT_FIELDS}}

    def setup(self, ctx: DistContext) -> None:
        self.tracker = freeze_tracker(self.tracker.to(ctx.device))
        self.rfn = ReducedRFNFusion(feature_channels(self.tracker), self.config.rfn).to(ctx.device)
        self.two_branch = TwoBranchFusion(self.rfn)
        self.loss_fn = RFNLoss(self.config.loss)

    def model(self) -> nn.Module:
        return self.rfn

    def network(self) -> nn.Module:
        return self.two_branch

    def optimizer(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.rfn.parameters(), lr=self.config.lr)

    def batches(self, start: int, ctx: DistContext):
        return rank_batches(self.pairs, ctx, self.config.batch_size, start, self.config.max_steps,
                            self.config.num_workers)

    def loss(self, network, batch, ctx):
        terms = rfn_loss_on_batch(self.tracker, network, self.loss_fn, batch, ctx.device)
        values = terms.as_floats()
        return terms.total, {"L_detail": values["detail"], "L_feature": values["feature"], "total": values["total"]}

    def validate(self, step: int) -> None:
        if self.validator is None:
            return
        self.rfn.eval()
        scores = self.validator(self.rfn)
        self.history.append({"step": step, **scores})
        with atomic_path(self.out_dir / VALIDATION_NAME) as tmp:
            tmp.write_text(json.dumps(self.history, indent=2) + "\n")
        tqdm.write(f"step {step}: validation mean IoU " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()))

    def state(self) -> dict:
        return {"validation": json.dumps(self.history)}

    def load_state(self, state: dict) -> None:
        self.history = json.loads(state.get("validation", "[]"))

    def save_outputs(self, step: int) -> None:
        meta = {**self.rfn_meta, "step": step, "loss": plain(dataclasses.asdict(self.config.loss))}
        save_rfn(self.rfn, self.out_dir / RFN_NAME, arch=self.arch, meta=meta)


def train_rfn(model: nn.Module, pairs: Dataset, out_dir: str | Path, config: RFNTrainConfig = RFNTrainConfig(),
              arch: str = "tiny", resume: bool = False, validate: Validator | None = None,
              dist: DistContext | None = None, progress: bool = True,
              rfn_meta: dict | None = None) -> ReducedRFNFusion:
    """Train a :class:`ReducedRFNFusion` for ``model`` (a frozen ``SiameseRPN``) and return it.

    Args:
        model: tracker model with ``features(images [B,3,S,S]) -> list[Tensor[B,C,h,w]]``;
            frozen here (``requires_grad=False``, eval mode) and never modified.
        pairs: dataset of pairs (:class:`trackers.training.pairs.PairDataset` with both
            modalities) holding at least ``max_steps * batch_size * world_size`` items.
        out_dir: where ``checkpoint.pth``, ``rfn.pth`` and ``validation.json`` go.
        arch: tracker architecture name recorded in ``rfn.pth`` (and checked on resume).
        resume: continue from ``out_dir/checkpoint.pth``; without it an existing checkpoint is an
            error (nothing is overwritten by accident). ``max_steps`` may grow on resume (the
            learning rate is constant); the other settings must stay.
        validate: called on the main process with the RFN (eval mode) every ``validate_every``
            steps and at the end; returns named mean IoUs that go to ``validation.json``.
        dist: process context; default :func:`rgbt_runtime.init_distributed`.
        rfn_meta: more plain values recorded in ``rfn.pth`` by :func:`save_rfn` (e.g. the tracker
            checkpoint's file name).
    """
    dist = dist or init_distributed()
    out_dir = Path(out_dir)
    needed = pairs_needed(config, dist.world_size)
    if len(pairs) < needed:
        raise InputError(f"the pair dataset has {len(pairs)} items, training needs {needed}")
    task = RFNTask(model, pairs, out_dir, config, arch, validate, rfn_meta)
    loop = LoopConfig(steps=config.max_steps, checkpoint_every=config.checkpoint_every,
                      validate_every=config.validate_every, seed=config.seed, progress=progress)
    Trainer(task, loop, out_dir / CHECKPOINT_NAME, dist).run(resume=resume)
    return task.rfn


def rfn_pair_dataset(sequences: Sequence, pairs: int, seed: int) -> PairDataset:
    """Both-modality template/search pairs from ``sequences`` (videos and 1-frame stills).

    pysot's crop jitter (template shift 4 / scale 0.05, search shift 64 / scale 0.18) and no
    negative pairs: L_RFN needs no labels, and a search crop around the target is what the fused
    features must serve. Sequences are drawn uniformly.
    """
    try:
        return PairDataset(sequences, modalities=CHANNELS, pairs=pairs, seed=seed,
                           config=PairConfig(negative=0.0))
    except ValueError as exc:
        raise InputError(f"cannot sample training pairs: {exc}") from None


def pairs_needed(config: RFNTrainConfig, world_size: int) -> int:
    """Items the pair dataset must hold for ``config`` on ``world_size`` processes."""
    return config.max_steps * config.batch_size * world_size


def split_validation(sequences: Sequence, fraction: float) -> tuple[list, list]:
    """Hold out the last ``ceil(fraction * n)`` sequences (at least one, never all) for validation.

    Returns ``(train, held_out)``; with fewer than two sequences nothing is held out.
    """
    sequences = list(sequences)
    if fraction <= 0 or len(sequences) < 2:
        return sequences, []
    held = min(len(sequences) - 1, max(1, int(-(-fraction * len(sequences) // 1))))
    return sequences[:-held], sequences[-held:]
