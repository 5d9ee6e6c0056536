"""The RFN-Nest encoder (``docs/fusion_network.md``): 1x1 stem, four DenseBlockLight levels with max pooling."""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from fusion.blocks import ConvLayer, DenseBlockLight

CHANNELS = (64, 112, 160, 208)


class NestEncoder(nn.Module):
    """Gray image ``(B, 1, H, W)`` (0..255 floats) -> four feature maps.

    Returns ``[f1, f2, f3, f4]`` with ``channels[m]`` channels at ``H / 2^m`` (floor) for m = 0..3.
    ``stem`` is the reference's ``conv0``, ``levels[m]`` its ``DB{m+1}_0``.
    """

    def __init__(self, channels: tuple[int, ...] = CHANNELS, stem_channels: int = 16, in_channels: int = 1):
        super().__init__()
        self.stem = ConvLayer(in_channels, stem_channels, 1)
        widths = (stem_channels, *channels)
        self.levels = nn.ModuleList(DenseBlockLight(widths[i], widths[i + 1]) for i in range(len(channels)))

    def forward(self, x: Tensor) -> list[Tensor]:
        x = self.stem(x)
        features = []
        for i, level in enumerate(self.levels):
            x = level(x if i == 0 else F.max_pool2d(x, 2))
            features.append(x)
        return features
