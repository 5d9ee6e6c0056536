"""VIF: the LIVE wavelet-domain visual information fidelity (Sheikh and Bovik 2006), as reported.

``VIF = (vifvec(A01, F01) + vifvec(B01, F01)) / 2`` where ``vifvec`` is LIVE's ``vifvec.m``
(Gaussian scale mixture in a steerable pyramid): 4-level steerable pyramid with ``sp5Filters``
and 'reflect1' edges, subbands 4, 7, ..., 25 of the reversed subband list (orientations 0 and 3
of every level), 3x3 GSM blocks, ``sigma_nsq = 0.4``,
``log2``, sum of the numerators over sum of the denominators. The reference feeds 0..1 images, so
the fixed ``sigma_nsq`` makes values larger than on 0..255 and they can exceed 1.

The filter taps come from PyPI ``pyrtools`` (a port of matlabPyrTools); the filtering itself is
done with OpenCV ('reflect1' = ``BORDER_REFLECT_101``), which gives matlabPyrTools' ``corrDn``
to rounding (checked in the tests) several times faster, and only the 8 subbands used are built.

Degenerate input: a flat source has a singular GSM covariance (the reference's ``inv`` fails);
its covariance is pseudo-inverted, it carries no information (denominator 0) and its ``vifvec``
is defined as 0. Images too small for a 4-level pyramid raise :class:`InputError`.
"""
from __future__ import annotations

import functools

import cv2
import numpy as np

from fusion.metrics.common import as_float, check_images
from fusion.metrics.vif_kernel import (block_moments, correlate_every_second, gsm_multipliers,
                                       information_sums, overlap_covariance)
from rgbt_runtime.errors import InputError

BLOCK = 3
SIGMA_NSQ = 0.4
TOL = 1e-15
LEVELS = 4
# (pyramid level, orientation) of the reference's subbands 4, 7, ..., 25 and its "lev" for each.
SUBBANDS = (((3, 3), 1), ((3, 0), 1), ((2, 3), 2), ((2, 0), 2), ((1, 3), 3), ((1, 0), 3), ((0, 3), 4), ((0, 0), 4))


@functools.lru_cache(maxsize=1)
def _sp5_filters() -> dict[str, np.ndarray]:
    """matlabPyrTools' ``sp5Filters`` (keys lo0filt, hi0filt, lofilt, bfilts (49, 6))."""
    from pyrtools.pyramids.filters import steerable_filters

    return {k: np.asarray(v, dtype=np.float64) for k, v in steerable_filters("sp5_filters").items()}


def _correlate(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """'same'-size correlation with 'reflect1' edges (mirror without repeating the edge)."""
    return cv2.filter2D(image, cv2.CV_64F, kernel, borderType=cv2.BORDER_REFLECT_101)


def _low_pass_half(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``_correlate(image, kernel)[::2, ::2]``, computing only the kept samples."""
    half = kernel.shape[0] // 2
    padded = cv2.copyMakeBorder(image, half, half, half, half, cv2.BORDER_REFLECT_101)
    return correlate_every_second(padded, kernel, (image.shape[0] + 1) // 2, (image.shape[1] + 1) // 2)


def _pyramid(image01: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
    """The used subbands ``{(level, orientation): band}`` of ``buildSpyr(im, 4, 'sp5Filters', 'reflect1')``."""
    min_side = min(image01.shape) / 2 ** (LEVELS - 1)
    if min_side < 9:
        raise InputError(f"image of size {image01.shape} is too small for VIF's {LEVELS}-level pyramid "
                         f"(shorter side must be at least {9 * 2 ** (LEVELS - 1)} px)")
    filters = _sp5_filters()
    side = int(round(np.sqrt(filters["bfilts"].shape[0])))
    lo = _correlate(image01, filters["lo0filt"])
    bands = {}
    for level in range(LEVELS):
        for orientation in {key[1] for key, _ in SUBBANDS}:
            kernel = filters["bfilts"][:, orientation].reshape(side, side).T
            bands[(level, orientation)] = _correlate(lo, kernel)
        if level < LEVELS - 1:
            lo = _low_pass_half(lo, filters["lofilt"])
    return bands


def _crop(band: np.ndarray) -> np.ndarray:
    h, w = (band.shape[0] // BLOCK) * BLOCK, (band.shape[1] // BLOCK) * BLOCK
    return band[:h, :w]


def _distortion_channel(y: np.ndarray, yn: np.ndarray, lev: int) -> tuple[np.ndarray, np.ndarray]:
    """Gain ``g`` and noise variance ``vv`` per 3x3 block (``vifsub_est_M``); shapes (h/3, w/3)."""
    size = 2 ** lev + 1
    n = float(size * size)
    half = size // 2
    # corrDn(x, ones(size), 'reflect1', [3 3], [2 2]): window sums at rows/cols 1, 4, 7, ..., summed
    # directly as corrDn does. Where a source block is nearly flat (variance just above TOL) the
    # gain g = cov / ss_x amplifies rounding: another summation order moves VIF by up to ~4e-7
    # (TNO pair IR20, whose IR image has constant regions), 1e-14 elsewhere.
    sums = block_moments(*(cv2.copyMakeBorder(x, half, half, half, half, cv2.BORDER_REFLECT_101) for x in (y, yn)),
                         size)
    mean_x, mean_y = sums[0] / n, sums[1] / n
    cov_xy = sums[2] - n * mean_x * mean_y
    ss_x = np.maximum(sums[3] - n * mean_x ** 2, 0)
    ss_y = np.maximum(sums[4] - n * mean_y ** 2, 0)
    g = cov_xy / (ss_x + TOL)
    vv = (ss_y - g * cov_xy) / n
    flat_x = ss_x < TOL
    g[flat_x] = 0
    vv[flat_x] = ss_y[flat_x]
    flat_y = ss_y < TOL
    g[flat_y] = 0
    vv[flat_y] = 0
    negative = g < 0
    vv[negative] = ss_y[negative]
    g[negative] = 0
    vv[vv <= TOL] = TOL
    return g, vv


def _vif_from_bands(ref: dict, dist: dict) -> float:
    """``vifvec`` from the used subbands of the reference and the distorted image."""
    num = den = 0.0
    for key, lev in SUBBANDS:
        y, yn = _crop(ref[key]), _crop(dist[key])
        g, vv = _distortion_channel(y, yn, lev)
        cu = overlap_covariance(np.ascontiguousarray(y))  # refparams_vecgsm: C_U, s and eigenvalues
        offset = int(np.ceil((2 ** lev / 2) / BLOCK))
        ss = gsm_multipliers(y, np.linalg.pinv(cu), offset)
        inner = (slice(offset, -offset), slice(offset, -offset))
        band_num, band_den = information_sums(g[inner], vv[inner], ss, np.linalg.eigvalsh(cu), SIGMA_NSQ)
        num += band_num
        den += band_den
    return float(num / den) if den > 0 else 0.0


def vifvec(reference01: np.ndarray, distorted01: np.ndarray) -> float:
    """LIVE ``vifvec`` of two (H, W) float images on 0..1 (0 when the reference carries no information)."""
    return _vif_from_bands(_pyramid(reference01), _pyramid(distorted01))


def vif(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """VIF of ``fused`` against ``ir`` and ``vis``; all (H, W) uint8. Higher is better."""
    check_images(ir, vis, fused)
    fused_bands = _pyramid(as_float(fused, scale01=True))
    return (_vif_from_bands(_pyramid(as_float(ir, scale01=True)), fused_bands)
            + _vif_from_bands(_pyramid(as_float(vis, scale01=True)), fused_bands)) / 2
