"""Inference-only primitives for :mod:`fusion.fast_forward`: padding once, convolving fast.

Everything works on NCHW tensors and returns what the training modules return up to float
rounding:

* :func:`padded_cat` writes a reflection-padded concatenation straight into one buffer (one copy
  per part instead of a ``cat`` plus a ``pad``), nearest-upsampling parts on the way;
* :func:`conv3x3_relu` runs a 3x3 convolution on an already padded buffer, with NNPACK's Winograd
  F(6x6, 3x3) kernels on CPU/fp32 for layers with at least ``NNPACK_MIN_CHANNELS`` inputs (5x
  fewer multiplications in theory, up to ~2.5x faster than ``F.conv2d`` measured; PyTorch itself
  only uses NNPACK for batches of 16 or more; its thread pool keeps the torch thread count of its
  first use) and ``F.conv2d`` otherwise;
* :func:`conv1x1_relu` is a 1x1 convolution over several inputs as a sum of matrix products,
  so the concatenation it would read is never built.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import Tensor

NNPACK_MIN_CHANNELS = 60  # measured: with fewer input channels NNPACK is rarely faster than F.conv2d


@dataclass(frozen=True)
class Up:
    """A part of :func:`padded_cat` that is nearest-upsampled x2 first (``fusion.blocks.upsample_to``)."""

    x: Tensor  # (B, C, h, w) with 2h, 2w equal to the target size or one less


@lru_cache(maxsize=1)
def nnpack_usable() -> bool:
    """True when this PyTorch build has NNPACK and it initialises on this CPU."""
    return hasattr(torch, "_nnpack_spatial_convolution") and bool(torch._nnpack_available())


def padded_cat(parts: list[Tensor | Up], size: tuple[int, int]) -> Tensor:
    """``F.pad(cat(parts, 1), [1, 1, 1, 1], "reflect")`` built in one buffer.

    ``parts``: ``(B, C_i, H, W)`` tensors or :class:`Up` parts of half the size. ``size`` = (H, W).
    Returns ``(B, sum C_i, H + 2, W + 2)``.
    """
    h, w = size
    if h < 2 or w < 2:
        raise ValueError(f"reflection padding needs at least 2x2 maps, got {h}x{w}")
    first = parts[0].x if isinstance(parts[0], Up) else parts[0]
    channels = sum((p.x if isinstance(p, Up) else p).shape[1] for p in parts)
    buf = first.new_empty(first.shape[0], channels, h + 2, w + 2)
    c0 = 0
    for part in parts:
        if isinstance(part, Up):
            c1 = c0 + part.x.shape[1]
            _write_upsampled(buf[:, c0:c1, 1:h + 1, 1:w + 1], part.x)
        else:
            c1 = c0 + part.shape[1]
            buf[:, c0:c1, 1:h + 1, 1:w + 1] = part
        c0 = c1
    buf[:, :, 0, 1:w + 1] = buf[:, :, 2, 1:w + 1]  # rows first, then columns: corners come out as F.pad's
    buf[:, :, h + 1, 1:w + 1] = buf[:, :, h - 1, 1:w + 1]
    buf[:, :, :, 0] = buf[:, :, :, 2]
    buf[:, :, :, w + 1] = buf[:, :, :, w - 1]
    return buf


def _write_upsampled(dest: Tensor, x: Tensor) -> None:
    """``dest (B, C, H, W)[...] = upsample_to(x, dest)`` for ``x (B, C, h, w)``, ``H - 2h``, ``W - 2w`` in {0, 1}.

    ``upsample_to`` pads an odd size by reflection on the bottom/right only (``diff // 2 = 0``
    on the top/left), i.e. the extra row repeats row ``2h - 2``.
    """
    b, c, h, w = x.shape
    big_h, big_w = dest.shape[-2:]
    if big_h - 2 * h not in (0, 1) or big_w - 2 * w not in (0, 1):
        raise ValueError(f"cannot upsample {h}x{w} into {big_h}x{big_w}")
    dest[:, :, :2 * h, :2 * w].view(b, c, h, 2, w, 2).copy_(x[:, :, :, None, :, None])
    if big_h > 2 * h:
        dest[:, :, 2 * h, :2 * w] = dest[:, :, 2 * h - 2, :2 * w]
    if big_w > 2 * w:
        dest[:, :, :, 2 * w] = dest[:, :, :, 2 * w - 2]


def conv3x3_relu(padded: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """``relu(conv2d(padded, weight, bias))`` without padding: ``(B, Cin, H+2, W+2)`` -> ``(B, Cout, H, W)``.

    NNPACK (fp32 CPU tensors, ``Cin >= NNPACK_MIN_CHANNELS``) or ``F.conv2d``.
    """
    if (padded.device.type == "cpu" and padded.dtype == torch.float32 and weight.shape[1] >= NNPACK_MIN_CHANNELS
            and nnpack_usable()):
        out = torch._nnpack_spatial_convolution(padded.contiguous(), weight, bias, [0, 0])
    else:
        out = F.conv2d(padded, weight, bias)
    return out.relu_()


def conv1x1_relu(parts: list[Tensor], weights: list[Tensor], bias: Tensor) -> Tensor:
    """``relu(conv1x1(cat(parts, 1)))`` with the weight split per part.

    ``parts[i]``: ``(B, C_i, H, W)``; ``weights[i]``: ``(Cout, C_i)``; ``bias``: ``(Cout,)``.
    Returns ``(B, Cout, H, W)``.
    """
    b, _, h, w = parts[0].shape
    out = torch.matmul(weights[0], parts[0].reshape(b, -1, h * w))
    for part, weight in zip(parts[1:], weights[1:]):
        out.add_(torch.matmul(weight, part.reshape(b, -1, h * w)))
    return out.add_(bias[:, None]).relu_().view(b, -1, h, w)
