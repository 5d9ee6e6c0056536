"""pysot's MobileNetV2 (``pysot/models/backbone/mobile_v2.py``), width 1.4, layers 3 / 5 / 7 returned.

Stride 8 overall (``layer0``, ``layer2``, ``layer3`` stride 2), later stages dilated instead of
strided (``docs/tracker.md``). ``layer0`` has padding 0, so a 127 template gives 15x15 maps and a 255 search
31x31 maps, at 44 / 134 / 448 channels.
"""
from __future__ import annotations

from torch import Tensor, nn

# (expand t, channels c, blocks n, stride s, dilation d) per stage, layer1..layer7.
INVERTED_RESIDUAL_SETTING = (
    (1, 16, 1, 1, 1),
    (6, 24, 2, 2, 1),
    (6, 32, 3, 2, 1),
    (6, 64, 4, 1, 2),
    (6, 96, 3, 1, 2),
    (6, 160, 3, 1, 4),
    (6, 320, 1, 1, 4),
)


class InvertedResidual(nn.Module):
    """1x1 expand + BN + ReLU6, 3x3 depthwise + BN + ReLU6, 1x1 project + BN; residual when shapes allow."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int, dilation: int = 1):
        super().__init__()
        self.use_res_connect = stride == 1 and inp == oup
        padding = dilation if dilation > 1 else 2 - stride
        hidden = inp * expand_ratio
        self.conv = nn.Sequential(
            nn.Conv2d(inp, hidden, 1, 1, 0, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, hidden, 3, stride, padding, dilation=dilation, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, oup, 1, 1, 0, bias=False),
            nn.BatchNorm2d(oup),
        )

    def forward(self, x: Tensor) -> Tensor:
        """``(B, inp, H, W)`` -> ``(B, oup, H', W')``."""
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """Modules ``layer0`` .. ``layer7`` as in pysot; returns the outputs of ``used_layers``.

    Shapes: ``(B, 3, 127, 127)`` -> ``(B, 44, 15, 15)``, ``(B, 134, 15, 15)``, ``(B, 448, 15, 15)``;
    a 255 search gives 31x31 maps.
    """

    def __init__(self, width_mult: float = 1.4, used_layers: tuple[int, ...] = (3, 5, 7)):
        super().__init__()
        self.used_layers = used_layers
        input_channel = int(32 * width_mult)
        self.layer0 = nn.Sequential(
            nn.Conv2d(3, input_channel, 3, 2, 0, bias=False),
            nn.BatchNorm2d(input_channel),
            nn.ReLU6(inplace=True),
        )
        last_dilation = 1
        for idx, (t, c, n, s, d) in enumerate(INVERTED_RESIDUAL_SETTING, start=1):
            output_channel = int(c * width_mult)
            first_dilation = d if d == last_dilation else max(d // 2, 1)
            blocks = [InvertedResidual(input_channel, output_channel, s, t, first_dilation)]
            blocks += [InvertedResidual(output_channel, output_channel, 1, t, d) for _ in range(1, n)]
            input_channel = output_channel
            last_dilation = d
            self.add_module(f"layer{idx}", nn.Sequential(*blocks))
        self.num_layers = len(INVERTED_RESIDUAL_SETTING) + 1

    def forward(self, x: Tensor) -> list[Tensor]:
        """``(B, 3, H, W)`` 0..255 BGR -> the ``used_layers`` feature maps."""
        outputs = []
        for idx in range(self.num_layers):
            x = getattr(self, f"layer{idx}")(x)
            if idx in self.used_layers:
                outputs.append(x)
        return outputs
