"""Compiled per-window kernel of the fast FMI (the definition is in :mod:`fusion.metrics.fmi`).

A 3x3 window is 9 values in MATLAB's column-major order. Windows are processed in blocks of
:data:`LANES`: every array below is ``(rows, LANES)`` with one column ("lane") per window, and
each step is a loop over the lanes that LLVM compiles to SIMD code. So the definition's branches
are written as selects (values are loaded before one is chosen), divisions are unchecked
(``error_model="numpy"``) and each loop stores into as few arrays as possible.

Per source window S and fused window F:

1. pdf ``p = (x - min x) / sum(x - min x)`` (uniform for a flat window) and its entropy (bits);
2. the Pearson correlation ``c`` of the two pdfs; F's pdf is reversed where ``c < 0`` (the lower
   Frechet bound is the upper one of the reversed pdf) and both CDFs ``CS``, ``CQ`` are summed up;
3. the 18 cells of the Frechet staircase, one per breakpoint of the merged CDFs (ties: the
   source's first): the cell ending at ``CS_i`` is ``(i, #{j: CQ_j < CS_i})``, the one ending at
   ``CQ_j`` is ``(#{i: CS_i <= CQ_j}, j)`` (indices capped at 8); its mass is its end minus the
   previous breakpoint of either CDF. On the staircase (mass and ``p_S p_F`` both positive) the
   joint pdf is ``|c| mass + (1 - |c|) p_S p_F``, elsewhere ``(1 - |c|) p_S p_F``;
4. ``MI = sum_on joint log2(joint / (p_S p_F)) + (1 - |c|) log2(1 - |c|) (1 - sum_on p_S p_F)``
   and ``fmi = 2 MI / (H_S + H_F)``; 1 / 0 when both entropies are 0 and the pdfs are equal /
   differ; 1 for identical windows.

Sums over the 9 window values are taken in numpy's pairwise order, so pdfs, entropies and
correlations are those of the vectorised numpy formulation up to fused multiply-adds (the
kernels may contract ``a * b + c``, ~15 % faster) and the logarithm (:func:`log2`, within 2 ulp
of numpy's); the order in which the staircase terms are added differs. Per window the fmi stays
within 1e-14 of the numpy formulation, exactly equal where it is decided without logarithms. Each row of windows is summed on its own and the rows are added in order
afterwards, so the result does not depend on the number of threads.
"""
from __future__ import annotations

import numba
import numpy as np

from fusion.metrics.ordered_sum import ordered_sum

N = 9  # values per 3x3 window
CELLS = 2 * N  # staircase cells per window pair (breakpoints of both CDFs)
LANES = 64  # windows per block: a block's arrays (~60 KB) stay in the core's caches

_jit = numba.njit(cache=True, error_model="numpy", fastmath={"contract"})

# fdlibm's __ieee754_log: log(1 + f) = f - hfsq + s (hfsq + R(s^2)) with s = f / (2 + f).
_LG1, _LG2, _LG3 = 6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01
_LG4, _LG5 = 2.222219843214978396e-01, 1.818357216161805012e-01
_LG6, _LG7 = 1.531383769920937332e-01, 1.479819860511658591e-01
_INV_LN2 = 1.4426950408889634
_SHIFT = np.uint64(52)
_ONE_BITS = np.uint64(0x3FF0000000000000)
_SQRT_HALF_GAP = np.uint64(0x3FF0000000000000 - 0x3FE6A09E667F3BCD)  # bits of 1.0 minus bits of sqrt(1/2)
_TWO52_BITS = np.uint64(0x4330000000000000)
_TWO52_PLUS_BIAS = 4503599627370496.0 + 1023.0


@_jit
def log2(x: float) -> float:
    """log2 of a positive normal float without branches: ``k + log2(m)``, ``m`` in [sqrt(1/2), sqrt(2))."""
    bits = np.float64(x).view(np.uint64)
    biased = (bits + _SQRT_HALF_GAP) >> _SHIFT  # k + 1023
    m = np.uint64(bits - (biased << _SHIFT) + _ONE_BITS).view(np.float64)
    k = np.uint64(biased | _TWO52_BITS).view(np.float64) - _TWO52_PLUS_BIAS
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
    hfsq = 0.5 * f * f
    return k + (f - (hfsq - s * (hfsq + r))) * _INV_LN2


