"""Q_abf: the gradient-based fusion performance of Xydeas and Petrovic (Electronics Letters 2000).

As the reference code (``analysis_Qabf.m``) computes it on 0..1 images:

* Sobel by zero-padded 'same' *convolution*: ``Sx`` with ``[[-1,0,1],[-2,0,2],[-1,0,1]]``,
  ``Sy`` with ``[[1,2,1],[0,0,0],[-1,-2,-1]]``; ``g = sqrt(Sx^2 + Sy^2)``,
  ``alpha = atan(Sy / Sx)``, ``pi/2`` where ``Sx = 0``. The sums are taken on the integer values
  (exact) and then divided by 255, so ``Sx = 0`` is decided exactly rather than by the rounding
  of one particular addition order (floating-point sums of ``x / 255`` values may leave ~1e-17
  instead of 0 and flip such angles to ``-pi/2``).
* ``GAF = gF / gA`` where ``gA > gF``, ``gA / gF`` where ``gA < gF`` and — a quirk of the
  reference kept here — ``gF`` itself where ``gA == gF`` (so 0 where both are 0, not 1);
  ``AAF = 1 - |alphaA - alphaF| / (pi / 2)``.
* ``QgAF = Tg / (1 + exp(kg (GAF - Dg)))``, ``QaAF = Ta / (1 + exp(ka (AAF - Da)))`` with
  Tg 0.9994, kg -15, Dg 0.5, Ta 0.9879, ka -22, Da 0.8; ``QAF = QgAF * QaAF``; same for B.
* ``Q_abf = sum(QAF gA + QBF gB) / sum(gA + gB)``. When both sources are flat (no edges at all,
  so the denominator is 0) there is nothing to preserve and the value is defined as 0.

Computed in one pass over the pixels by :func:`fusion.metrics.petrovic_kernel.qabf_sums`.
"""
from __future__ import annotations

import numpy as np

from fusion.metrics.common import as_float, check_images
from fusion.metrics.petrovic_kernel import qabf_sums



def qabf(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """Q_abf of ``fused`` against ``ir`` (A) and ``vis`` (B); all (H, W) uint8. In [0, 1], higher is better."""
    check_images(ir, vis, fused)
    numerator, denominator = qabf_sums(*(np.pad(as_float(x), 1) for x in (ir, vis, fused)))
    return float(numerator / denominator) if denominator != 0 else 0.0
