"""pysot's ``AdjustAllLayer`` neck (``pysot/models/neck/neck.py``)."""
from __future__ import annotations

from torch import Tensor, nn


class AdjustLayer(nn.Module):
    """1x1 conv (no bias) + BN to ``out_channels``; maps narrower than 20 are centre-cropped to ``center_size``.

    Shapes: ``(B, C_in, 15, 15)`` -> ``(B, C_out, 7, 7)`` (template); ``(B, C_in, 31, 31)`` -> ``(B, C_out, 31, 31)``.
    """

    def __init__(self, in_channels: int, out_channels: int, center_size: int = 7):
        super().__init__()
        self.downsample = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.center_size = center_size

    def forward(self, x: Tensor) -> Tensor:
        x = self.downsample(x)
        if x.size(3) < 20:
            left = (x.size(3) - self.center_size) // 2
            x = x[:, :, left:left + self.center_size, left:left + self.center_size]
        return x


class AdjustAllLayer(nn.Module):
    """One :class:`AdjustLayer` per level, named ``downsample2``, ``downsample3``, ... as in pysot."""

    def __init__(self, in_channels: tuple[int, ...], out_channels: tuple[int, ...], center_size: int = 7):
        super().__init__()
        self.num = len(out_channels)
        for i, (cin, cout) in enumerate(zip(in_channels, out_channels)):
            self.add_module(f"downsample{i + 2}", AdjustLayer(cin, cout, center_size))

    def forward(self, features: list[Tensor]) -> list[Tensor]:
        """List of ``(B, C_in_l, h, w)`` -> list of ``(B, C_out_l, h', w')``."""
        return [getattr(self, f"downsample{i + 2}")(f) for i, f in enumerate(features)]
