"""Parameter-free l1-norm feature fusion for the tracker's fused mode (DenseFuse's strategy)."""
from __future__ import annotations

from torch import Tensor, nn

from fusion.strategies import l1_norm


class L1NormFeatureFusion(nn.Module):
    """Per neck level, ``w_ir * phi_ir + w_rgb * phi_rgb`` with ``w_k`` the share of channel-summed
    ``|phi_k|`` at each position (``fusion.strategies.l1_norm``).

    ``window_radius`` = 0 (DenseFuse's released code; the paper's r = 1 box average is an option).
    Shapes: per level ``(B, C, h, w)`` for both inputs -> ``(B, C, h, w)``.
    """

    def __init__(self, window_radius: int = 0):
        super().__init__()
        self.window_radius = window_radius

    def forward(self, rgb_feats: list[Tensor], ir_feats: list[Tensor]) -> list[Tensor]:
        return [l1_norm(ir, rgb, window_radius=self.window_radius) for rgb, ir in zip(rgb_feats, ir_feats)]
