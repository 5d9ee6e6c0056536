"""Convolutional building blocks of RFN-Nest (``docs/fusion_network.md``), reused by the tracking RFN.

``ConvLayer`` keeps the reference's attribute name ``conv2d`` so that its parameters are called
``...conv2d.weight`` / ``...conv2d.bias`` exactly as in the reference checkpoints.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class ConvLayer(nn.Module):
    """Reflection padding ``k // 2`` -> ``Conv2d`` (with bias) -> ReLU (unless ``activation=False``).

    ``(B, in_ch, H, W)`` -> ``(B, out_ch, H', W')`` (``H' = H`` for stride 1, odd ``k``).
    No batch norm; the reference puts a ReLU after every conv of the network.
    """

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, stride: int = 1, activation: bool = True):
        super().__init__()
        self.padding = kernel_size // 2
        self.activation = activation
        self.conv2d = nn.Conv2d(in_ch, out_ch, kernel_size, stride)

    def forward(self, x: Tensor) -> Tensor:
        if self.padding:
            x = F.pad(x, [self.padding] * 4, mode="reflect")
        x = self.conv2d(x)
        return F.relu(x, inplace=True) if self.activation else x


class DenseBlockLight(nn.Module):
    """The paper's "DCB": 3x3 ``ConvLayer`` in -> in//2, then 1x1 ``ConvLayer`` in//2 -> out.

    (No dense links despite the reference's name.) ``(B, in_ch, H, W)`` -> ``(B, out_ch, H, W)``.
    Parameters are ``denseblock.0.*`` and ``denseblock.1.*`` like the reference.
    """

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int = 3):
        super().__init__()
        mid = in_ch // 2
        self.denseblock = nn.Sequential(ConvLayer(in_ch, mid, kernel_size), ConvLayer(mid, out_ch, 1))

    def forward(self, x: Tensor) -> Tensor:
        return self.denseblock(x)


class FusionConvs(nn.Module):
    """The convolutional body of a residual fusion network (RFN), reusable at any width.

    For two feature maps ``a``, ``b`` of shape ``(B, C, H, W)`` (order matters: ``a`` first in
    every concatenation)::

        residual = conv_fusion(cat[a, b])                   2C -> C, k x k
        out      = bottleneck(cat[conv_a(a), conv_b(b)])    1x1 2C -> C, then `depth` k x k C -> C
        return residual + out                               (B, C, H, W)

    RFN-Nest uses ``depth=2`` (its "Conv3..5"); the tracking RFN reuses this with ``depth=1``.
    ``activation`` switches the ReLU after every conv (the reference has it everywhere).
    """

    def __init__(self, channels: int, depth: int = 2, kernel_size: int = 3, activation: bool = True):
        super().__init__()
        c, k = channels, kernel_size
        self.conv_fusion = ConvLayer(2 * c, c, k, activation=activation)
        self.conv_a = ConvLayer(c, c, k, activation=activation)
        self.conv_b = ConvLayer(c, c, k, activation=activation)
        self.bottleneck = nn.Sequential(ConvLayer(2 * c, c, 1, activation=activation),
                                        *[ConvLayer(c, c, k, activation=activation) for _ in range(depth)])

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        residual = self.conv_fusion(torch.cat([a, b], dim=1))
        out = self.bottleneck(torch.cat([self.conv_a(a), self.conv_b(b)], dim=1))
        return residual + out


class RFNBlock(FusionConvs):
    """One RFN-Nest residual fusion network (``docs/fusion_network.md``): ``forward(phi_ir, phi_vi) -> phi_f``.

    ``(B, C, H, W)`` x 2 -> ``(B, C, H, W)``; 56 C^2 + 6 C parameters. ``conv_a`` is the
    reference's ``conv_ir``, ``conv_b`` its ``conv_vi``, ``bottleneck`` its ``bottelblock``.
    """

    def __init__(self, channels: int):
        super().__init__(channels, depth=2, kernel_size=3, activation=True)


def upsample_to(x: Tensor, like: Tensor) -> Tensor:
    """Nearest x2 upsampling of ``x``, then reflection padding to ``like``'s height and width.

    The reference's ``UpsampleReshape_eval``: padding left/top ``diff // 2``, right/bottom the rest
    (odd sizes lose a row to max pooling). ``(B, C, h, w)`` -> ``(B, C, H, W)`` of ``like``.
    """
    x = F.interpolate(x, scale_factor=2, mode="nearest")
    dh, dw = like.shape[-2] - x.shape[-2], like.shape[-1] - x.shape[-1]
    if dh or dw:
        x = F.pad(x, [dw // 2, dw - dw // 2, dh // 2, dh - dh // 2], mode="reflect")
    return x
