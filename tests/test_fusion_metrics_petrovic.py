"""N_abf's compiled kernel against the numpy formulation it replaced (addition order included)."""
from __future__ import annotations

import numpy as np
import pytest

from fusion.metrics.nabf import nabf

SOBEL_V = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64) / 8
SOBEL_H = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64) / 8


def _correlate_columnwise(padded, kernel):
    """3x3 correlation, each kernel column summed top to bottom, then the columns left to right."""
    h, w = padded.shape[0] - 2, padded.shape[1] - 2
    columns = []
    for col in range(3):
        s = kernel[0, col] * padded[0:h, col:col + w]
        s = s + kernel[1, col] * padded[1:h + 1, col:col + w]
        columns.append(s + kernel[2, col] * padded[2:h + 2, col:col + w])
    return (columns[0] + columns[1]) + columns[2]


def _strength_angle(x01):
    padded = np.pad(x01, 1, mode="reflect")
    gv, gh = _correlate_columnwise(padded, SOBEL_V), _correlate_columnwise(padded, SOBEL_H)
    with np.errstate(divide="ignore", invalid="ignore"):
        angle = np.arctan(gv / gh)
    angle[(gv == 0) & (gh == 0)] = 0.0
    return np.sqrt(gh * gh + gv * gv), angle


def _preservation(g_s, a_s, g_f, a_f):
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((g_s == 0) | (g_f == 0), 0.0, np.minimum(g_s, g_f) / np.maximum(g_s, g_f))
    angle = np.abs(np.abs(a_s - a_f) - np.pi / 2) * 2 / np.pi
    return np.sqrt(0.9999 / (1 + np.exp(-19 * (ratio - 0.5))) * (0.9995 / (1 + np.exp(-22 * (angle - 0.5)))))


def _reference_nabf(a, b, f):
    (g_a, a_a), (g_b, a_b), (g_f, a_f) = (_strength_angle(x / 255.0) for x in (a, b, f))
    w_a, w_b = (np.where(g >= 2, g ** 1.5, 0.001) for g in (g_a, g_b))
    loss = (1 - _preservation(g_a, a_a, g_f, a_f)) * w_a + (1 - _preservation(g_b, a_b, g_f, a_f)) * w_b
    return np.sum(loss[(g_f > g_a) & (g_f > g_b)]) / np.sum(w_a + w_b)


@pytest.mark.parametrize("seed", [0, 1])
def test_nabf_matches_the_numpy_formulation_with_flat_regions_and_ramps(seed):
    rng = np.random.default_rng(seed)
    a, b, f = (rng.integers(0, 256, (37, 53), dtype=np.uint8) for _ in range(3))
    a[:12, :20] = 77  # flat: gh == gv == 0 exactly, angle 0
    b[5:20, 10:40] = np.arange(30, dtype=np.uint8) * 3  # horizontal ramp: gh == 0, gv > 0 -> +pi/2
    f[20:, :25] = np.arange(17, dtype=np.uint8)[:, None] * 5  # vertical ramp
    f[:3] = a[:3]
    assert nabf(a, b, f) == pytest.approx(_reference_nabf(a, b, f), rel=1e-13)


def test_nabf_has_no_artefacts_for_identical_images():
    a = np.random.default_rng(2).integers(0, 256, (20, 30), dtype=np.uint8)
    assert nabf(a, a, a) == 0.0  # gF never exceeds gA
