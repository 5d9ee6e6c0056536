"""SiamRPN losses: pysot's selected cross-entropy and a weighted smooth-L1 box loss."""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class LossConfig:
    """Loss weights (pysot ``TRAIN.CLS_WEIGHT`` 1.0, ``LOC_WEIGHT`` 1.2).

    ``smooth_l1_beta`` = 1/9 is the Faster R-CNN value for normalised box deltas (smooth-L1
    where pysot uses plain L1; beta 0 gives pysot's L1 exactly).
    """

    cls_weight: float = 1.0
    loc_weight: float = 1.2
    smooth_l1_beta: float = 1.0 / 9.0


def log_softmax_cls(cls: torch.Tensor) -> torch.Tensor:
    """``cls`` (B, 2A, S, S), channel ``k*A + a`` -> log-probabilities (B, A, S, S, 2)."""
    b, a2, h, w = cls.shape
    return F.log_softmax(cls.view(b, 2, a2 // 2, h, w).permute(0, 2, 3, 4, 1), dim=4)


def select_cross_entropy_loss(log_probs: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """pysot: mean NLL over positives and over negatives, averaged 0.5/0.5; -1 labels ignored.

    Args:
        log_probs: (B, A, S, S, 2) from :func:`log_softmax_cls`.
        label: (B, A, S, S) int64 in {-1, 0, 1}.
    A class with no selected anchor contributes 0 (as pysot).
    """
    log_probs, label = log_probs.reshape(-1, 2), label.reshape(-1)
    total = log_probs.new_zeros(())
    for value in (1, 0):
        chosen = label == value
        if bool(chosen.any()):
            total = total + 0.5 * F.nll_loss(log_probs[chosen], label[chosen])
    return total


def weighted_smooth_l1_loss(loc: torch.Tensor, label_loc: torch.Tensor, weight: torch.Tensor,
                            beta: float = 1.0 / 9.0) -> torch.Tensor:
    """Smooth-L1 over the 4 deltas, summed, weighted per anchor, summed, divided by the batch.

    Args:
        loc: (B, 4A, S, S), channel ``j*A + a``.
        label_loc: (B, 4, A, S, S).
        weight: (B, A, S, S) (1/#positives on positives, else 0).
    """
    b, _, h, w = loc.shape
    diff = F.smooth_l1_loss(loc.view(b, 4, -1, h, w), label_loc, reduction="none", beta=beta)
    return (diff.sum(dim=1) * weight).sum() / b


def siamrpn_loss(cls: torch.Tensor, loc: torch.Tensor, batch: dict[str, torch.Tensor],
                 config: LossConfig = LossConfig()) -> dict[str, torch.Tensor]:
    """``{"total", "cls", "loc"}`` for head outputs and a batch holding ``label_cls``, ``label_loc``,
    ``label_loc_weight``."""
    if cls.shape[-2:] != batch["label_cls"].shape[-2:]:
        raise ValueError(f"score map {tuple(cls.shape[-2:])} does not match the labels "
                         f"{tuple(batch['label_cls'].shape[-2:])} (search crop size vs. anchor grid)")
    cls_loss = select_cross_entropy_loss(log_softmax_cls(cls), batch["label_cls"])
    loc_loss = weighted_smooth_l1_loss(loc, batch["label_loc"], batch["label_loc_weight"], config.smooth_l1_beta)
    return {"total": config.cls_weight * cls_loss + config.loc_weight * loc_loss, "cls": cls_loss, "loc": loc_loss}
