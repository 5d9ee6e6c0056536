"""``tiny``: a small CPU-friendly backbone of the SiamRPN++ family.

Design (same geometry as pysot's ResNet-50 / MobileNetV2, so the neck, heads, anchors and tracking
loop are shared unchanged):

* Stride 8 from three stride-2 stages with **padding 0**, like pysot's ``conv1`` / ``layer0``: a
  127 template gives 15x15 maps and a 255 search 31x31 maps; the neck's 7x7 centre crop and the
  3x3 head convs then give 25x25 score maps.
* Three returned levels, like pysot's "layers 2-4": ``layer2`` (stride 8, 64 ch), ``layer3``
  (dilation 2, 96 ch) and ``layer4`` (dilation 4, 128 ch). Dilation instead of striding keeps every
  level at 31x31 while the receptive field grows (about 23 / 87 / 215 px), which gives the weighted
  multi-level head levels with different context to combine.
* ``layer0`` is a full 3x3 conv; everything after it is depthwise-separable (3x3 depthwise +
  1x1 pointwise, each with BatchNorm + ReLU, as in MobileNet), and each of ``layer2``-``layer4``
  ends in a residual separable block. Full 3x3 convolutions at 31x31 with ~100 channels would cost
  ~10x more; the separable ones keep a search crop at ~0.15 GFLOP so that fused mode (two search
  crops in one batch) runs at >= 25 frames/s on a 2-core CPU (``bench/bench_tracker.py``).
* BatchNorm everywhere (folded into the convs for inference by ``trackers.bn_fold``); residual
  blocks so that the network trains from scratch on the generated sequences.

About 60 k parameters in the backbone; with the 48-channel neck and heads (the heads' 3x3 convs on
29x29 maps dominate the cost, which grows with the square of that width) the whole model has
342,928 (``tests/test_trackers_model.py`` pins the count). Input as for the pysot backbones:
BGR 0..255 floats, no normalisation (the first BatchNorm absorbs the scale).
"""
from __future__ import annotations

from torch import Tensor, nn

CHANNELS = (24, 48, 64, 96, 128)


def separable(inp: int, oup: int, stride: int = 1, padding: int = 1, dilation: int = 1) -> nn.Sequential:
    """3x3 depthwise conv + BN + ReLU, then 1x1 conv + BN + ReLU: ``(B, inp, H, W)`` -> ``(B, oup, H', W')``."""
    return nn.Sequential(
        nn.Conv2d(inp, inp, 3, stride, padding, dilation=dilation, groups=inp, bias=False),
        nn.BatchNorm2d(inp),
        nn.ReLU(inplace=True),
        nn.Conv2d(inp, oup, 1, bias=False),
        nn.BatchNorm2d(oup),
        nn.ReLU(inplace=True),
    )


class SeparableResidual(nn.Module):
    """Residual separable block: ``relu(x + BN(pw(relu(BN(dw(x))))))``, shape-preserving ``(B, C, H, W)``."""

    def __init__(self, channels: int, dilation: int = 1):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, dilation, dilation=dilation, groups=channels, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 1, bias=False),
            nn.BatchNorm2d(channels),
        )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(x + self.conv(x))


class TinyBackbone(nn.Module):
    """Modules ``layer0`` .. ``layer4``; returns ``[layer2, layer3, layer4]``.

    Shapes: ``(B, 3, 127, 127)`` -> ``(B, 64|96|128, 15, 15)``; ``(B, 3, 255, 255)`` -> ``(B, 64|96|128, 31, 31)``.
    """

    def __init__(self, channels: tuple[int, int, int, int, int] = CHANNELS):
        super().__init__()
        c0, c1, c2, c3, c4 = channels
        self.layer0 = nn.Sequential(                                              # 127->63, 255->127
            nn.Conv2d(3, c0, 3, 2, 0, bias=False), nn.BatchNorm2d(c0), nn.ReLU(inplace=True))
        self.layer1 = separable(c0, c1, stride=2, padding=0)                      # 63->31, 127->63
        self.layer2 = nn.Sequential(separable(c1, c2, stride=2, padding=0), SeparableResidual(c2))  # ->15, ->31
        self.layer3 = nn.Sequential(separable(c2, c3, padding=2, dilation=2), SeparableResidual(c3, 2))
        self.layer4 = nn.Sequential(separable(c3, c4, padding=4, dilation=4), SeparableResidual(c4, 4))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: Tensor) -> list[Tensor]:
        """``(B, 3, H, W)`` 0..255 BGR -> three ``(B, C_l, h, w)`` maps."""
        p2 = self.layer2(self.layer1(self.layer0(x)))
        p3 = self.layer3(p2)
        p4 = self.layer4(p3)
        return [p2, p3, p4]
