"""N_abf: the modified fusion-artefacts measure of Shreyamsha Kumar (2013), as the paper reports it.

Source: the Petrovic edge-preservation framework (Xydeas and Petrovic 2000; Petrovic and Xydeas
2005) with Kumar's modified artefact term (B. K. Shreyamsha Kumar, "Multifocus and multispectral
image fusion based on pixel significance using discrete cosine harmonic wavelet transform",
SIViP 2013), called by the reference code on ``F01, A01, B01`` (values in 0..1):

* Sobel by correlation after mirror padding by one pixel without repeating the edge
  (``np.pad(x, 1, 'reflect')``): ``gv`` with ``[[-1,0,1],[-2,0,2],[-1,0,1]]/8``, ``gh`` with
  ``[[-1,-2,-1],[0,0,0],[1,2,1]]/8``. The 3x3 sums are added in the reference's order (each
  kernel column top to bottom, then the three column sums left to right): that order decides
  whether ``gh`` is exactly 0 in flat regions and so the sign of the ``±pi/2`` angles there.
* ``g = sqrt(gh^2 + gv^2)``, ``alpha = atan(gv / gh)`` (``±pi/2`` when ``gh = 0``; 0 when both
  are 0, where the reference's 0/0 would otherwise be undefined).
* ``gAF = min(gA, gF) / max(gA, gF)`` (0 if either is 0); ``aAF = | |alphaA - alphaF| - pi/2 | * 2/pi``;
  ``QgAF = 0.9999 / (1 + exp(-19 (gAF - 0.5)))``, ``QaAF = 0.9995 / (1 + exp(-22 (aAF - 0.5)))``,
  ``QAF = sqrt(QgAF QaAF)``; the same for B.
* Weights ``wA = gA^1.5`` where ``gA >= 2`` else 0.001 (with 0..1 inputs ``g`` never reaches 2, so
  every weight is 0.001, exactly as in the reference); ``na = 1`` where ``gF > gA`` and ``gF > gB``.
* ``N_abf = sum(na ((1 - QAF) wA + (1 - QBF) wB)) / sum(wA + wB)``; lower is better.
"""
from __future__ import annotations

import numpy as np

from fusion.metrics.common import as_float, check_images

SOBEL_V = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64) / 8
SOBEL_H = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64) / 8
EDGE_THRESHOLD = 2.0
MIN_WEIGHT = 0.001
WEIGHT_EXPONENT = 1.5


def correlate3x3_columnwise(padded: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """3x3 correlation of ``padded`` (H+2, W+2) -> (H, W), summed in the reference's order.

    Each kernel column is summed top to bottom, then the column sums are added left to right.
    """
    h, w = padded.shape[0] - 2, padded.shape[1] - 2
    columns = []
    for col in range(3):
        s = kernel[0, col] * padded[0:h, col:col + w]
        s = s + kernel[1, col] * padded[1:h + 1, col:col + w]
        s = s + kernel[2, col] * padded[2:h + 2, col:col + w]
        columns.append(s)
    return (columns[0] + columns[1]) + columns[2]


def sobel_strength_angle(image01: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edge strength ``g`` and angle ``alpha`` (both (H, W)) of a 0..1 image, as described above."""
    padded = np.pad(image01, 1, mode="reflect")
    gv = correlate3x3_columnwise(padded, SOBEL_V)
    gh = correlate3x3_columnwise(padded, SOBEL_H)
    strength = np.sqrt(gh * gh + gv * gv)
    with np.errstate(divide="ignore", invalid="ignore"):
        angle = np.arctan(gv / gh)
    angle[(gv == 0) & (gh == 0)] = 0.0
    return strength, angle


def _preservation(g_src: np.ndarray, a_src: np.ndarray, g_f: np.ndarray, a_f: np.ndarray) -> np.ndarray:
    """Edge-preservation map ``Q^{SF}`` (H, W) of one source."""
    low, high = np.minimum(g_src, g_f), np.maximum(g_src, g_f)
    with np.errstate(divide="ignore", invalid="ignore"):
        g_ratio = np.where((g_src == 0) | (g_f == 0), 0.0, low / high)
    a_ratio = np.abs(np.abs(a_src - a_f) - np.pi / 2) * 2 / np.pi
    q_g = 0.9999 / (1 + np.exp(-19 * (g_ratio - 0.5)))
    q_a = 0.9995 / (1 + np.exp(-22 * (a_ratio - 0.5)))
    return np.sqrt(q_g * q_a)


def _weight(g: np.ndarray) -> np.ndarray:
    return np.where(g >= EDGE_THRESHOLD, np.power(g, WEIGHT_EXPONENT), MIN_WEIGHT)


def nabf(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """N_abf of ``fused`` against ``ir`` (A) and ``vis`` (B); all (H, W) uint8. Range [0, 1], lower is better."""
    check_images(ir, vis, fused)
    g_a, a_a = sobel_strength_angle(as_float(ir, scale01=True))
    g_b, a_b = sobel_strength_angle(as_float(vis, scale01=True))
    g_f, a_f = sobel_strength_angle(as_float(fused, scale01=True))
    w_a, w_b = _weight(g_a), _weight(g_b)
    artefact = (g_f > g_a) & (g_f > g_b)
    loss = (1 - _preservation(g_a, a_a, g_f, a_f)) * w_a + (1 - _preservation(g_b, a_b, g_f, a_f)) * w_b
    return float(np.sum(loss[artefact]) / np.sum(w_a + w_b))
