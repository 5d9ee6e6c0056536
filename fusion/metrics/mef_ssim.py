"""The tables' "MS-SSIM": multi-scale MEF-SSIM (Ma, Zeng, Wang 2015; the paper's ref. [52]).

Not Wang's MS-SSIM of two images: the fused image F is compared with a *desired structure* built
from both sources {A, B} patch by patch. Exactly as the reference code (``mef_msssim.m`` /
``mef_ssim.m``, called with K = 0.03, an 11x11 Gaussian window sigma 1.5, 3 scales and weights
[0.0448, 0.2856, 0.3001] normalised to sum 1), on 0..255 values:

Per scale, at every valid 11x11 position (no padding), for each source k: ``mu_k`` = box mean,
``sigma2_k`` = box mean of x^2 - mu_k^2, ``ed_k = sqrt(max(121 sigma2_k, 0)) + 0.001``;
``R = (||sum_k v_k - mean|| + eps) / (sum_k ||v_k - mu_k|| + eps)`` clamped to (eps, 1 - eps);
``p = min(tan(pi R / 2), 10)``; ``w_k = (ed_k / 11)^p + eps`` normalised over k;
``r = sum_k w_k (v_k - mu_k) / ed_k``, rescaled to norm ``max_k ed_k`` when its norm is > 0;
``q = (2 sigma_rf + C) / (sigma_r^2 + sigma_f^2 + C)`` with Gaussian-weighted moments and
``C = (0.03 * 255)^2``; ``Q_l`` = mean of q. Between scales every image is filtered with a 2x2 mean
over the forward window ``x[i:i+2, j:j+2]`` (last row/column repeated) and subsampled by 2.
Result ``prod_l Q_l^{w_l}``; ``-inf`` (the reference's value) when the shorter side is < 44 px.

Vectorised: r is a per-patch linear combination ``sum_k c_k v_k`` (plus a constant, which no
second moment sees), so every patch moment needed (``||r||``, ``sigma_r^2``, ``sigma_rf``) is a
combination of box- or Gaussian-filtered products of A, B and F, computed row by row by
:func:`fusion.metrics.ssim_kernel.mef_ssim_sum`. This equals the reference's per-patch loop up
to floating-point rounding.
"""
from __future__ import annotations

import numpy as np

from fusion.metrics.common import as_float, check_images, gaussian_taps
from fusion.metrics.ssim_kernel import mef_ssim_sum

WINDOW = 11
SCALE_WEIGHTS = (0.0448, 0.2856, 0.3001)
K = 0.03


def mef_ssim_single_scale(sources: list[np.ndarray], fused: np.ndarray, k: float = K) -> float:
    """MEF-SSIM ``Q`` at one scale; ``sources``: the two (H, W) float64 images on 0..255, ``fused`` likewise."""
    a, b = (np.ascontiguousarray(x, dtype=np.float64) for x in sources)
    f = np.ascontiguousarray(fused, dtype=np.float64)
    box = np.full(WINDOW, 1.0 / WINDOW)
    windows = (f.shape[0] - WINDOW + 1) * (f.shape[1] - WINDOW + 1)
    return float(mef_ssim_sum(a, b, f, box, gaussian_taps(WINDOW, 1.5), k) / windows)


def downsample(image: np.ndarray) -> np.ndarray:
    """2x2 forward mean (last row/column repeated) then keep even rows and columns: (H, W) -> (ceil(H/2), ceil(W/2))."""
    h, w = image.shape
    p = np.pad(image, ((0, 1), (0, 1)), mode="edge")
    top, bottom = p[0:h:2], p[1:h + 1:2]
    return (top[:, 0:w:2] * 0.25 + top[:, 1:w + 1:2] * 0.25) + (bottom[:, 0:w:2] * 0.25 + bottom[:, 1:w + 1:2] * 0.25)


def mef_ssim(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray,
             scale_weights: tuple[float, ...] = SCALE_WEIGHTS, k: float = K) -> float:
    """Multi-scale MEF-SSIM of ``fused`` against {``ir``, ``vis``}; all (H, W) uint8.

    In [-1, 1] (1 best); ``-inf`` when ``min(H, W) / 2^(scales-1) < 11`` (too small, as the reference).
    """
    check_images(ir, vis, fused)
    levels = len(scale_weights)
    if min(np.shape(fused)) / 2 ** (levels - 1) < WINDOW:
        return float("-inf")
    weights = np.asarray(scale_weights, dtype=np.float64)
    weights = weights / weights.sum()
    sources = [as_float(ir), as_float(vis)]
    f = as_float(fused)
    result = 1.0
    for level in range(levels):
        if level:
            sources = [downsample(s) for s in sources]
            f = downsample(f)
        result *= mef_ssim_single_scale(sources, f, k) ** weights[level]
    return float(result)
