"""SCD, the sum of the correlations of differences (Aslantas and Bendes 2015).

``SCD = corr2(F - B, A) + corr2(F - A, B)``: the difference ``F - B`` should carry what A brings
(and vice versa). Computed on the raw 0..255 values (the measure is scale-free; the reference code
feeds ``double`` images). A constant difference or source has no defined correlation; that term
counts 0.

Both correlations come from the nine sums ``sum a, sum a^2, sum a b, ...`` of the integer images,
which are exact (float64 dot products of integers below 2^53) and combined in Python integers,
so the only rounding is the final division and square root.
"""
from __future__ import annotations

import math

import numpy as np

from fusion.metrics.common import check_images


def _corr2_exact(n: int, sxy: int, sx: int, sy: int, sxx: int, syy: int) -> float:
    """``corr2`` from exact integer sums over ``n`` pixels; 0 when either image is constant."""
    var_x, var_y = n * sxx - sx * sx, n * syy - sy * sy
    if var_x == 0 or var_y == 0:
        return 0.0
    return (n * sxy - sx * sy) / math.sqrt(var_x * var_y)


def scd(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """SCD of ``fused`` against ``ir`` (A) and ``vis`` (B); all (H, W) uint8. Range [-2, 2]."""
    check_images(ir, vis, fused)
    a, b, f = (np.asarray(x, dtype=np.float64).ravel() for x in (ir, vis, fused))
    n = a.size
    sa, sb, sf = (int(x.sum()) for x in (a, b, f))
    saa, sbb, sff = (int(np.dot(x, x)) for x in (a, b, f))
    sab, saf, sbf = int(np.dot(a, b)), int(np.dot(a, f)), int(np.dot(b, f))
    # corr2(F - B, A) and corr2(F - A, B), with sum((F - B)^2) = sff - 2 sbf + sbb.
    return (_corr2_exact(n, saf - sab, sf - sb, sa, sff - 2 * sbf + sbb, saa)
            + _corr2_exact(n, sbf - sab, sf - sa, sb, sff - 2 * saf + saa, sbb))
