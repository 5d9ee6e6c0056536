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
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from fusion.metrics.common import as_float, check_images

SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
SOBEL_Y = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.float64)
TG, KG, DG = 0.9994, -15.0, 0.5
TA, KA, DA = 0.9879, -22.0, 0.8


def _strength_angle(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edge strength and angle (H, W) of a uint8 image, on the 0..1 scale."""
    x = as_float(image)
    sx = ndimage.convolve(x, SOBEL_X, mode="constant", cval=0.0) / 255.0
    sy = ndimage.convolve(x, SOBEL_Y, mode="constant", cval=0.0) / 255.0
    with np.errstate(divide="ignore", invalid="ignore"):
        angle = np.where(sx == 0, np.pi / 2, np.arctan(sy / sx))
    return np.sqrt(sx * sx + sy * sy), angle


def _preservation(g_s: np.ndarray, a_s: np.ndarray, g_f: np.ndarray, a_f: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        g_ratio = np.where(g_s > g_f, g_f / g_s, np.where(g_s == g_f, g_f, g_s / g_f))
    a_ratio = 1 - np.abs(a_s - a_f) / (np.pi / 2)
    return TG / (1 + np.exp(KG * (g_ratio - DG))) * (TA / (1 + np.exp(KA * (a_ratio - DA))))


def qabf(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """Q_abf of ``fused`` against ``ir`` (A) and ``vis`` (B); all (H, W) uint8. In [0, 1], higher is better."""
    check_images(ir, vis, fused)
    g_a, a_a = _strength_angle(ir)
    g_b, a_b = _strength_angle(vis)
    g_f, a_f = _strength_angle(fused)
    denominator = np.sum(g_a + g_b)
    if denominator == 0:
        return 0.0
    numerator = np.sum(_preservation(g_a, a_a, g_f, a_f) * g_a + _preservation(g_b, a_b, g_f, a_f) * g_b)
    return float(numerator / denominator)
