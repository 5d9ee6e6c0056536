"""Hand-computed values and degenerate inputs for the fusion metrics."""
from __future__ import annotations

import math

import numpy as np
import pytest

from fusion.metrics.entropy import entropy
from fusion.metrics.fmi import fmi
from fusion.metrics.mef_ssim import mef_ssim
from fusion.metrics.mutual_information import mi_reported, mi_textbook, mutual_information
from fusion.metrics.qabf import qabf
from fusion.metrics.registry import TABLE_METRICS, get_metrics, METRICS
from fusion.metrics.scd import scd
from fusion.metrics.ssim_a import ssim_a
from fusion.metrics.std import std_reported, std_textbook
from rgbt_runtime.errors import InputError


def _rand(shape=(48, 56), seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def test_entropy_two_valued_and_constant():
    half = np.array([[0, 0], [200, 200]], dtype=np.uint8)
    assert entropy(half) == pytest.approx(1.0)
    quarter = np.array([[0, 1], [2, 3]], dtype=np.uint8)
    assert entropy(quarter) == pytest.approx(2.0)
    assert entropy(np.full((5, 5), 7, np.uint8)) == 0.0


def test_sd_reported_is_not_divided_by_n():
    f = np.array([[0, 255], [0, 255]], dtype=np.uint8)
    assert std_reported(f) == pytest.approx(1.0)  # sqrt(4 * 0.5^2)
    assert std_textbook(f) == pytest.approx(127.5)
    big = np.tile(f, (3, 3))  # 9x the pixels -> 3x the reported SD, same textbook SD
    assert std_reported(big) == pytest.approx(3.0)
    assert std_textbook(big) == pytest.approx(127.5)


def test_mi_reported_is_twice_entropy_and_textbook_mi_is_real():
    a, b, f = _rand(seed=1), _rand(seed=2), _rand(seed=3)
    assert mi_reported(f) == pytest.approx(2 * entropy(f))
    assert mutual_information(a, a) == pytest.approx(entropy(a))
    half = np.array([[0, 0], [9, 9]], dtype=np.uint8)
    assert mutual_information(half, half[::-1]) == pytest.approx(1.0)
    assert mutual_information(half, half.T) == pytest.approx(0.0)
    assert mi_textbook(a, b, f) < mi_reported(f)


def test_scd_symmetry_and_flat_source():
    a, b, f = _rand(seed=4), _rand(seed=5), _rand(seed=6)
    assert scd(a, b, f) == pytest.approx(scd(b, a, f))
    flat = np.full_like(a, 90)
    value = scd(flat, b, f)
    assert math.isfinite(value)
    # corr2(F - B, flat) is undefined -> 0; the other term is a plain correlation.
    expected = np.corrcoef((f.astype(float) - 90).ravel(), b.astype(float).ravel())[0, 1]
    assert value == pytest.approx(expected)


def test_ssim_a_identical_images_is_one():
    a = _rand(seed=7)
    assert ssim_a(a, a, a) == pytest.approx(1.0)
    assert ssim_a(a, _rand(seed=8), a) < 1.0


def test_ssim_a_equals_the_filtered_map_formulation():
    from scipy import ndimage

    def blur(x):
        taps = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5 ** 2))
        taps /= taps.sum()
        return ndimage.correlate1d(ndimage.correlate1d(x, taps, axis=0, mode="nearest"), taps, axis=1, mode="nearest")

    def ssim(x, y):  # MATLAB ssim: full-size map with replicate padding, C1 = 0.01^2, C2 = 0.03^2
        mx, my = blur(x), blur(y)
        vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
        return np.mean((2 * mx * my + 1e-4) * (2 * cxy + 9e-4) / ((mx * mx + my * my + 1e-4) * (vx + vy + 9e-4)))

    a, b, f = _rand((37, 61), 1), _rand((37, 61), 2), _rand((37, 61), 3)
    a01, b01, f01 = (x.astype(np.float64) / 255 for x in (a, b, f))
    assert ssim_a(a, b, f) == pytest.approx((ssim(f01, a01) + ssim(f01, b01)) / 2, rel=1e-12)


@pytest.mark.parametrize("feature", ["pixel", "dct", "w"])
def test_fmi_identical_images_is_one(feature):
    a = _rand((20, 24), seed=9)
    assert fmi(a, a, a, feature) == pytest.approx(1.0)
    value = fmi(a, _rand((20, 24), seed=10), _rand((20, 24), seed=11), feature)
    assert 0.0 <= value < 1.0


