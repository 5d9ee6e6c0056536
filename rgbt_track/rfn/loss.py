"""L_RFN for the tracking RFN: ``alpha * L_detail + L_feature`` (paper Eq. 4, 6 and 7; ``docs/tracking_rfn.md``).

Per neck level m, with ``phi_f`` the RFN output and ``phi_rgb``, ``phi_ir`` its inputs::

    L_detail  = sum_m [1 - SSIM(phi_f^m, l1(phi_rgb^m, phi_ir^m))]                 (Eq. 7)
    L_feature = sum_m w1[m] * ||phi_f^m - (w_vi * phi_rgb^m + w_ir * phi_ir^m)||^2 (Eq. 6)

``l1`` is the DenseFuse l1-norm strategy (``fusion.strategies.l1_norm``) and SSIM the single-scale
``fusion.ssim.ssim``; the l1 target is treated as a constant (it depends only on the frozen
tracker's features). The paper's values are the defaults where it gives them (alpha 700,
w_vi 3, w_ir 6, Gaussian window 11 with sigma 1.5). The paper's open points are options;
the defaults chosen here and why:

* ``level_weights`` (w1) — default equal weights. The paper's {1, 10, 100, 1000} balances four
  image-encoder scales whose magnitudes differ by orders; the tracker's three levels have the same
  size (7x7 / 31x31) and each ends in a batch norm, so their magnitudes are alike, and
  {1, 10, 100} would let the last level drown the others.
* SSIM is single-scale (MS-SSIM cannot downsample a 7x7 map five times) with ``data_range``
  fixed per sample to the max - min of that sample's l1 target (features have no 0..255 range, and
  a range guessed from the first sample would mis-scale the others). A float fixes it globally.
* ``normalize_modality_weights`` — default off: the paper's 3 and 6 are used as given. Turning it
  on uses w / (w_vi + w_ir) (1/3 and 2/3), which keeps the target at the scale the frozen heads
  saw; it is an ablation (see ``docs/tracking_rfn.md`` for its effect).
* ``feature_reduction`` — default "mean" (squared error averaged over elements, as the reference
  RFN-Nest code does) so the term does not grow with batch size or map size; "sum" is the
  Frobenius norm of Eq. 6, summed over the batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import torch
from torch import nn

from fusion.ssim import ssim
from fusion.strategies import l1_norm


@dataclass(frozen=True)
class RFNLossConfig:
    """Weights and options of L_RFN (paper values as defaults; open points documented above)."""

    alpha: float = 700.0
    """Weight of L_detail (paper: 700)."""
    w_vi: float = 3.0
    """Weight of the visible (RGB) features in L_feature's target (paper: 3)."""
    w_ir: float = 6.0
    """Weight of the infrared features in L_feature's target (paper: 6)."""
    normalize_modality_weights: bool = False
    """Use w_vi / (w_vi + w_ir) and w_ir / (w_vi + w_ir) instead of w_vi, w_ir."""
    level_weights: tuple[float, ...] | None = None
    """w1, one weight per neck level; None means 1 for every level."""
    feature_reduction: Literal["mean", "sum"] = "mean"
    """How the squared error of L_feature is reduced over batch, channels and positions."""
    ssim_window: int = 11
    """Gaussian SSIM window (shrunk to the map size for 7x7 templates by ``fusion.ssim``)."""
    ssim_sigma: float = 1.5
    ssim_data_range: Literal["per_sample"] | float = "per_sample"
    """"per_sample": max - min of each sample's l1 target; a float: that range for all samples."""
    l1_window_radius: int = 0
    """Box window of the l1-norm activity map (0 as in DenseFuse's released code)."""

    def __post_init__(self) -> None:
        if self.alpha < 0 or self.w_vi < 0 or self.w_ir < 0 or self.w_vi + self.w_ir <= 0:
            raise ValueError("alpha, w_vi and w_ir must be >= 0, and w_vi + w_ir > 0")
        if self.feature_reduction not in ("mean", "sum"):
            raise ValueError(f"feature_reduction must be 'mean' or 'sum', got {self.feature_reduction!r}")
        if isinstance(self.ssim_data_range, str):
            if self.ssim_data_range != "per_sample":
                raise ValueError(f"ssim_data_range must be 'per_sample' or a number, got {self.ssim_data_range!r}")
        elif not self.ssim_data_range > 0:
            raise ValueError("ssim_data_range must be positive")
        if self.level_weights is not None and any(w < 0 for w in self.level_weights):
            raise ValueError("level_weights must be >= 0")

    @property
    def modality_weights(self) -> tuple[float, float]:
        """``(w_vi, w_ir)`` as used in L_feature's target."""
        if self.normalize_modality_weights:
            total = self.w_vi + self.w_ir
            return self.w_vi / total, self.w_ir / total
        return self.w_vi, self.w_ir


@dataclass(frozen=True)
class RFNLossTerms:
    """The loss and its parts (0-dim tensors): ``total = alpha * detail + feature``."""

    total: torch.Tensor
    detail: torch.Tensor
    feature: torch.Tensor

    def as_floats(self) -> dict[str, float]:
        return {"total": float(self.total.detach()), "detail": float(self.detail.detach()),
                "feature": float(self.feature.detach())}


class RFNLoss(nn.Module):
    """``forward(fused, rgb, ir) -> RFNLossTerms`` for one branch (lists of ``[B, C, h, w]`` per level)."""

    def __init__(self, config: RFNLossConfig = RFNLossConfig()):
        super().__init__()
        self.config = config

    def forward(self, fused: Sequence[torch.Tensor], rgb: Sequence[torch.Tensor],
                ir: Sequence[torch.Tensor]) -> RFNLossTerms:
        cfg = self.config
        if not (len(fused) == len(rgb) == len(ir)) or len(fused) == 0:
            raise ValueError(f"need the same non-zero number of levels, got {len(fused)}, {len(rgb)}, {len(ir)}")
        level_weights = cfg.level_weights if cfg.level_weights is not None else (1.0,) * len(fused)
        if len(level_weights) != len(fused):
            raise ValueError(f"level_weights has {len(level_weights)} entries for {len(fused)} levels")
        w_vi, w_ir = cfg.modality_weights
        detail = fused[0].new_zeros(())
        feature = fused[0].new_zeros(())
        for phi_f, phi_rgb, phi_ir, w1 in zip(fused, rgb, ir, level_weights):
            detail = detail + (1.0 - self._ssim_to_l1(phi_f, phi_rgb, phi_ir))
            error = (phi_f - (w_vi * phi_rgb + w_ir * phi_ir)).pow(2)
            feature = feature + w1 * (error.mean() if cfg.feature_reduction == "mean" else error.sum())
        return RFNLossTerms(total=cfg.alpha * detail + feature, detail=detail, feature=feature)

    def _ssim_to_l1(self, phi_f: torch.Tensor, phi_rgb: torch.Tensor, phi_ir: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        with torch.no_grad():
            target = l1_norm(phi_ir, phi_rgb, window_radius=cfg.l1_window_radius)
            if cfg.ssim_data_range == "per_sample":
                flat = target.flatten(1)
                data_range = (flat.max(dim=1).values - flat.min(dim=1).values).clamp_min(1e-6)
            else:
                data_range = float(cfg.ssim_data_range)
        return ssim(phi_f, target, window_size=cfg.ssim_window, sigma=cfg.ssim_sigma,
                    data_range=data_range, reduction="mean")
