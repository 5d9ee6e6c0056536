"""Feature-scale statistics: how large the fusion candidates are and what the frozen heads make of them.

L_feature's target is ``w_vi * phi_rgb + w_ir * phi_ir``; with the paper's 3 and 6 it is several
times larger than the neck features the frozen RPN heads were trained on, with the normalised
weights (1/3, 2/3) it stays at their scale. These helpers measure that on real networks:

* :func:`fusion_candidates` builds, per neck level, the features a fused tracker could hand the
  heads: ``rgb``, ``ir``, ``l1`` (the l1-norm fusion), ``paper`` (the paper's target) and
  ``normalised`` (the normalised target);
* :func:`level_scale` gives the standard deviation and mean ``|phi|`` of each level;
* :func:`head_response` runs the frozen heads on template/search features and summarises the
  magnitude of their scores and offsets.

``docs/tracking_rfn.md`` holds the table that ``bench/bench_rfn_loss_scale.py`` prints from them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import Tensor, nn

from fusion.strategies import l1_norm

Levels = Sequence[Tensor]
CANDIDATES = ("rgb", "ir", "l1", "paper", "normalised")


@dataclass(frozen=True)
class LevelScale:
    """Scale of one neck level's features: ``std`` over all elements and ``mean_abs`` = mean ``|phi|``."""

    std: float
    mean_abs: float


@dataclass(frozen=True)
class HeadResponse:
    """What the heads output for one kind of features (means over the batch).

    Attributes:
        cls_std: standard deviation of the classification logits ``(B, 2A, 25, 25)``.
        score_max: mean over samples of the largest foreground probability (softmax over the two
            classes), the peak the tracker picks.
        score_mean: mean foreground probability over all anchors and positions.
        loc_std: standard deviation of the offsets ``(B, 4A, 25, 25)`` (dx, dy, dw, dh).
        loc_abs_max: mean over samples of the largest ``|offset|``.
    """

    cls_std: float
    score_max: float
    score_mean: float
    loc_std: float
    loc_abs_max: float


def fusion_candidates(rgb: Levels, ir: Levels, w_vi: float = 3.0, w_ir: float = 6.0) -> dict[str, list[Tensor]]:
    """The candidate fused features per level, keyed by :data:`CANDIDATES`.

    ``rgb`` and ``ir`` are per-level ``[B, C, h, w]`` neck features; ``paper`` is
    ``w_vi * rgb + w_ir * ir`` and ``normalised`` the same with ``w / (w_vi + w_ir)``.
    """
    total = w_vi + w_ir
    return {
        "rgb": list(rgb),
        "ir": list(ir),
        "l1": [l1_norm(i, r) for r, i in zip(rgb, ir)],
        "paper": [w_vi * r + w_ir * i for r, i in zip(rgb, ir)],
        "normalised": [(w_vi * r + w_ir * i) / total for r, i in zip(rgb, ir)],
    }


def level_scale(feats: Levels) -> list[LevelScale]:
    """:class:`LevelScale` of each ``[B, C, h, w]`` level."""
    return [LevelScale(std=float(f.float().std()), mean_abs=float(f.float().abs().mean())) for f in feats]


def head_response(model: nn.Module, z_feats: Levels, x_feats: Levels) -> HeadResponse:
    """Run ``model.head`` (frozen, no gradient) on template ``[B, C, 7, 7]`` and search
    ``[B, C, 31, 31]`` features per level and summarise its outputs (:class:`HeadResponse`)."""
    with torch.no_grad():
        cls, loc = model.head(list(z_feats), list(x_feats))
    batch, channels, height, width = cls.shape
    anchors = channels // 2
    # channel k*A + a: k = 0 background, 1 foreground (trackers.model.SiameseRPN)
    logits = cls.float().view(batch, 2, anchors, height, width)
    score = logits.softmax(dim=1)[:, 1].flatten(1)
    loc = loc.float()
    return HeadResponse(cls_std=float(cls.float().std()), score_max=float(score.max(dim=1).values.mean()),
                        score_mean=float(score.mean()), loc_std=float(loc.std()),
                        loc_abs_max=float(loc.abs().flatten(1).max(dim=1).values.mean()))
