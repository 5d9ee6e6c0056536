"""Compiled per-pixel sums of the two gradient-preservation metrics, N_abf and Q_abf.

Both follow Xydeas and Petrovic: Sobel strength and angle per pixel of A, B and F, a
preservation value per source from the strength ratio and the angle difference, and weighted
sums over the image (the definitions are in :mod:`fusion.metrics.nabf` and
:mod:`fusion.metrics.qabf`). One pass per row computes everything for that row from the three
uint8 images; rows run on numba's threads, each row's sums are kept apart and added in row
order, so the result does not depend on the number of threads.

The Sobel sums are taken exactly as in the numpy formulations (N_abf: each kernel column top to
bottom, then the column sums left to right, on ``x / 255``; Q_abf: sums of the integer values,
exact, then divided by 255), so strengths, the ``gh == 0`` / ``Sx == 0`` decisions and every comparison are
bit-identical; ``atan``, ``exp`` and ``sqrt`` are the C library's (at most 1 ulp from numpy's).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from fusion.metrics.ordered_sum import ordered_sum

_jit = numba.njit(cache=True, error_model="numpy")
HALF_PI = np.pi / 2
NABF, QABF = 0, 1  # the metric argument of _ordered_sums


@_jit
def _reflect(i: int, n: int) -> int:
    """Index ``i`` in [-1, n] mirrored without repeating the edge (numpy's 'reflect' by one)."""
    return 1 if i < 0 else (n - 2 if i >= n else i)


@_jit
def _nabf_gradient(img: np.ndarray, y: int, x: int) -> tuple:
    """N_abf's Sobel ``(gh, gv)`` of a 0..1 image (H, W) at (y, x), in the reference's addition order."""
    h, w = img.shape
    rows = (_reflect(y - 1, h), y, _reflect(y + 1, h))
    cols = (_reflect(x - 1, w), x, _reflect(x + 1, w))
    v00, v10, v20 = img[rows[0], cols[0]], img[rows[1], cols[0]], img[rows[2], cols[0]]
    v01, v11, v21 = img[rows[0], cols[1]], img[rows[1], cols[1]], img[rows[2], cols[1]]
    v02, v12, v22 = img[rows[0], cols[2]], img[rows[1], cols[2]], img[rows[2], cols[2]]
    # gv: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] / 8; gh: [[-1, -2, -1], [0, 0, 0], [1, 2, 1]] / 8
    c0 = (-0.125 * v00 + -0.25 * v10) + -0.125 * v20
    c1 = (0.0 * v01 + 0.0 * v11) + 0.0 * v21
    c2 = (0.125 * v02 + 0.25 * v12) + 0.125 * v22
    gv = (c0 + c1) + c2
    c0 = (-0.125 * v00 + 0.0 * v10) + 0.125 * v20
    c1 = (-0.25 * v01 + 0.0 * v11) + 0.25 * v21
    c2 = (-0.125 * v02 + 0.0 * v12) + 0.125 * v22
    gh = (c0 + c1) + c2
    return gh, gv


@_jit
def _nabf_angle(gh: float, gv: float) -> float:
    return 0.0 if gh == 0 and gv == 0 else math.atan(gv / gh)


@_jit
def _nabf_preservation(g_src: float, a_src: float, g_f: float, a_f: float) -> float:
    ratio = 0.0 if g_src == 0 or g_f == 0 else min(g_src, g_f) / max(g_src, g_f)
    angle = abs(abs(a_src - a_f) - HALF_PI) * 2 / np.pi
    q_g = 0.9999 / (1 + math.exp(-19 * (ratio - 0.5)))
    q_a = 0.9995 / (1 + math.exp(-22 * (angle - 0.5)))
    return math.sqrt(q_g * q_a)


@_jit
def _nabf_weight(g: float) -> float:
    return g ** 1.5 if g >= 2.0 else 0.001


@numba.njit(cache=True, error_model="numpy", inline="always")
def _nabf_pixel(a: np.ndarray, b: np.ndarray, f: np.ndarray, y: int, x: int) -> tuple:
    """(artefact loss, weight) of N_abf at (y, x); the loss is 0 where F has no artefact."""
    gh_a, gv_a = _nabf_gradient(a, y, x)
    gh_b, gv_b = _nabf_gradient(b, y, x)
    gh_f, gv_f = _nabf_gradient(f, y, x)
    g_a = math.sqrt(gh_a * gh_a + gv_a * gv_a)
    g_b = math.sqrt(gh_b * gh_b + gv_b * gv_b)
    g_f = math.sqrt(gh_f * gh_f + gv_f * gv_f)
    w_a, w_b = _nabf_weight(g_a), _nabf_weight(g_b)
    loss = 0.0
    if g_f > g_a and g_f > g_b:  # an artefact: F has an edge neither source has
        angle_f = _nabf_angle(gh_f, gv_f)
        q_a = _nabf_preservation(g_a, _nabf_angle(gh_a, gv_a), g_f, angle_f)
        q_b = _nabf_preservation(g_b, _nabf_angle(gh_b, gv_b), g_f, angle_f)
        loss = (1 - q_a) * w_a + (1 - q_b) * w_b
    return loss, w_a + w_b


@_jit
def _qabf_strength_angle(padded: np.ndarray, y: int, x: int) -> tuple:
    """Q_abf's strength and angle at (y, x) of a 0..255 image zero-padded by one pixel (H + 2, W + 2).

    Sobel by conv2 with [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] and [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
    summed on the 0..255 values (exact for integers) and then divided by 255.
    """
    t0, t1, t2 = padded[y, x], padded[y, x + 1], padded[y, x + 2]
    m0, m2 = padded[y + 1, x], padded[y + 1, x + 2]
    b0, b1, b2 = padded[y + 2, x], padded[y + 2, x + 1], padded[y + 2, x + 2]
    sx = ((t0 - t2) + 2 * (m0 - m2) + (b0 - b2)) / 255.0
    sy = ((b0 + 2 * b1 + b2) - (t0 + 2 * t1 + t2)) / 255.0
    return math.sqrt(sx * sx + sy * sy), (HALF_PI if sx == 0 else math.atan(sy / sx))


@_jit
def _qabf_preservation(g_s: float, a_s: float, g_f: float, a_f: float) -> float:
    ratio = g_f / g_s if g_s > g_f else (g_f if g_s == g_f else g_s / g_f)
    angle = 1 - abs(a_s - a_f) / HALF_PI
    return 0.9994 / (1 + math.exp(-15.0 * (ratio - 0.5))) * (0.9879 / (1 + math.exp(-22.0 * (angle - 0.8))))


@numba.njit(cache=True, error_model="numpy", inline="always")
def _qabf_pixel(a: np.ndarray, b: np.ndarray, f: np.ndarray, y: int, x: int) -> tuple:
    """(``Q_AF g_A + Q_BF g_B``, ``g_A + g_B``) of Q_abf at (y, x) of the padded images."""
    g_a, a_a = _qabf_strength_angle(a, y, x)
    g_b, a_b = _qabf_strength_angle(b, y, x)
    g_f, a_f = _qabf_strength_angle(f, y, x)
    return _qabf_preservation(g_a, a_a, g_f, a_f) * g_a + _qabf_preservation(g_b, a_b, g_f, a_f) * g_b, g_a + g_b


@numba.njit(cache=True, error_model="numpy", parallel=True)
def _ordered_sums(metric: int, a: np.ndarray, b: np.ndarray, f: np.ndarray, h: int, w: int) -> tuple:
    """The two sums over the (h, w) pixels of the pairs that ``metric``'s pixel function gives.

    ``metric``: :data:`NABF` (:func:`_nabf_pixel`) or :data:`QABF` (:func:`_qabf_pixel`). Rows run
    on numba's threads; each row adds its pixels left to right, and the row sums are added in row
    order (:func:`ordered_sum`), so the result does not depend on the number of threads.
    """
    first_rows, second_rows = np.zeros(h), np.zeros(h)
    for y in numba.prange(h):
        first = second = 0.0
        for x in range(w):
            p, q = _nabf_pixel(a, b, f, y, x) if metric == NABF else _qabf_pixel(a, b, f, y, x)
            first += p
            second += q
        first_rows[y], second_rows[y] = first, second
    return ordered_sum(first_rows), ordered_sum(second_rows)


def nabf_sums(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> tuple:
    """(artefact loss sum, weight sum) of N_abf for the 0..1 images (H, W) A, B and F."""
    return _ordered_sums(NABF, a, b, f, f.shape[0], f.shape[1])


def qabf_sums(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> tuple:
    """(``sum(Q_AF g_A + Q_BF g_B)``, ``sum(g_A + g_B)``) of Q_abf; A, B, F: 0..255 images zero-padded to (H + 2, W + 2)."""
    return _ordered_sums(QABF, a, b, f, f.shape[0] - 2, f.shape[1] - 2)
