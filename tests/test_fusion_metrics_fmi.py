"""The compiled FMI kernel against the vectorised numpy formulation it replaced."""
from __future__ import annotations

import numba
import numpy as np
import pytest

from fusion.metrics.fmi import _binary_window_sum, feature_map, fmi
from fusion.metrics.fmi_kernel import log2, map_fmi_sum, windows_fmi


def _windows(feature):
    """All valid 3x3 windows as rows (N, 9), column-major inside each window."""
    view = np.lib.stride_tricks.sliding_window_view(feature, (3, 3))
    return view.transpose(0, 1, 3, 2).reshape(-1, 9)


def _pdf(windows):
    shifted = windows - windows.min(axis=1, keepdims=True)
    total = shifted.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, shifted / total, np.full_like(shifted, 1.0 / 9))


def _entropy(p):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.sum(np.where(p > 0, p * np.log2(p), 0.0), axis=1)


def _pearson(a, b):
    da, db = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)
    den = np.sqrt(np.sum(da * da, axis=1) * np.sum(db * db, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, np.sum(da * db, axis=1) / np.where(den > 0, den, 1), 0.0)


def _reference_fmi(s, f):
    """fmi (N,) of windows ``s`` against ``f`` (N, 9): merge of the two CDFs by a stable argsort."""
    ps, pf = _pdf(s), _pdf(f)
    h_s, h_f = _entropy(ps), _entropy(pf)
    c = _pearson(ps, pf)
    pf = np.where((c < 0)[:, None], pf[:, ::-1], pf)
    k = np.abs(c)[:, None]
    merged = np.concatenate([np.cumsum(ps, axis=1), np.cumsum(pf, axis=1)], axis=1)
    order = np.argsort(merged, axis=1, kind="stable")
    ends = np.take_along_axis(merged, order, axis=1)
    mass = np.diff(ends, axis=1, prepend=0.0)
    from_s = (order < 9).astype(np.int64)
    rows = np.minimum(np.cumsum(from_s, axis=1) - from_s, 8)
    cols = np.minimum(np.cumsum(1 - from_s, axis=1) - (1 - from_s), 8)
    indep = np.take_along_axis(ps, rows, axis=1) * np.take_along_axis(pf, cols, axis=1)
    on = (mass > 0) & (indep > 0)
    joint = k * mass + (1 - k) * indep
    with np.errstate(divide="ignore", invalid="ignore"):
        stair = np.sum(np.where(on, joint * np.log2(joint / indep), 0.0), axis=1)
        off = np.where(k[:, 0] < 1, (1 - k[:, 0]) * np.log2(1 - k[:, 0]), 0.0) * (1 - np.sum(np.where(on, indep, 0.0), axis=1))
        den = h_s + h_f
        value = np.where(den > 0, 2 * (stair + off) / np.where(den > 0, den, 1), np.all(ps == pf, axis=1) * 1.0)
    return np.where(np.all(s == f, axis=1), 1.0, value)


def _awkward_windows(count=30000, seed=0):
    """Random windows plus flat, identical, reversed, scaled, single-point and binary ones."""
    rng = np.random.default_rng(seed)
    s, f = rng.random((count, 9)), rng.random((count, 9))
    s[:1000], f[:1000] = np.round(s[:1000] * 2), np.round(f[:1000] * 2)  # ties between the CDFs
    s[1000:1100] = 0.3
    f[1100:1200] = 0.7
    f[1200:1300] = s[1200:1300]
    f[1300:1400] = s[1300:1400, ::-1]  # c < 0: the lower Frechet bound
    f[1400:1500] = 2 * s[1400:1500] + 1  # the same pdf from different windows
    s[1500:1600] = 0.0
    s[1500:1600, 4] = 1.0  # single-point pdfs, equal or not
    f[1550:1600] = 0.0
    f[1550:1600, 3] = 5.0
    codes = rng.integers(0, 512, (5000, 2))
    s[2000:7000] = (codes[:, :1] >> np.arange(9)) & 1
    f[2000:7000] = (codes[:, 1:] >> np.arange(9)) & 1
    s[7000:8000] *= 1e-12  # pdfs do not depend on scale
    f[8000:9000] = 1e6 * f[8000:9000] - 3e5
    return s, f


def test_kernel_matches_the_numpy_formulation_window_by_window():
    s, f = _awkward_windows()
    got, expected = windows_fmi(s, f), _reference_fmi(s, f)
    assert np.max(np.abs(got - expected)) < 1e-14
    decided = np.all(s == f, axis=1) | ((_entropy(_pdf(s)) == 0) & (_entropy(_pdf(f)) == 0))
    assert decided.sum() > 100 and np.array_equal(got[decided], expected[decided])  # no rounding there


@pytest.mark.parametrize("shape", [(3, 3), (7, 70), (40, 131)])  # one window; edge lanes; several blocks
def test_map_sum_is_the_sum_over_all_windows_and_independent_of_threads(shape):
    rng = np.random.default_rng(1)
    fa, fb, ff = (rng.random(shape) for _ in range(3))
    fb[: shape[0] // 2] = ff[: shape[0] // 2]  # identical windows
    windows_a, windows_b, windows_f = _windows(fa), _windows(fb), _windows(ff)
    expected = _reference_fmi(windows_a, windows_f).sum() + _reference_fmi(windows_b, windows_f).sum()
    threads = numba.get_num_threads()
    try:
        sums = []
        for n in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(n)
            sums.append(map_fmi_sum(fa, fb, ff))
    finally:
        numba.set_num_threads(threads)
    assert sums[0] == pytest.approx(expected, rel=1e-13)
    assert all(s == sums[0] for s in sums)


def test_pixel_fmi_scores_each_distinct_window_pair_once_with_the_same_result():
    rng = np.random.default_rng(2)
    images = [rng.integers(0, 256, (40, 50), dtype=np.uint8) for _ in range(3)]
    ea, eb, ef = (_windows(feature_map(x.astype(np.float64), "pixel")) for x in images)
    window_by_window = (_reference_fmi(ea, ef).sum() + _reference_fmi(eb, ef).sum()) / 2 / ef.shape[0]
    assert fmi(*images, "pixel") == pytest.approx(window_by_window, rel=1e-14)
    edges = feature_map(images[0].astype(np.float64), "pixel")
    assert _binary_window_sum(edges, edges) == ef.shape[0]  # identical maps: every window scores 1


def test_log2_is_within_two_ulp_of_numpy():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.random(20000), rng.random(20000) * 1e-300, 1 + rng.standard_normal(20000) * 1e-9,
                        np.exp(rng.uniform(-700, 700, 20000)), [1.0, 2.0, 0.5, np.sqrt(0.5), np.sqrt(2.0)]])
    x = x[x > np.finfo(np.float64).tiny]
    got = np.array([log2(v) for v in x[:: 97]] + [log2(v) for v in x[-5:]])
    expected = np.log2(np.concatenate([x[:: 97], x[-5:]]))
    error = np.abs(got - expected)
    assert np.all(error <= 2 * np.spacing(np.maximum(np.abs(expected), np.finfo(np.float64).tiny)))
    assert log2(1.0) == 0.0 and log2(2.0) == 1.0