@_jit
def _plogp(p: float) -> float:
    return p * log2(p if p > 0 else 1.0)


@_jit
def _pdf_entropy(w: np.ndarray, p: np.ndarray, h: np.ndarray, low: np.ndarray) -> None:
    """pdfs ``p`` (9, L) of the windows ``w`` (9, L), their entropies ``h`` (L,); ``low`` (L,) is scratch."""
    lanes = w.shape[1]
    for lane in range(lanes):
        least = w[0, lane]
        for t in range(1, N):
            value = w[t, lane]
            least = value if value < least else least
        low[lane] = least
        h[lane] = ((((w[0, lane] - least) + (w[1, lane] - least)) + ((w[2, lane] - least) + (w[3, lane] - least)))
                   + (((w[4, lane] - least) + (w[5, lane] - least)) + ((w[6, lane] - least) + (w[7, lane] - least)))
                   ) + (w[8, lane] - least)
    for t in range(N):
        for lane in range(lanes):
            total = h[lane]
            shifted = w[t, lane] - low[lane]
            p[t, lane] = shifted / total if total > 0 else 1.0 / N
    for lane in range(lanes):
        h[lane] = -((((_plogp(p[0, lane]) + _plogp(p[1, lane])) + (_plogp(p[2, lane]) + _plogp(p[3, lane])))
                     + ((_plogp(p[4, lane]) + _plogp(p[5, lane])) + (_plogp(p[6, lane]) + _plogp(p[7, lane]))))
                    + _plogp(p[8, lane]))


@_jit
def _sum9(a: np.ndarray, lane: int) -> float:
    return (((a[0, lane] + a[1, lane]) + (a[2, lane] + a[3, lane]))
            + ((a[4, lane] + a[5, lane]) + (a[6, lane] + a[7, lane]))) + a[8, lane]


@_jit
def _centred_dot(a: np.ndarray, ma: float, b: np.ndarray, mb: float, lane: int) -> float:
    """``sum_t (a[t] - ma)(b[t] - mb)`` over one lane of two (9, L) arrays, pairwise order."""
    return (((((a[0, lane] - ma) * (b[0, lane] - mb)) + ((a[1, lane] - ma) * (b[1, lane] - mb)))
             + (((a[2, lane] - ma) * (b[2, lane] - mb)) + ((a[3, lane] - ma) * (b[3, lane] - mb))))
            + ((((a[4, lane] - ma) * (b[4, lane] - mb)) + ((a[5, lane] - ma) * (b[5, lane] - mb)))
               + (((a[6, lane] - ma) * (b[6, lane] - mb)) + ((a[7, lane] - ma) * (b[7, lane] - mb))))
            ) + ((a[8, lane] - ma) * (b[8, lane] - mb))


@_jit
def _correlation(ps: np.ndarray, pf: np.ndarray, c: np.ndarray) -> None:
    """Pearson correlation ``c`` (L,) of the pdfs ``ps`` and ``pf`` (9, L); 0 when one is constant."""
    for lane in range(ps.shape[1]):
        ms = _sum9(ps, lane) / N
        mf = _sum9(pf, lane) / N
        den = np.sqrt(_centred_dot(ps, ms, ps, ms, lane) * _centred_dot(pf, mf, pf, mf, lane))
        c[lane] = _centred_dot(ps, ms, pf, mf, lane) / den if den > 0 else 0.0


@_jit
def _cdfs(d: np.ndarray, pf: np.ndarray, c: np.ndarray) -> None:
    """Fill ``d`` (4, 9, L) = [pdf of S (given), F's pdf reversed where c < 0, their CDFs]."""
    lanes = pf.shape[1]
    for t in range(N):
        for lane in range(lanes):
            forward = pf[t, lane]
            backward = pf[N - 1 - t, lane]
            d[1, t, lane] = backward if c[lane] < 0 else forward
    for k in range(2):
        for lane in range(lanes):
            d[2 + k, 0, lane] = d[k, 0, lane]
        for t in range(1, N):
            for lane in range(lanes):
                d[2 + k, t, lane] = d[2 + k, t - 1, lane] + d[k, t, lane]


