"""SCD, the sum of the correlations of differences (Aslantas and Bendes 2015).

``SCD = corr2(F - B, A) + corr2(F - A, B)``: the difference ``F - B`` should carry what A brings
(and vice versa). Computed on the raw 0..255 values (the measure is scale-free; the reference code
feeds ``double`` images). A constant difference or source has no defined correlation; that term
counts 0 (see :func:`fusion.metrics.common.corr2`).
"""
from __future__ import annotations

import numpy as np

from fusion.metrics.common import as_float, check_images, corr2


def scd(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """SCD of ``fused`` against ``ir`` (A) and ``vis`` (B); all (H, W) uint8. Range [-2, 2]."""
    check_images(ir, vis, fused)
    a, b, f = as_float(ir), as_float(vis), as_float(fused)
    return corr2(f - b, a) + corr2(f - a, b)
