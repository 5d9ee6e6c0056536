"""pysot's depthwise-correlation RPN heads (``pysot/models/head/rpn.py``, ``pysot/core/xcorr.py``)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def xcorr_depthwise(search: Tensor, kernel: Tensor) -> Tensor:
    """Per-sample, per-channel cross-correlation: ``(B, C, H, W)`` * ``(B, C, k, k)`` -> ``(B, C, H-k+1, W-k+1)``."""
    batch, channel = kernel.shape[:2]
    x = search.reshape(1, batch * channel, search.size(2), search.size(3))
    k = kernel.reshape(batch * channel, 1, kernel.size(2), kernel.size(3))
    out = F.conv2d(x, k, groups=batch * channel)
    return out.reshape(batch, channel, out.size(2), out.size(3))


class DepthwiseXCorr(nn.Module):
    """3x3 conv+BN+ReLU on template and search, depthwise xcorr, then 1x1 conv+BN+ReLU + 1x1 conv.

    Shapes: template ``(B, C, 7, 7)``, search ``(B, C, 31, 31)`` -> ``(B, out_channels, 25, 25)``.
    """

    def __init__(self, in_channels: int, hidden: int, out_channels: int, kernel_size: int = 3):
        super().__init__()
        self.conv_kernel = nn.Sequential(
            nn.Conv2d(in_channels, hidden, kernel_size=kernel_size, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
        )
        self.conv_search = nn.Sequential(
            nn.Conv2d(in_channels, hidden, kernel_size=kernel_size, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
        )
        self.head = nn.Sequential(
            nn.Conv2d(hidden, hidden, kernel_size=1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, out_channels, kernel_size=1),
        )

    def kernel(self, template: Tensor) -> Tensor:
        """The template side, computable once per template: ``(B, C, 7, 7)`` -> ``(B, hidden, 5, 5)``."""
        return self.conv_kernel(template)

    def correlate(self, kernel: Tensor, search: Tensor) -> Tensor:
        """The search side against a :meth:`kernel` output: ``(B, C, 31, 31)`` -> ``(B, out_channels, 25, 25)``."""
        return self.head(xcorr_depthwise(self.conv_search(search), kernel))

    def forward(self, kernel: Tensor, search: Tensor) -> Tensor:
        return self.correlate(self.kernel(kernel), search)


class DepthwiseRPN(nn.Module):
    """``cls`` (2A channels: background then foreground per anchor) and ``loc`` (4A: dx, dy, dw, dh) branches."""

    def __init__(self, anchor_num: int = 5, in_channels: int = 256, out_channels: int = 256):
        super().__init__()
        self.cls = DepthwiseXCorr(in_channels, out_channels, 2 * anchor_num)
        self.loc = DepthwiseXCorr(in_channels, out_channels, 4 * anchor_num)

    def kernels(self, z_f: Tensor) -> tuple[Tensor, Tensor]:
        """Both branches' template kernels (see :meth:`DepthwiseXCorr.kernel`)."""
        return self.cls.kernel(z_f), self.loc.kernel(z_f)

    def correlate(self, kernels: tuple[Tensor, Tensor], x_f: Tensor) -> tuple[Tensor, Tensor]:
        return self.cls.correlate(kernels[0], x_f), self.loc.correlate(kernels[1], x_f)

    def forward(self, z_f: Tensor, x_f: Tensor) -> tuple[Tensor, Tensor]:
        return self.correlate(self.kernels(z_f), x_f)


class MultiRPN(nn.Module):
    """One :class:`DepthwiseRPN` per level (``rpn2``, ``rpn3``, ...), outputs averaged.

    ``weighted``: softmax of the learnt ``cls_weight`` / ``loc_weight`` vectors (pysot r50), else a
    plain mean (pysot mobilev2, which has no such keys).
    """

    def __init__(self, anchor_num: int, in_channels: tuple[int, ...], weighted: bool = False):
        super().__init__()
        self.weighted = weighted
        for i, channels in enumerate(in_channels):
            self.add_module(f"rpn{i + 2}", DepthwiseRPN(anchor_num, channels, channels))
        if weighted:
            self.cls_weight = nn.Parameter(torch.ones(len(in_channels)))
            self.loc_weight = nn.Parameter(torch.ones(len(in_channels)))

    def kernels(self, z_fs: list[Tensor]) -> list[tuple[Tensor, Tensor]]:
        """Per level, the template side of both branches: what a tracker computes once per template."""
        return [getattr(self, f"rpn{i + 2}").kernels(z_f) for i, z_f in enumerate(z_fs)]

    def forward(self, z_fs: list[Tensor], x_fs: list[Tensor]) -> tuple[Tensor, Tensor]:
        """Per-level template / search features -> ``cls (B, 2A, S, S)``, ``loc (B, 4A, S, S)``."""
        return self.correlate(self.kernels(z_fs), x_fs)

    def correlate(self, kernels: list[tuple[Tensor, Tensor]], x_fs: list[Tensor]) -> tuple[Tensor, Tensor]:
        """:meth:`forward` with the template side from :meth:`kernels` (same result, bit for bit)."""
        cls, loc = [], []
        for i, (k, x_f) in enumerate(zip(kernels, x_fs)):
            c, l = getattr(self, f"rpn{i + 2}").correlate(k, x_f)
            cls.append(c)
            loc.append(l)
        if self.weighted:
            cls_w = F.softmax(self.cls_weight, 0)
            loc_w = F.softmax(self.loc_weight, 0)
            return sum(c * w for c, w in zip(cls, cls_w)), sum(l * w for l, w in zip(loc, loc_w))
        return sum(cls) / len(cls), sum(loc) / len(loc)
