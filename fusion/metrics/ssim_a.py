"""SSIM_a: the mean of SSIM(F, A) and SSIM(F, B) with MATLAB ``ssim`` defaults.

``SSIM_a = (ssim(F01, A01) + ssim(F01, B01)) / 2`` on 0..1 images (Wang, Bovik, Sheikh, Simoncelli
2004, as MATLAB's ``ssim`` implements it): 11x11 Gaussian window sigma 1.5 (``imgaussfilt``),
replicate padding, full-size SSIM map averaged, ``K = (0.01, 0.03)``, ``L = 1``, ``C3 = C2 / 2``
(so the three-term product reduces to the usual two-factor formula). The constants keep every
denominator positive, so flat images give a defined value. Replicate padding is applied once and
the maps are summed row by row by :func:`fusion.metrics.ssim_kernel.ssim_sums`.
"""
from __future__ import annotations

import numpy as np

from fusion.metrics.common import as_float, check_images, gaussian_taps
from fusion.metrics.ssim_kernel import ssim_sums

C1 = 0.01 ** 2
C2 = 0.03 ** 2


def ssim_a(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """SSIM_a of ``fused`` against ``ir`` and ``vis``; all (H, W) uint8. At most 1 (identical images)."""
    check_images(ir, vis, fused)
    taps = gaussian_taps(11, 1.5)
    half = len(taps) // 2
    a, b, f = (np.pad(as_float(x, scale01=True), half, mode="edge") for x in (ir, vis, fused))
    sum_a, sum_b = ssim_sums(a, b, f, taps, C1, C2)
    n = np.size(fused)
    return (sum_a / n + sum_b / n) / 2