@_jit
def _cells(d: np.ndarray, c: np.ndarray, joint: np.ndarray, indep: np.ndarray) -> None:
    """Joint and independent mass (18, L) of the staircase cells; off the staircase 0 and 1.

    ``d`` (4, 9, L) as filled by :func:`_cdfs`. Rows 0-8: the cell ending at the source's
    breakpoint i; rows 9-17: the one ending at the fused breakpoint j.
    """
    lanes = c.shape[0]
    for own in range(2):  # 0: source breakpoints, 1: fused breakpoints
        other = 1 - own
        for i in range(N):
            for lane in range(lanes):
                end = d[2 + own, i, lane]
                # The other CDF is non-decreasing, so its breakpoints before the end are a prefix
                # j < m: the cell containing the end has the other's pdf at min(m, 8) and starts
                # after the other's breakpoint m - 1 (0 when m = 0). One pass finds both.
                p_other = d[other, 0, lane]
                start_other = 0.0
                for j in range(N - 1):
                    bound = d[2 + other, j, lane]
                    candidate = d[other, j + 1, lane]
                    before = bound < end if own == 0 else bound <= end
                    start_other = bound if before else start_other
                    p_other = candidate if before else p_other
                bound = d[2 + other, N - 1, lane]
                before = bound < end if own == 0 else bound <= end
                start_other = bound if before else start_other
                previous = d[2 + own, i - 1 if i > 0 else 0, lane]
                start_own = previous if i > 0 else 0.0
                start = start_own if start_own > start_other else start_other
                mass = end - start
                independent = d[own, i, lane] * p_other
                k = abs(c[lane])
                on = (mass > 0) & (independent > 0)
                joint[own * N + i, lane] = k * mass + (1 - k) * independent if on else 0.0
                indep[own * N + i, lane] = independent if on else 1.0


@_jit
def _mutual_information(c: np.ndarray, joint: np.ndarray, indep: np.ndarray, mi: np.ndarray,
                        off_rate: np.ndarray) -> None:
    """``mi`` (L,) of the joint pdfs from the staircase cells (18, L); ``off_rate`` (L,) is scratch."""
    lanes = c.shape[0]
    for lane in range(lanes):
        k = abs(c[lane])
        off_rate[lane] = (1 - k) * log2(1 - k if k < 1 else 1.0)
        mi[lane] = off_rate[lane]
    for row in range(CELLS):
        for lane in range(lanes):
            j = joint[row, lane]
            q = indep[row, lane]
            rate = off_rate[lane]
            on = j > 0
            ratio = j / q if on else 1.0
            mi[lane] += j * log2(ratio) - (rate * q if on else 0.0)


@_jit
def _fmi(ws: np.ndarray, wf: np.ndarray, d: np.ndarray, hs: np.ndarray, hf: np.ndarray, mi: np.ndarray,
         out: np.ndarray) -> None:
    """``out`` (L,): fmi of each window pair from the entropies and MI; 1 for identical windows."""
    for lane in range(ws.shape[1]):
        same_pdf = True
        same_window = True
        for t in range(N):
            a, b = d[0, t, lane], d[1, t, lane]
            x, y = ws[t, lane], wf[t, lane]
            same_pdf &= a == b
            same_window &= x == y
        den = hs[lane] + hf[lane]
        value = 2 * mi[lane] / den if den > 0 else (1.0 if same_pdf else 0.0)
        out[lane] = 1.0 if same_window else value


@_jit
def _workspace(lanes: int) -> tuple:
    """Scratch arrays of :func:`_source_fmi` for ``lanes`` windows."""
    return (np.empty((4, N, lanes)), np.empty((CELLS, lanes)), np.empty((CELLS, lanes)),
            np.empty(lanes), np.empty(lanes), np.empty(lanes), np.empty(lanes))


