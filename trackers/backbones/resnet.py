"""pysot's atrous ResNet-50 (``pysot/models/backbone/resnet_atrous.py``), layers 2-4 returned.

Differences from torchvision's ResNet-50, all kept so pysot checkpoints load and behave the same:
``conv1`` has padding 0; a bottleneck's 3x3 conv has padding ``2 - stride`` (0 for stride 2) or the
dilation when dilated; layer3 / layer4 keep stride 8 with dilation 2 / 4 (their first block and
their 3x3 downsample conv use half that dilation). A 127 template gives 15x15 maps, a 255 search
31x31 maps, at 512 / 1024 / 2048 channels.
"""
from __future__ import annotations

from torch import Tensor, nn


class Bottleneck(nn.Module):
    """ResNet bottleneck 1x1 -> 3x3 -> 1x1 (x4 channels) with a residual; pysot's padding rules."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 dilation: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        if downsample is not None and dilation > 1:  # first block of a dilated stage
            dilation = dilation // 2
        padding = dilation if dilation > 1 else 2 - stride
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=padding, bias=False,
                               dilation=dilation)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        """``(B, inplanes, H, W)`` -> ``(B, 4*planes, H', W')``."""
        residual = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + residual)


class ResNetAtrous(nn.Module):
    """ResNet-50 trunk returning the outputs of ``layer2``, ``layer3``, ``layer4``.

    Shapes: ``(B, 3, 127, 127)`` -> 3 maps ``(B, 512|1024|2048, 15, 15)``;
    ``(B, 3, 255, 255)`` -> ``(B, 512|1024|2048, 31, 31)``.
    """

    def __init__(self, layers: tuple[int, int, int, int] = (3, 4, 6, 3)):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=0, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], dilation=2)
        self.layer4 = self._make_layer(512, layers[3], dilation=4)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
        out_planes = planes * Bottleneck.expansion
        downsample = None
        if stride != 1 or self.inplanes != out_planes:
            if stride == 1 and dilation == 1:
                conv = nn.Conv2d(self.inplanes, out_planes, kernel_size=1, stride=stride, bias=False)
            else:
                dd, padding = (dilation // 2, dilation // 2) if dilation > 1 else (1, 0)
                conv = nn.Conv2d(self.inplanes, out_planes, kernel_size=3, stride=stride, bias=False,
                                 padding=padding, dilation=dd)
            downsample = nn.Sequential(conv, nn.BatchNorm2d(out_planes))
        layers = [Bottleneck(self.inplanes, planes, stride, downsample, dilation=dilation)]
        self.inplanes = out_planes
        layers += [Bottleneck(self.inplanes, planes, dilation=dilation) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> list[Tensor]:
        """``(B, 3, H, W)`` 0..255 BGR -> ``[layer2, layer3, layer4]`` feature maps."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        p2 = self.layer2(self.layer1(x))
        p3 = self.layer3(p2)
        p4 = self.layer4(p3)
        return [p2, p3, p4]
