"""VIF: identity, the pyramid against matlabPyrTools' port, degenerate inputs."""
from __future__ import annotations

import numpy as np
import pytest

from fusion.metrics.vif import _pyramid, vif, vifvec
from rgbt_runtime.errors import InputError


def test_vif_of_identical_images_is_one_and_lost_contrast_lowers_it():
    x = np.random.default_rng(0).random((96, 112))
    assert vifvec(x, x) == pytest.approx(1.0, abs=1e-9)
    assert vifvec(x, 0.3 * x) < 0.9


def test_pyramid_matches_pyrtools_steerable_pyramid():
    pyrtools = pytest.importorskip("pyrtools")  # a declared dependency; skipped only if uninstalled
    x = np.random.default_rng(1).random((80, 100))
    ref = pyrtools.pyramids.SteerablePyramidSpace(x, height=4, order=5, edge_type="reflect1").pyr_coeffs
    for key, band in _pyramid(x).items():
        assert np.allclose(band, ref[key], atol=1e-12), key


def test_flat_source_is_defined_and_small_images_are_rejected():
    fused = np.random.default_rng(2).integers(0, 256, (80, 96), dtype=np.uint8)
    flat = np.full_like(fused, 120)
    value = vif(flat, fused, fused)
    assert value == pytest.approx(0.5)  # flat source contributes 0, the identical one 1
    with pytest.raises(InputError, match="too small"):
        vif(fused[:40, :40], fused[:40, :40], fused[:40, :40])


def test_gsm_kernels_equal_the_stacked_numpy_formulation():
    from fusion.metrics.vif_kernel import gsm_multipliers, overlap_covariance

    y = np.random.default_rng(3).normal(size=(27, 33))
    h, w = y.shape
    shifted = np.stack([y[k:h - 2 + k, j:w - 2 + j].ravel() for j in range(3) for k in range(3)])
    centred = shifted - shifted.mean(axis=1, keepdims=True)
    cu = centred @ centred.T / shifted.shape[1]
    assert np.allclose(overlap_covariance(y), cu, rtol=1e-12, atol=1e-14)
    blocks = np.stack([y[k::3, j::3] for j in range(3) for k in range(3)]).reshape(9, -1)
    ss = (np.sum((np.linalg.pinv(cu) @ blocks) * blocks, axis=0) / 9).reshape(h // 3, w // 3)
    assert np.allclose(gsm_multipliers(y, np.linalg.pinv(cu), 1), ss[1:-1, 1:-1], rtol=1e-12, atol=1e-14)
