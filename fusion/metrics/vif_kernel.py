"""Compiled pieces of VIF's Gaussian-scale-mixture model (the definition is in :mod:`fusion.metrics.vif`).

A subband ``y`` (h, w) (h, w multiples of 3) is modelled in 3x3 neighbourhoods: the covariance
``C_U`` (9, 9) of the nine shifted copies ``y[k:h-2+k, j:w-2+j]`` (index ``p = 3 j + k``, the
reference's column-major order), the multiplier ``s = x^T C_U^+ x / 9`` of every 3x3 block ``x``,
and the information sums over the eigenvalues of ``C_U``. These replace numpy code that stacked
nine copies of every subband; sums are added in another order, which moves VIF by float
rounding only (~1e-14 relative on the TNO pairs). Work is split over numba's threads by
covariance entry or by row, each part summed on its own and the parts added in a fixed order,
so the results do not depend on the number of threads.
"""
from __future__ import annotations

import numba
import numpy as np

from fusion.metrics.fmi_kernel import log2

_jit = numba.njit(cache=True, error_model="numpy")
B = 3  # block side
P = B * B  # values per block


@numba.njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _centred_product_sum(y: np.ndarray, p: int, mp: float, q: int, mq: float, rows: int, cols: int) -> float:
    """``sum (y_p - mp)(y_q - mq)`` over the shifted copies p, q of ``y`` (h, w); summed in SIMD lanes."""
    kp, jp, kq, jq = p % B, p // B, q % B, q // B
    total = 0.0
    for r in range(rows):
        s = 0.0
        for c in range(cols):
            s += (y[r + kp, c + jp] - mp) * (y[r + kq, c + jq] - mq)
        total += s
    return total


@numba.njit(cache=True, error_model="numpy", parallel=True)
def overlap_covariance(y: np.ndarray) -> np.ndarray:
    """``C_U`` (9, 9): covariance (divided by the count) of the nine shifted copies of ``y`` (h, w)."""
    rows, cols = y.shape[0] - B + 1, y.shape[1] - B + 1
    count = rows * cols
    means = np.empty(P)
    for p in range(P):
        means[p] = y[p % B:p % B + rows, p // B:p // B + cols].sum() / count
    pairs = [(p, q) for p in range(P) for q in range(p, P)]
    values = np.empty(len(pairs))
    for n in numba.prange(len(pairs)):
        p, q = pairs[n]
        values[n] = _centred_product_sum(y, p, means[p], q, means[q], rows, cols)
    cov = np.empty((P, P))
    for n in range(len(pairs)):
        p, q = pairs[n]
        cov[p, q] = cov[q, p] = values[n] / count
    return cov


@numba.njit(cache=True, error_model="numpy", parallel=True)
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


@numba.njit(cache=True, error_model="numpy", parallel=True)
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
    num = den = 0.0
    for r in range(rows):
        num += num_rows[r]
        den += den_rows[r]
    return num, den
