"""RFN-Nest losses (``docs/fusion_network.md``): the auto-encoder loss and the RFN loss (detail + feature terms).

Both take a list of decoder outputs (one, or three with deep supervision) and average the image
terms over them. MS-SSIM uses ``normalize=True`` like the reference; in the standard form the
dynamic range is fixed to 255 (inputs are 0..255), in the reference form it is guessed from the
network output at every level, as the reference does.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor

from fusion.ssim import ms_ssim


def _ms_ssim_loss(x: Tensor, y: Tensor, form: str) -> Tensor:
    data_range = 255.0 if form == "standard" else None
    return 1 - ms_ssim(x, y, data_range=data_range, form=form, normalize=True)


@dataclass
class AutoencoderLossConfig:
    """``L_auto = MSE(O, I) + lambda * (1 - MS-SSIM(O, I))``, lambda = 100."""

    ssim_weight: float = 100.0
    ms_ssim_form: str = "standard"


@dataclass
class RFNLossConfig:
    """``L_RFN = alpha * (1 - MS-SSIM(O', I_vi)) + sum_m w1[m] * MSE(phi_f, w_ir phi_ir + w_vi phi_vi)``."""

    alpha: float = 700.0
    w_ir: float = 6.0
    w_vi: float = 3.0
    w1: tuple[float, ...] = field(default_factory=lambda: (1.0, 10.0, 100.0, 1000.0))
    ms_ssim_form: str = "standard"


def autoencoder_loss(outputs: list[Tensor], target: Tensor, config: AutoencoderLossConfig) -> tuple[Tensor, dict[str, float]]:
    """``outputs``: list of ``(B, 1, H, W)``; ``target`` ``(B, 1, H, W)`` -> (loss, terms for logging)."""
    pixel = torch.stack([F.mse_loss(o, target) for o in outputs]).mean()
    ssim_term = torch.stack([_ms_ssim_loss(o, target, config.ms_ssim_form) for o in outputs]).mean()
    total = pixel + config.ssim_weight * ssim_term
    return total, {"pixel": pixel.item(), "ssim": ssim_term.item(), "total": total.item()}


def min_max_255(x: Tensor) -> Tensor:
    """``255 * (x - min) / (max - min + 1e-5)`` over the whole batch tensor (the reference's O')."""
    return 255 * (x - x.min()) / (x.max() - x.min() + 1e-5)


def rfn_loss(outputs: list[Tensor], fused: list[Tensor], features_ir: list[Tensor], features_vi: list[Tensor],
             visible: Tensor, config: RFNLossConfig) -> tuple[Tensor, dict[str, float]]:
    """The RFN loss. ``fused``/``features_*``: the four ``(B, C_m, H_m, W_m)`` maps; ``visible`` ``(B, 1, H, W)``."""
    detail = torch.stack([_ms_ssim_loss(min_max_255(o), visible, config.ms_ssim_form) for o in outputs]).mean()
    feature = sum(w * F.mse_loss(f, config.w_ir * ir + config.w_vi * vi)
                  for w, f, ir, vi in zip(config.w1, fused, features_ir, features_vi))
    total = config.alpha * detail + feature
    return total, {"detail": detail.item(), "feature": feature.item(), "total": total.item()}
