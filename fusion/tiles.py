"""Exact tiled fusion: large images in overlapping tiles, with the output of one whole pass.

The nest network is fully convolutional with a finite receptive field, so an output pixel depends
only on the input pixels within :data:`HALO` of it. A tile is therefore fused on its window grown
by ``HALO`` on every side (clipped at the image border), and only its core is kept. Two details
make the crop compute exactly what the whole image computes, not just something close:

* windows start at multiples of :data:`ALIGN` (8 = three 2x2 poolings), so the crop's max-pooling
  grids at the four scales are the image's grids shifted by whole cells;
* a window either ends at the image border (same odd-size handling there as the whole image) or
  at a multiple of 8 inside it (no odd sizes); inside the image its reflection padding is wrong,
  but that error reaches at most ``HALO`` pixels inwards, where only discarded halo lies.

So tiles agree with one pass up to float rounding (the convolution kernels sum in another order
for another origin); ``tests/test_fusion_tiles.py`` checks it, and that a smaller halo fails.

:data:`HALO` is the receptive-field radius of the paper's network, in full-resolution pixels:
3x3 conv radius 1 at scale s costs s, a 2x2 pooling to scale s adds s/2, an upsampling from scale s
adds s/2. Encoder f1..f4: 1, 3.5 (+1 pool, +2), 9.5, 21.5 (rounded up: 2, 4, 10, 22); the RFN's
three chained 3x3 convs add 3s: 5, 10, 22, 46; decoder x3_1 = 46 + 4 + 4 = 54, x2_1 = 22 + 2 + 2,
x2_2 = 54 + 2 + 2 = 58, x1_3 = 58 + 1 + 1 = 60 (the deepest chain). 64 covers it with margin and
is a multiple of 8.
"""
from __future__ import annotations

from typing import Callable

from torch import Tensor

ALIGN = 8
HALO = 64
BYTES_PER_PX_CHANNEL = 9 * 4  # measured peak ~5-8.5 fp32 maps of (3 c1 + c2) channels per pixel (docs/benchmarks_fusion.md)


def peak_bytes_estimate(channels: tuple[int, ...], pixels: int) -> int:
    """Estimated peak bytes of one fast fp32 pass over ``pixels`` pixels (widest decoder input ``3 c1 + c2``)."""
    c1, c2 = channels[0], channels[1]
    return BYTES_PER_PX_CHANNEL * (3 * c1 + c2) * pixels


def tile_for_budget(channels: tuple[int, ...], budget_bytes: int) -> int:
    """The largest tile core side (a multiple of ``ALIGN``, at least 64) whose window fits ``budget_bytes``."""
    per_px = peak_bytes_estimate(channels, 1)
    side = int((budget_bytes / per_px) ** 0.5) - 2 * HALO
    return max(64, side // ALIGN * ALIGN)


def _spans(length: int, core: int) -> list[tuple[int, int, int, int]]:
    """Per tile along one axis: (window start, window end, core start, core end); all cores cover ``length``."""
    spans = []
    for start in range(0, length, core):
        end = min(start + core, length)  # end < length only at a multiple of ALIGN, so hi is aligned too
        spans.append((max(start - HALO, 0), min(end + HALO, length), start, end))
    return spans


def fuse_tiled(fuse: Callable[[Tensor, Tensor], Tensor], ir: Tensor, vi: Tensor, core: int) -> Tensor:
    """``fuse(ir, vi)`` computed tile by tile: ``(B, 1, H, W)`` x 2 -> ``(B, 1, H, W)`` (``fuse``'s dtype).

    ``core``: the side of the kept part of each tile, a positive multiple of :data:`ALIGN`. Each
    window is ``core + 2 * HALO`` pixels wide at most.
    """
    if core <= 0 or core % ALIGN:
        raise ValueError(f"tile core must be a positive multiple of {ALIGN}, got {core}")
    height, width = ir.shape[-2:]
    out: Tensor | None = None
    for y0, y1, cy0, cy1 in _spans(height, core):
        for x0, x1, cx0, cx1 in _spans(width, core):
            part = fuse(ir[..., y0:y1, x0:x1], vi[..., y0:y1, x0:x1])
            if out is None:
                out = part.new_empty(*part.shape[:-2], height, width)
            out[..., cy0:cy1, cx0:cx1] = part[..., cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
    assert out is not None
    return out


def available_memory_bytes() -> int | None:
    """``MemAvailable`` from ``/proc/meminfo`` (Linux), else None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None

