"""The four residual fusion networks of RFN-Nest (``docs/fusion_network.md``), one per encoder scale."""
from __future__ import annotations

from torch import Tensor, nn

from fusion.blocks import RFNBlock
from fusion.encoder import CHANNELS


class ResidualFusionNetwork(nn.Module):
    """Fuse the infrared and visible feature pyramids scale by scale.

    ``forward([phi_ir^m], [phi_vi^m]) -> [phi_f^m]``, each ``(B, channels[m], H_m, W_m)``.
    ``blocks[m]`` is the reference's ``fusion_block{m+1}``. 4,791,488 parameters at the default widths.
    """

    def __init__(self, channels: tuple[int, ...] = CHANNELS):
        super().__init__()
        self.blocks = nn.ModuleList(RFNBlock(c) for c in channels)

    def forward(self, features_ir: list[Tensor], features_vi: list[Tensor]) -> list[Tensor]:
        return [block(ir, vi) for block, ir, vi in zip(self.blocks, features_ir, features_vi)]
