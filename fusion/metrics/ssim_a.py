"""SSIM_a: the mean of SSIM(F, A) and SSIM(F, B) with MATLAB ``ssim`` defaults.

``SSIM_a = (ssim(F01, A01) + ssim(F01, B01)) / 2`` on 0..1 images (Wang, Bovik, Sheikh, Simoncelli
2004, as MATLAB's ``ssim`` implements it): 11x11 Gaussian window sigma 1.5 (``imgaussfilt``),
replicate padding, full-size SSIM map averaged, ``K = (0.01, 0.03)``, ``L = 1``, ``C3 = C2 / 2``
(so the three-term product reduces to the usual two-factor formula). The constants keep every
denominator positive, so flat images give a defined value.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from fusion.metrics.common import as_float, check_images, gaussian_taps

C1 = 0.01 ** 2
C2 = 0.03 ** 2


def _blur(image: np.ndarray, taps: np.ndarray) -> np.ndarray:
    out = ndimage.correlate1d(image, taps, axis=0, mode="nearest")
    return ndimage.correlate1d(out, taps, axis=1, mode="nearest")


def _stats(x01: np.ndarray, taps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local mean and variance maps (H, W) of one image."""
    mu = _blur(x01, taps)
    return mu, _blur(x01 * x01, taps) - mu * mu


def _ssim_with(x01: np.ndarray, x_stats: tuple[np.ndarray, np.ndarray], y01: np.ndarray, taps: np.ndarray) -> float:
    """Mean SSIM map of ``x01`` (its local statistics given) and ``y01``."""
    mu_x, sigma_x2 = x_stats
    mu_y, sigma_y2 = _stats(y01, taps)
    sigma_xy = _blur(x01 * y01, taps) - mu_x * mu_y
    num = (2 * mu_x * mu_y + C1) * (2 * sigma_xy + C2)
    den = (mu_x * mu_x + mu_y * mu_y + C1) * (sigma_x2 + sigma_y2 + C2)
    return float(np.mean(num / den))


def ssim(x01: np.ndarray, y01: np.ndarray) -> float:
    """MATLAB ``ssim(x01, y01)`` (mean of the full-size map) of two (H, W) float images on 0..1."""
    taps = gaussian_taps(11, 1.5)
    return _ssim_with(x01, _stats(x01, taps), y01, taps)


def ssim_a(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """SSIM_a of ``fused`` against ``ir`` and ``vis``; all (H, W) uint8. At most 1 (identical images)."""
    check_images(ir, vis, fused)
    taps = gaussian_taps(11, 1.5)
    f = as_float(fused, scale01=True)
    f_stats = _stats(f, taps)  # shared by both sources
    return (_ssim_with(f, f_stats, as_float(ir, scale01=True), taps)
            + _ssim_with(f, f_stats, as_float(vis, scale01=True), taps)) / 2
