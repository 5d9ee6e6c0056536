"""Training loop of the tracking RFN with the Siamese tracker frozen (paper Sec. 5.1, SPEC §2.3).

Only the RFN learns: the tracker's parameters have ``requires_grad=False`` and the whole tracker
stays in eval mode (its batch norms use their running statistics), so its weights are untouched.
Each step takes ``batch_size`` template/search pairs per process (both modalities cropped with the
same geometry), runs the frozen backbone + neck on the RGB and IR crops, fuses every level with the
RFN and minimises L_RFN on the template and the search features (the mean of the two branches).

Determinism and resuming: pair ``i`` is a pure function of ``(seed, i)``
(:class:`trackers.training.pairs.PairDataset`), and step ``s`` of process ``r`` uses the pairs a
``DistributedSampler`` (no shuffling; the pairs are random already) assigns to it at positions
``s * batch_size ...``; a resumed run restarts at the saved step with the saved RFN and Adam state
and therefore reproduces an uninterrupted run exactly. Checkpoints are written atomically every
``checkpoint_every`` steps, so a killed run loses at most that many steps.

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
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Subset
from tqdm import tqdm

from rgbt_runtime import DistContext, InputError, atomic_path, init_distributed, load_state_file, save_torch_atomic
from rgbt_track.feature_fusion.rfn import ReducedRFNConfig, ReducedRFNFusion, save_rfn
from rgbt_track.losses import RFNLoss, RFNLossConfig, RFNLossTerms
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


def _config_dict(config: RFNTrainConfig) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(config)))


def _check_resumable(saved: dict, config: RFNTrainConfig, path: Path) -> None:
    now = _config_dict(config)
    changed = [k for k in _RESULT_FIELDS if saved.get(k) != now[k]]
    if changed:
        raise InputError(f"cannot resume {path}: it was trained with different {', '.join(changed)} "
                         f"(saved {', '.join(f'{k}={saved.get(k)}' for k in changed)})")


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
        arch: tracker architecture name recorded in ``rfn.pth`` (:func:`save_rfn`).
        resume: continue from ``out_dir/checkpoint.pth``; without it an existing checkpoint is an
            error (nothing is overwritten by accident).
        validate: called on the main process with the RFN (eval mode) every ``validate_every``
            steps and at the end; returns named mean IoUs that go to ``validation.json``.
        dist: process context; default :func:`rgbt_runtime.init_distributed`.
        rfn_meta: more plain values recorded in ``rfn.pth`` (e.g. the tracker checkpoint's name).
    """
    dist = dist or init_distributed()
    out_dir = Path(out_dir)
    ckpt_path = out_dir / CHECKPOINT_NAME
    if ckpt_path.exists() and not resume:
        raise InputError(f"{ckpt_path} exists: pass --resume to continue it, or choose another --out")
    if resume and not ckpt_path.exists():
        raise InputError(f"nothing to resume: {ckpt_path} does not exist")
    needed = config.max_steps * config.batch_size * dist.world_size
    if len(pairs) < needed:
        raise InputError(f"the pair dataset has {len(pairs)} items, training needs {needed}")

    torch.manual_seed(config.seed)
    model = freeze_tracker(model.to(dist.device))
    rfn = ReducedRFNFusion(feature_channels(model), config.rfn).to(dist.device)
    optimizer = torch.optim.Adam(rfn.parameters(), lr=config.lr)
    step, history = 0, []
    if resume:
        state = load_state_file(ckpt_path, map_location=dist.device)
        _check_resumable(state["config"], config, ckpt_path)
        rfn.load_state_dict(state["rfn"])
        optimizer.load_state_dict(state["optimizer"])
        step = int(state["step"])
        history = json.loads(state["validation"])
    if step >= config.max_steps:
        return rfn

    fusion = dist.wrap(TwoBranchFusion(rfn))
    loss_fn = RFNLoss(config.loss)
    sampler = DistributedSampler(Subset(pairs, range(needed)), num_replicas=dist.world_size, rank=dist.rank,
                                 shuffle=False, drop_last=True)
    remaining = list(sampler)[step * config.batch_size:config.max_steps * config.batch_size]
    loader = DataLoader(Subset(pairs, remaining), batch_size=config.batch_size, shuffle=False,
                        num_workers=config.num_workers, drop_last=True)

    def save() -> None:
        if dist.is_main:
            meta = {"step": step, "loss": _config_dict(config)["loss"], **(rfn_meta or {})}
            save_torch_atomic({"rfn": rfn.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                               "config": _config_dict(config), "validation": json.dumps(history)}, ckpt_path)
            save_rfn(rfn, out_dir / RFN_NAME, arch=arch, meta=meta)
        dist.barrier()

    def run_validation() -> None:
        if dist.is_main and validate is not None:
            rfn.eval()
            scores = validate(rfn)
            rfn.train()
            history.append({"step": step, **scores})
            with atomic_path(out_dir / VALIDATION_NAME) as tmp:
                tmp.write_text(json.dumps(history, indent=2) + "\n")
            tqdm.write(f"step {step}: validation mean IoU " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()))
        dist.barrier()

    bar = tqdm(total=config.max_steps, initial=step, desc="train-rfn", unit="step",
               disable=not (progress and dist.is_main), dynamic_ncols=True)
    rfn.train()
    for batch in loader:
        terms = rfn_loss_on_batch(model, fusion, loss_fn, batch, dist.device)
        if not torch.isfinite(terms.total):
            raise RuntimeError(f"L_RFN is not finite at step {step + 1}: {terms.as_floats()}")
        optimizer.zero_grad(set_to_none=True)
        terms.total.backward()
        optimizer.step()
        step += 1
        values = terms.as_floats()
        bar.update(1)
        bar.set_postfix(L_detail=f"{values['detail']:.4f}", L_feature=f"{values['feature']:.4f}",
                        total=f"{values['total']:.3f}")
        if (config.validate_every and step % config.validate_every == 0) or step == config.max_steps:
            run_validation()
        if step % config.checkpoint_every == 0 or step == config.max_steps:
            save()
    bar.close()
    return rfn


def rfn_pair_dataset(sequences: Sequence, pairs: int, seed: int) -> PairDataset:
    """Both-modality template/search pairs from ``sequences`` (videos and 1-frame stills).

    pysot's crop jitter (template shift 4 / scale 0.05, search shift 64 / scale 0.18) and no
    negative pairs: L_RFN needs no labels, and a search crop around the target is what the fused
    features must serve. Sequences are drawn uniformly.
    """
    try:
        return PairDataset(sequences, modalities=("color", "ir"), pairs=pairs, seed=seed,
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