def _qabf_loop(pa, pb, pf):
    """Direct transcription of the reference's per-pixel loops (conv2 'same', 0..1 images, exact sums)."""
    from scipy.signal import convolve2d
    h1 = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], float)
    h3 = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)
    out = []
    for x in (pa, pb, pf):
        x = x.astype(float)
        sx, sy = convolve2d(x, h3, mode="same") / 255, convolve2d(x, h1, mode="same") / 255
        a = np.zeros_like(x)
        for i in range(x.shape[0]):
            for j in range(x.shape[1]):
                a[i, j] = np.pi / 2 if sx[i, j] == 0 else math.atan(sy[i, j] / sx[i, j])
        out.append((np.sqrt(sx ** 2 + sy ** 2), a))
    (ga, aa), (gb, ab), (gf, af) = out

    def q(gs, as_):
        res = np.zeros_like(gs)
        for i in range(gs.shape[0]):
            for j in range(gs.shape[1]):
                if gs[i, j] > gf[i, j]:
                    g = gf[i, j] / gs[i, j]
                elif gs[i, j] == gf[i, j]:
                    g = gf[i, j]
                else:
                    g = gs[i, j] / gf[i, j]
                aa_ = 1 - abs(as_[i, j] - af[i, j]) / (np.pi / 2)
                res[i, j] = 0.9994 / (1 + math.exp(-15 * (g - 0.5))) * 0.9879 / (1 + math.exp(-22 * (aa_ - 0.8)))
        return res
    return np.sum(q(ga, aa) * ga + q(gb, ab) * gb) / np.sum(ga + gb)


def test_qabf_matches_reference_loops_and_flat_sources_are_defined():
    a, b, f = _rand((12, 15), 13), _rand((12, 15), 14), _rand((12, 15), 15)
    f[3:6, 3:6] = a[3:6, 3:6]  # some equal gradients (the reference's GAF quirk)
    assert qabf(a, b, f) == pytest.approx(_qabf_loop(a, b, f), rel=1e-12)
    black = np.zeros((12, 15), np.uint8)  # no edges at all, not even at the zero-padded border
    assert qabf(black, black, f) == 0.0


def _mef_ssim_loop(sources, fused):
    """Per-patch transcription of Ma et al.'s ``mef_ssim.m`` (one scale)."""
    from fusion.metrics.common import gaussian_taps
    window = np.outer(gaussian_taps(), gaussian_taps())
    eps = np.finfo(float).eps
    h, w = fused.shape
    q = []
    for i in range(5, h - 5):
        for j in range(5, w - 5):
            vecs = [s[i - 5:i + 6, j - 5:j + 6].ravel() for s in sources]
            mus = [v.mean() for v in vecs]
            eds = [math.sqrt(max(121 * (np.mean(v * v) - m * m), 0)) + 0.001 for v, m in zip(vecs, mus)]
            den = sum(np.linalg.norm(v - v.mean()) for v in vecs)
            tot = sum(vecs)
            r = (np.linalg.norm(tot - tot.mean()) + eps) / (den + eps)
            r = min(max(r, eps), 1 - eps)
            p = min(math.tan(math.pi / 2 * r), 10)
            wts = [(e / 11) ** p + eps for e in eds]
            wts = [x / sum(wts) for x in wts]
            rb = sum(wk * (v - m) / e for wk, v, m, e in zip(wts, vecs, mus, eds))
            if np.linalg.norm(rb) > 0:
                rb = rb / np.linalg.norm(rb) * max(eds)
            fv = fused[i - 5:i + 6, j - 5:j + 6].ravel()
            wv = window.ravel()
            m1, m2 = np.sum(wv * rb), np.sum(wv * fv)
            s1, s2 = np.sum(wv * (rb - m1) ** 2), np.sum(wv * (fv - m2) ** 2)
            s12 = np.sum(wv * (rb - m1) * (fv - m2))
            c = (0.03 * 255) ** 2
            q.append((2 * s12 + c) / (s1 + s2 + c))
    return float(np.mean(q))


def test_mef_ssim_single_scale_matches_reference_loop():
    from fusion.metrics.mef_ssim import mef_ssim_single_scale
    a, b, f = (_rand((18, 21), s).astype(float) for s in (16, 17, 18))
    a[:, :8] = 40.0  # a flat region in one source
    assert mef_ssim_single_scale([a, b], f) == pytest.approx(_mef_ssim_loop([a, b], f), rel=1e-9)


def test_mef_ssim_too_small_is_minus_inf_and_identical_is_one():
    a = _rand((40, 60), 19)
    assert mef_ssim(a, a, a) == float("-inf")
    a = _rand((48, 50), 20)
    assert mef_ssim(a, a, a) == pytest.approx(1.0, abs=1e-6)


def test_size_mismatch_is_an_input_error():
    with pytest.raises(InputError, match="differ in size"):
        scd(_rand((10, 10)), _rand((10, 11)), _rand((10, 10)))


def test_every_metric_is_finite_on_flat_images():
    flat_ir, flat_vis = np.full((80, 88), 30, np.uint8), np.full((80, 88), 200, np.uint8)
    fused = _rand((80, 88), 21)
    for metric in TABLE_METRICS:
        for ir, vis, f in ((flat_ir, flat_vis, fused), (flat_ir, flat_vis, flat_ir), (fused, fused, flat_vis)):
            value = metric.fn(ir, vis, f)
            assert not math.isnan(value), metric.name


def test_registry_names_and_lookup():
    assert [m.name for m in TABLE_METRICS] == ["En", "SD", "MI", "Nabf", "SCD", "MS_SSIM", "Qabf", "FMI_pixel",
                                               "FMI_dct", "FMI_w", "SSIM_a", "VIF"]
    assert [m.name for m in get_metrics(["nabf", "En"])] == ["Nabf", "En"]
    assert not METRICS["Nabf"].higher_is_better
    with pytest.raises(InputError, match="unknown metric"):
        get_metrics(["PSNR"])
