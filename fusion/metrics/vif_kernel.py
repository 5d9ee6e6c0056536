"""Compiled pieces of VIF's Gaussian-scale-mixture model (the definition is in :mod:`fusion.metrics.vif`).

A subband ``y`` (h, w) (h, w multiples of 3) is modelled in 3x3 neighbourhoods: the covariance
``C_U`` (9, 9) of the nine shifted copies ``y[k:h-2+k, j:w-2+j]`` (index ``p = 3 j + k``, the
reference's column-major order), the multiplier ``s = x^T C_U^+ x / 9`` of every 3x3 block ``x``,
and the information sums over the eigenvalues of ``C_U``. These replace numpy code that stacked
nine copies of every subband; sums are added in another order, which moves VIF by float
rounding only (~1e-14 relative on the TNO pairs). Work is split over numba's threads by row
(for ``C_U``: each row's nine shifted segments are centred once and give all 45 products), each
row summed on its own and the rows added in order, so the results do not depend on the number
of threads.
"""
from __future__ import annotations

import numba
import numpy as np

from fusion.metrics.fmi_kernel import log2
from fusion.metrics.ordered_sum import ordered_sum

B = 3  # block side
P = B * B  # values per block


PAIRS = np.array([(p, q) for p in range(P) for q in range(p, P)], dtype=np.int64)  # the 45 entries p <= q


@numba.njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _row_products(y: np.ndarray, r: int, means: np.ndarray, centred: np.ndarray, out: np.ndarray) -> None:
    """``out[n] = sum_c (y_p - m_p)(y_q - m_q)`` along row ``r`` of the shifted copies, ``(p, q) = PAIRS[n]``.

    ``centred`` (9, cols) is scratch: each shifted copy of the row is centred once, then the 45
    products are summed in SIMD lanes.
    """
    cols = centred.shape[1]
    for p in range(P):
        k, j = p % B, p // B
        for c in range(cols):
            centred[p, c] = y[r + k, c + j] - means[p]
    for n in range(PAIRS.shape[0]):
        a, b = centred[PAIRS[n, 0]], centred[PAIRS[n, 1]]
        s = 0.0
        for c in range(cols):
            s += a[c] * b[c]
        out[n] = s


@numba.njit(cache=True, error_model="numpy", parallel=True)
def overlap_covariance(y: np.ndarray) -> np.ndarray:
    """``C_U`` (9, 9): covariance (divided by the count) of the nine shifted copies of ``y`` (h, w)."""
    rows, cols = y.shape[0] - B + 1, y.shape[1] - B + 1
    count = rows * cols
    means = np.empty(P)
    for p in range(P):
        means[p] = y[p % B:p % B + rows, p // B:p // B + cols].sum() / count
    per_row = np.empty((rows, PAIRS.shape[0]))
    for r in numba.prange(rows):
        _row_products(y, r, means, np.empty((P, cols)), per_row[r])
    cov = np.empty((P, P))
    for n in range(PAIRS.shape[0]):
        p, q = PAIRS[n, 0], PAIRS[n, 1]
        cov[p, q] = cov[q, p] = ordered_sum(per_row[:, n]) / count
    return cov


@numba.njit(cache=True, error_model="numpy", parallel=True, fastmath={"contract"})
def gsm_multipliers(y: np.ndarray, inverse: np.ndarray, offset: int) -> np.ndarray:
    """``s = x^T inverse x / 9`` of the 3x3 blocks of ``y`` (h, w), skipping ``offset`` blocks at each edge."""
    rows, cols = y.shape[0] // B - 2 * offset, y.shape[1] // B - 2 * offset
    out = np.empty((rows, cols))
    for br in numba.prange(rows):
        x = np.empty(P)
        for bc in range(cols):
            for p in range(P):
                x[p] = y[B * (br + offset) + p % B, B * (bc + offset) + p // B]
            s = 0.0
            for p in range(P):
                t = 0.0
                for q in range(P):
                    t += inverse[p, q] * x[q]
                s += t * x[p]
            out[br, bc] = s / P
    return out


@numba.njit(cache=True, error_model="numpy", parallel=True, fastmath={"contract"})
def information_sums(g: np.ndarray, vv: np.ndarray, ss: np.ndarray, lambdas: np.ndarray,
                     sigma_nsq: float) -> tuple:
    """(``sum log2(1 + g^2 s lambda / (vv + sigma))``, ``sum log2(1 + s lambda / sigma)``) over blocks and lambdas."""
    rows, cols = ss.shape
    num_rows, den_rows = np.zeros(rows), np.zeros(rows)
    for r in numba.prange(rows):
        num = den = 0.0
        for c in range(cols):
            gain, noise, s = g[r, c], vv[r, c] + sigma_nsq, ss[r, c]
            for lam in lambdas:
                num += log2(1 + gain * gain * s * lam / noise)
                den += log2(1 + s * lam / sigma_nsq)
        num_rows[r], den_rows[r] = num, den
    return ordered_sum(num_rows), ordered_sum(den_rows)


@numba.njit(cache=True, error_model="numpy", parallel=True, fastmath={"reassoc", "contract"})
def correlate_every_second(padded: np.ndarray, kernel: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """``out[i, j] = sum_ab padded[2 i + a, 2 j + b] kernel[a, b]`` for ``i < rows``, ``j < cols``.

    With ``padded`` the image extended by ``k // 2`` on every side (k = kernel side) this is the
    'same' correlation sampled at even rows and columns, the only samples the pyramid keeps after
    its low-pass filter, computed directly instead of filtering every pixel.
    """
    side = kernel.shape[0]
    out = np.empty((rows, cols))
    for i in numba.prange(rows):
        acc = np.zeros(cols)
        for a in range(side):
            line = padded[2 * i + a]
            for b in range(side):
                weight = kernel[a, b]
                for j in range(cols):
                    acc[j] += line[2 * j + b] * weight
        out[i] = acc
    return out


@numba.njit(cache=True, error_model="numpy", parallel=True, fastmath={"reassoc", "contract"})
def block_moments(y: np.ndarray, yn: np.ndarray, size: int) -> np.ndarray:
    """Window sums of ``y``, ``yn``, ``y*yn``, ``y*y``, ``yn*yn`` (5, h/3, w/3) at rows/cols 1, 4, 7, ...

    ``y`` and ``yn`` are (h + size - 1, w + size - 1): the subbands extended by ``size // 2``
    (reflect-101). A ``size`` x ``size`` window centred on each block's middle pixel: vertical sums
    over the window's rows, then horizontal sums at every third column.
    """
    half = size // 2
    rows, cols = (y.shape[0] - 2 * half) // B, (y.shape[1] - 2 * half) // B
    width = y.shape[1]
    out = np.empty((5, rows, cols))
    for i in numba.prange(rows):
        vertical = np.zeros((5, width))
        top = B * i + 1  # the window of output row 1 + 3 i starts at padded row 1 + 3 i
        for a in range(size):
            ra, rb = y[top + a], yn[top + a]
            for c in range(width):
                x, z = ra[c], rb[c]
                vertical[0, c] += x
                vertical[1, c] += z
                vertical[2, c] += x * z
                vertical[3, c] += x * x
                vertical[4, c] += z * z
        for k in range(5):
            for j in range(cols):
                left = B * j + 1
                total = 0.0
                for b in range(size):
                    total += vertical[k, left + b]
                out[k, i, j] = total
    return out
