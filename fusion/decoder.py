"""RFN-Nest decoders (``docs/fusion_network.md``): the nest-connection decoder and the "No-nest" ablation (Sec. 4.6)."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from fusion.blocks import ConvLayer, DenseBlockLight, upsample_to
from fusion.encoder import CHANNELS


def _cat(*tensors: Tensor) -> Tensor:
    return torch.cat(tensors, dim=1)


class _Heads(nn.Module):
    """1x1 output convs: one (``conv_out``) or, with deep supervision, three (``conv1..3``)."""

    def __init__(self, width: int, out_channels: int, deep_supervision: bool):
        super().__init__()
        self.deep_supervision = deep_supervision
        if deep_supervision:
            self.conv1 = ConvLayer(width, out_channels, 1)
            self.conv2 = ConvLayer(width, out_channels, 1)
            self.conv3 = ConvLayer(width, out_channels, 1)
        else:
            self.conv_out = ConvLayer(width, out_channels, 1)

    def forward(self, x1_1: Tensor, x1_2: Tensor, x1_3: Tensor) -> list[Tensor]:
        if self.deep_supervision:
            return [self.conv1(x1_1), self.conv2(x1_2), self.conv3(x1_3)]
        return [self.conv_out(x1_3)]


class _BlockGrid(nn.Module):
    """The six dense blocks ``db{scale}_{column}`` and the output heads both decoders build.

    Block ``x{i}_1`` reads ``f_i`` and the upsampled ``f_{i+1}`` (``c_i + c_{i+1} -> c_i``); the
    later blocks ``x1_2``, ``x2_2``, ``x1_3`` read ``row_inputs`` (one count each) maps of their own
    scale's width and the upsampled block below (``n c_i + c_{i+1} -> c_i``). Subclasses set ``row_inputs`` and
    define ``forward``; blocks are built in the reference's order (same seeded initialisation).
    """

    row_inputs: tuple[int, int, int]

    def __init__(self, channels: tuple[int, ...] = CHANNELS, out_channels: int = 1, deep_supervision: bool = False):
        super().__init__()
        c1, c2, c3, c4 = channels
        n12, n22, n13 = self.row_inputs
        self.db1_1 = DenseBlockLight(c1 + c2, c1)
        self.db2_1 = DenseBlockLight(c2 + c3, c2)
        self.db3_1 = DenseBlockLight(c3 + c4, c3)
        self.db1_2 = DenseBlockLight(n12 * c1 + c2, c1)
        self.db2_2 = DenseBlockLight(n22 * c2 + c3, c2)
        self.db1_3 = DenseBlockLight(n13 * c1 + c2, c1)
        self.heads = _Heads(c1, out_channels, deep_supervision)


class NestDecoder(_BlockGrid):
    """Four feature maps (``channels``) -> image(s) ``(B, out_channels, H, W)``.

    Returns a list: one image, or three (from ``x1_1``, ``x1_2``, ``x1_3``) with deep supervision.
    Block names follow the reference (``DB1_1`` -> ``db1_1`` ...). The ReLU on the output conv is
    kept, like the reference.
    """

    row_inputs = (2, 2, 3)

    def forward(self, features: list[Tensor]) -> list[Tensor]:
        f1, f2, f3, f4 = features
        x1_1 = self.db1_1(_cat(f1, upsample_to(f2, f1)))
        x2_1 = self.db2_1(_cat(f2, upsample_to(f3, f2)))
        x1_2 = self.db1_2(_cat(f1, x1_1, upsample_to(x2_1, f1)))
        x3_1 = self.db3_1(_cat(f3, upsample_to(f4, f3)))
        x2_2 = self.db2_2(_cat(f2, x2_1, upsample_to(x3_1, f2)))
        x1_3 = self.db1_3(_cat(f1, x1_1, x1_2, upsample_to(x2_2, f1)))
        return self.heads(x1_1, x1_2, x1_3)


class NoNestDecoder(_BlockGrid):
    """The "No-nest" ablation: the same grid of blocks without the short connections.

    Each block sees only its left neighbour (or the encoder feature) and the upsampled block below;
    the paper's Fig. 12 shows the layout but no code exists, so this is our reading of it::

        x1_1 = DB(c1+c2 -> c1)(cat[f1, up f2])      x2_1 = DB(c2+c3 -> c2)(cat[f2, up f3])
        x1_2 = DB(c1+c2 -> c1)(cat[x1_1, up x2_1])  x3_1 = DB(c3+c4 -> c3)(cat[f3, up f4])
        x2_2 = DB(c2+c3 -> c2)(cat[x2_1, up x3_1])  x1_3 = DB(c1+c2 -> c1)(cat[x1_2, up x2_2])
    """

    row_inputs = (1, 1, 1)

    def forward(self, features: list[Tensor]) -> list[Tensor]:
        f1, f2, f3, f4 = features
        x1_1 = self.db1_1(_cat(f1, upsample_to(f2, f1)))
        x2_1 = self.db2_1(_cat(f2, upsample_to(f3, f2)))
        x1_2 = self.db1_2(_cat(x1_1, upsample_to(x2_1, f1)))
        x3_1 = self.db3_1(_cat(f3, upsample_to(f4, f3)))
        x2_2 = self.db2_2(_cat(x2_1, upsample_to(x3_1, f2)))
        x1_3 = self.db1_3(_cat(x1_2, upsample_to(x2_2, f1)))
        return self.heads(x1_1, x1_2, x1_3)
