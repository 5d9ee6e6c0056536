"""pysot's anchors (``pysot/utils/anchor.py`` + ``SiamRPNTracker.generate_anchor``)."""
from __future__ import annotations

import math

import numpy as np

from trackers.config import AnchorConfig


def anchor_shapes(anchors: AnchorConfig) -> np.ndarray:
    """The ``(A, 2)`` anchor ``(w, h)``, one per ratio then scale, with pysot's integer rounding.

    For the defaults: (104, 32), (88, 40), (64, 64), (40, 80), (32, 96).
    """
    area = anchors.stride * anchors.stride
    shapes = []
    for ratio in anchors.ratios:
        ws = int(math.sqrt(area * 1.0 / ratio))
        hs = int(ws * ratio)
        for scale in anchors.scales:
            shapes.append((ws * scale, hs * scale))
    return np.asarray(shapes, dtype=np.float32)


def generate_anchors(anchors: AnchorConfig, score_size: int) -> np.ndarray:
    """All anchors of an ``S x S`` score map as ``(A*S*S, 4)`` float32 ``(cx, cy, w, h)``.

    Row ``a*S*S + y*S + x`` is anchor shape ``a`` at cell ``(x, y)``; centres are relative to the
    search-crop centre: ``cx = (x - S//2) * stride`` (``-96 .. 96`` for S = 25, stride 8).
    """
    shapes = anchor_shapes(anchors)
    offsets = (np.arange(score_size) - score_size // 2) * anchors.stride
    xx, yy = np.meshgrid(offsets, offsets)  # (S, S), xx varies along columns
    num = len(shapes)
    out = np.empty((num, score_size * score_size, 4), dtype=np.float32)
    out[:, :, 0] = xx.reshape(1, -1)
    out[:, :, 1] = yy.reshape(1, -1)
    out[:, :, 2] = shapes[:, 0:1]
    out[:, :, 3] = shapes[:, 1:2]
    return out.reshape(-1, 4)
