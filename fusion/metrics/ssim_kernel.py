"""Compiled sums of the two SSIM-family metrics: SSIM_a and one scale of MEF-SSIM.

Both need local moments of A, B and F (means and second moments in 11x11 windows) and then a
per-pixel formula (the definitions are in :mod:`fusion.metrics.ssim_a` and
:mod:`fusion.metrics.mef_ssim`). Here each output row is filtered on the fly: for every moment a
vertical pass over the 11 input rows (products of two images formed as they are read), then a
horizontal pass, then the formula for the row, whose sum is kept. No full-size moment image is
ever stored. Rows run on numba's threads and are added in row order, so the result does not
depend on the number of threads. The window sums are added in another order than scipy's
``correlate1d``, which moves the results by float rounding only (~1e-14 relative on the TNO
pairs).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from fusion.metrics.ordered_sum import ordered_sum

_jit = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})
EPS = np.finfo(np.float64).eps


@_jit
def _vertical(x: np.ndarray, y: np.ndarray, top: int, taps: np.ndarray, out: np.ndarray) -> None:
    """``out[c] = sum_k taps[k] x[top + k, c] y[top + k, c]`` for all columns c (``y is x`` for squares)."""
    out[:] = 0.0
    for k in range(taps.shape[0]):
        t = taps[k]
        for c in range(out.shape[0]):
            out[c] += t * (x[top + k, c] * y[top + k, c])


@_jit
def _vertical_mean(x: np.ndarray, top: int, taps: np.ndarray, out: np.ndarray) -> None:
    """``out[c] = sum_k taps[k] x[top + k, c]`` for all columns c."""
    out[:] = 0.0
    for k in range(taps.shape[0]):
        t = taps[k]
        for c in range(out.shape[0]):
            out[c] += t * x[top + k, c]


@_jit
def _horizontal(column: np.ndarray, taps: np.ndarray, out: np.ndarray) -> None:
    """``out[c] = sum_k taps[k] column[c + k]`` for the valid positions c."""
    out[:] = 0.0
    for k in range(taps.shape[0]):
        t = taps[k]
        for c in range(out.shape[0]):
            out[c] += t * column[c + k]


@_jit
def _moments(images: tuple, pairs: np.ndarray, top: int, taps: np.ndarray, column: np.ndarray,
             out: np.ndarray) -> None:
    """Window means (``pairs[m] = (i, -1)``) or second moments (``(i, j)``) of one output row into ``out[m]``."""
    for m in range(pairs.shape[0]):
        i, j = pairs[m, 0], pairs[m, 1]
        if j < 0:
            _vertical_mean(images[i], top, taps, column)
        else:
            _vertical(images[i], images[j], top, taps, column)
        _horizontal(column, taps, out[m])


# SSIM_a: moments of (A, B, F) in this order of ``out`` rows
SSIM_PAIRS = np.array([[0, -1], [1, -1], [2, -1], [0, 0], [1, 1], [2, 2], [2, 0], [2, 1]], dtype=np.int64)


@numba.njit(cache=True, error_model="numpy", parallel=True, fastmath={"contract"})
def ssim_sums(a: np.ndarray, b: np.ndarray, f: np.ndarray, taps: np.ndarray, c1: float, c2: float) -> tuple:
    """(sum of the SSIM(F, A) map, sum of the SSIM(F, B) map); A, B, F (H + k - 1, W + k - 1) padded, k taps."""
    h, w = f.shape[0] - taps.shape[0] + 1, f.shape[1] - taps.shape[0] + 1
    images = (a, b, f)
    sum_a, sum_b = np.zeros(h), np.zeros(h)
    for y in numba.prange(h):
        column, m = np.empty(f.shape[1]), np.empty((SSIM_PAIRS.shape[0], w))
        _moments(images, SSIM_PAIRS, y, taps, column, m)
        acc_a = acc_b = 0.0
        for c in range(w):
            mu_f = m[2, c]
            var_f = m[5, c] - mu_f * mu_f
            for s in range(2):
                mu_s = m[s, c]
                var_s = m[3 + s, c] - mu_s * mu_s
                cov = m[6 + s, c] - mu_f * mu_s
                num = (2 * mu_f * mu_s + c1) * (2 * cov + c2)
                den = (mu_f * mu_f + mu_s * mu_s + c1) * (var_f + var_s + c2)
                if s == 0:
                    acc_a += num / den
                else:
                    acc_b += num / den
        sum_a[y], sum_b[y] = acc_a, acc_b
    return ordered_sum(sum_a), ordered_sum(sum_b)


# MEF-SSIM: box moments of (A, B), then Gaussian moments of (A, B, F)
BOX_PAIRS = np.array([[0, -1], [1, -1], [0, 0], [0, 1], [1, 1]], dtype=np.int64)
GAUSS_PAIRS = np.array([[0, -1], [1, -1], [2, -1], [0, 0], [0, 1], [1, 1], [0, 2], [1, 2], [2, 2]], dtype=np.int64)


@_jit
def _mef_q(box: np.ndarray, gauss: np.ndarray, c: int, n: float, window: int, k: float) -> float:
    """MEF-SSIM ``q`` at column c from the box (5, W) and Gaussian (9, W) moments of the row."""
    mu_a, mu_b = box[0, c], box[1, c]
    c00, c01, c11 = box[2, c] - mu_a * mu_a, box[3, c] - mu_a * mu_b, box[4, c] - mu_b * mu_b
    norm_a, norm_b = math.sqrt(max(n * c00, 0.0)), math.sqrt(max(n * c11, 0.0))
    ed_a, ed_b = norm_a + 0.001, norm_b + 0.001
    total_var = (((0.0 + c00) + c01) + c01) + c11
    ratio = (math.sqrt(max(n * total_var, 0.0)) + EPS) / (((0.0 + norm_a) + norm_b) + EPS)
    ratio = min(max(ratio, EPS), 1 - EPS)
    power = min(math.tan(np.pi / 2 * ratio), 10.0)
    w_a, w_b = (ed_a / window) ** power + EPS, (ed_b / window) ** power + EPS
    normaliser = (0.0 + w_a) + w_b
    coef_a, coef_b = w_a / normaliser / ed_a, w_b / normaliser / ed_b
    r_norm2 = ((((0.0 + coef_a * coef_a * n * c00) + coef_a * coef_b * n * c01) + coef_b * coef_a * n * c01)
               + coef_b * coef_b * n * c11)
    r_norm = math.sqrt(max(r_norm2, 0.0))
    rescale = max(ed_a, ed_b) / r_norm if r_norm > 0 else 1.0
    coef_a, coef_b = coef_a * rescale, coef_b * rescale
    ga, gb, gf = gauss[0, c], gauss[1, c], gauss[2, c]
    g00, g01, g11 = gauss[3, c] - ga * ga, gauss[4, c] - ga * gb, gauss[5, c] - gb * gb
    g0f, g1f, gff = gauss[6, c] - ga * gf, gauss[7, c] - gb * gf, gauss[8, c] - gf * gf
    sigma_r2 = ((((0.0 + coef_a * coef_a * g00) + coef_a * coef_b * g01) + coef_b * coef_a * g01)
                + coef_b * coef_b * g11)
    sigma_rf = (0.0 + coef_a * g0f) + coef_b * g1f
    const = (k * 255) ** 2
    return (2 * sigma_rf + const) / (sigma_r2 + gff + const)


@numba.njit(cache=True, error_model="numpy", parallel=True, fastmath={"contract"})
def mef_ssim_sum(a: np.ndarray, b: np.ndarray, f: np.ndarray, box_taps: np.ndarray, gauss_taps: np.ndarray,
                 k: float) -> float:
    """Sum of MEF-SSIM's ``q`` over all valid windows of the 0..255 images (H, W); window = len(taps)."""
    window = gauss_taps.shape[0]
    h, w = f.shape[0] - window + 1, f.shape[1] - window + 1
    n = float(window * window)
    images = (a, b, f)
    row_sums = np.zeros(h)
    for y in numba.prange(h):
        column = np.empty(f.shape[1])
        box, gauss = np.empty((BOX_PAIRS.shape[0], w)), np.empty((GAUSS_PAIRS.shape[0], w))
        _moments(images, BOX_PAIRS, y, box_taps, column, box)
        _moments(images, GAUSS_PAIRS, y, gauss_taps, column, gauss)
        acc = 0.0
        for c in range(w):
            acc += _mef_q(box, gauss, c, n, window, k)
        row_sums[y] = acc
    return ordered_sum(row_sums)