@_jit
def _source_fmi(ws: np.ndarray, wf: np.ndarray, pf: np.ndarray, hf: np.ndarray, out: np.ndarray,
                work: tuple) -> None:
    """``out`` (L,): fmi of the source windows ``ws`` against the fused ``wf`` (9, L) with pdf ``pf``, entropy ``hf``."""
    d, joint, indep, hs, c, mi, scratch = work
    _pdf_entropy(ws, d[0], hs, scratch)
    _correlation(d[0], pf, c)
    _cdfs(d, pf, c)
    _cells(d, c, joint, indep)
    _mutual_information(c, joint, indep, mi, scratch)
    _fmi(ws, wf, d, hs, hf, mi, out)


@_jit
def _fill(feature: np.ndarray, row: int, col: int, w: np.ndarray) -> None:
    """``w`` (9, LANES): the windows at ``(row, col + lane)`` of ``feature`` (H, W); lanes past the edge get 0."""
    valid = min(w.shape[1], feature.shape[1] - 2 - col)
    for t in range(N):
        y, x = row + t % 3, col + t // 3
        for lane in range(valid):
            w[t, lane] = feature[y, x + lane]
        for lane in range(valid, w.shape[1]):
            w[t, lane] = 0.0


@numba.njit(cache=True, error_model="numpy", parallel=True)
def map_fmi_sum(fa: np.ndarray, fb: np.ndarray, ff: np.ndarray) -> float:
    """Sum of ``fmi_AF + fmi_BF`` over all valid 3x3 windows of the feature maps (H, W) of A, B and F."""
    rows, cols = ff.shape[0] - 2, ff.shape[1] - 2
    row_sums = np.zeros(rows)
    for row in numba.prange(rows):
        wa, wb, wf, pf = (np.empty((N, LANES)), np.empty((N, LANES)), np.empty((N, LANES)),
                          np.empty((N, LANES)))
        hf, low, out = np.empty(LANES), np.empty(LANES), np.empty(LANES)
        work = _workspace(LANES)
        acc = 0.0
        for col in range(0, cols, LANES):
            _fill(fa, row, col, wa)
            _fill(fb, row, col, wb)
            _fill(ff, row, col, wf)
            _pdf_entropy(wf, pf, hf, low)
            valid = min(LANES, cols - col)
            for ws in (wa, wb):
                _source_fmi(ws, wf, pf, hf, out, work)
                for lane in range(valid):
                    acc += out[lane]
        row_sums[row] = acc
    return ordered_sum(row_sums)


@_jit
def windows_fmi(s: np.ndarray, f: np.ndarray) -> np.ndarray:
    """fmi (M,) of each source window ``s[m]`` against the fused window ``f[m]`` (both (M, 9))."""
    ws, wf = np.ascontiguousarray(s.T), np.ascontiguousarray(f.T)
    lanes = ws.shape[1]
    pf, hf, low, out = np.empty((N, lanes)), np.empty(lanes), np.empty(lanes), np.empty(lanes)
    _pdf_entropy(wf, pf, hf, low)
    _source_fmi(ws, wf, pf, hf, out, _workspace(lanes))
    return out


@numba.njit(cache=True, error_model="numpy", parallel=True, fastmath={"reassoc", "contract"})
def dwt_rows(ext: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """One DWT level along the rows of ``ext`` (R, n + 2 (L - 1)), already symmetric-extended.

    ``out[0, r, m] = sum_u ext[r, 2 m + 1 + u] lo[u]`` and likewise with ``hi`` in ``out[1]``,
    ``m < (n + L - 1) // 2``: the odd samples of the 'valid' correlation, the only ones MATLAB's
    ``dwt`` keeps, computed directly (both filters read each extended sample once).
    """
    rows, length = ext.shape[0], lo.shape[0]
    count = (ext.shape[1] - length + 1) // 2
    out = np.empty((2, rows, count))
    for r in numba.prange(rows):
        for m in range(count):
            start = 2 * m + 1
            a = 0.0
            b = 0.0
            for u in range(length):
                v = ext[r, start + u]
                a += v * lo[u]
                b += v * hi[u]
            out[0, r, m] = a
            out[1, r, m] = b
    return out

