"""FMI_pixel, FMI_dct, FMI_w: Haghighat's fast feature mutual information (3x3 windows).

Source: M. Haghighat, M. A. Razian, "Fast-FMI: non-reference image fusion metric", AICT 2014
(``fmi.m``), as the reference evaluation code calls it with three feature extractors:

* ``pixel``: MATLAB ``edge(x)`` — binary Sobel edges: Sobel/8 by correlation with replicate
  padding, threshold ``4 * mean(gx^2 + gy^2)`` on the squared magnitude, thinned by keeping only
  pixels above both neighbours across the dominant gradient direction (the reference evaluation
  names the feature "Sobel edges");
* ``dct``: the whole-image orthonormal 2-D DCT-II (``dct2``);
* ``w``: one level of a 102-tap discrete Meyer DWT (``dwt2(x, 'dmey')``, half-point symmetric
  extension), the four subbands tiled ``[cA cH; cV cD]`` and min-max scaled to 0..1.

For every 3x3 window (no padding; pixels in MATLAB's column-major order) and each source S:
identical feature windows score 1. Otherwise each window becomes a pdf (``x - min x`` divided by
its sum; a flat window gives the uniform pdf), with entropies ``H_S``, ``H_F`` (bits) and the
Pearson correlation ``c`` of the two pdfs (0 when one is constant). The joint pdf mixes the
independent coupling with the Frechet bound of the two cumulative distributions (upper bound
``min(C_S, C_F)`` for ``c >= 0``, lower bound ``max(C_S + C_F - 1, 0)`` for ``c < 0``):
``p(s, f) = |c| bound(s, f) + (1 - |c|) p(s) p(f)``; ``MI`` is its mutual information (bits) and
``fmi = 2 MI / (H_S + H_F)`` (1 for identical single-point pdfs, 0 for differing ones, where both
entropies are 0). FMI is the mean over windows of ``(fmi_AF + fmi_BF) / 2``.

Computation: the Frechet bound's mass lies on a monotone staircase of at most 17 cells (found
by merging the two sorted CDFs); off the staircase every cell contributes
``(1 - |c|) p(s) p(f) log2(1 - |c|)``, so MI needs 17 terms per window instead of 81. The
compiled kernel :mod:`fusion.metrics.fmi_kernel` scores the windows of ``dct`` and ``w`` (one
SIMD lane per window, rows of windows spread over threads). The binary edge maps of ``pixel``
have only 512 possible windows, so each distinct (source, fused) window pair is scored once by
the same kernel and weighted by its count (the same per-window values, summed in another order).

Unlike the six table metrics, this module has not been checked against the reference's numbers
(the paper prints none; the window-pdf and joint-pdf construction above follows the paper's
description), and the discrete Meyer filter is computed here from the Meyer scaling function
(see :func:`meyer_lowpass`) rather than copied from MATLAB's ``dmey.mat``.
"""
from __future__ import annotations

import functools

import cv2
import numba
import numpy as np
from scipy import fft

from fusion.metrics.common import as_float, check_images
from fusion.metrics.fmi_kernel import dwt_rows, map_fmi_sum, windows_fmi

FEATURES = ("pixel", "dct", "w")
WINDOW = 3


def sobel_edges(image: np.ndarray) -> np.ndarray:
    """MATLAB ``edge(image)`` (Sobel, automatic threshold, thinning) as a 0/1 float map (H, W).

    The Sobel responses come from OpenCV's separable filter (replicate border = MATLAB's
    'nearest'); on integer-valued images every sum below is exact, so the map does not depend on
    the order of the additions.
    """
    image = np.asarray(image, dtype=np.float64)
    bx = cv2.Sobel(image, cv2.CV_64F, 1, 0, ksize=3, borderType=cv2.BORDER_REPLICATE) / 8
    by = cv2.Sobel(image, cv2.CV_64F, 0, 1, ksize=3, borderType=cv2.BORDER_REPLICATE) / 8
    b = bx * bx + by * by
    cutoff = 4 * b.mean()
    bx, by = np.abs(bx), np.abs(by)
    padded = np.pad(b, 1)
    left, right = padded[1:-1, :-2], padded[1:-1, 2:]
    up, down = padded[:-2, 1:-1], padded[2:, 1:-1]
    horizontal = (bx >= by) & (b > left) & (b > right)
    vertical = (by >= bx) & (b > up) & (b > down)
    return ((b > cutoff) & (horizontal | vertical)).astype(np.float64)


@functools.lru_cache(maxsize=1)
def meyer_lowpass(taps: int = 102) -> np.ndarray:
    """Discrete Meyer decomposition low-pass filter, ``taps`` long, summing to sqrt(2).

    The impulse response of ``sqrt(2) * phi_hat(2 w)`` (Meyer scaling function spectrum, with the
    auxiliary ``nu(x) = x^4 (35 - 84x + 70x^2 - 20x^3)``), sampled at integer lags ``-50..50`` by
    numerical inverse Fourier transform, preceded by one zero tap as in MATLAB's 102-tap ``dmey``.
    """
    half = (taps - 2) // 2
    omega = np.linspace(-np.pi, np.pi, 1 << 16, endpoint=False)
    x = np.clip(3 * np.abs(2 * omega) / (2 * np.pi) - 1, 0, 1)
    nu = x ** 4 * (35 - 84 * x + 70 * x ** 2 - 20 * x ** 3)
    spectrum = np.where(np.abs(2 * omega) <= 2 * np.pi / 3, 1.0, np.cos(np.pi / 2 * nu))
    spectrum[np.abs(2 * omega) >= 4 * np.pi / 3] = 0
    lags = np.arange(-half, half + 1)
    h = (spectrum[None, :] * np.cos(omega[None, :] * lags[:, None])).mean(axis=1) * np.sqrt(2)
    h = h / h.sum() * np.sqrt(2)
    return np.concatenate([[0.0], h])


def _dwt_axis(x: np.ndarray, lo_r: np.ndarray, axis: int) -> np.ndarray:
    """MATLAB ``dwt`` along ``axis`` of the 2-D or 3-D ``x`` ('sym' extension): ``[approximation, detail]`` stacked first.

    ``x`` (..., n, ...) gives (2, ..., floor((n + L - 1) / 2), ...). ``lo_r`` is the reconstruction
    low-pass; the analysis filters follow MATLAB ``orthfilt`` (``Lo_D = reverse(Lo_R)``,
    ``Hi_D = reverse(qmf(Lo_R))``). MATLAB convolves the extended signal with them ('valid') and
    keeps every second sample from the second on; :func:`fusion.metrics.fmi_kernel.dwt_rows`
    computes just those samples (a correlation with ``Lo_R`` / ``qmf(Lo_R)``).
    """
    axis %= x.ndim
    length = len(lo_r)
    hi_r = lo_r[::-1].copy()
    hi_r[1::2] *= -1
    pad = [(0, 0)] * x.ndim
    pad[axis] = (length - 1, length - 1)
    ext = np.moveaxis(np.pad(x, pad, mode="symmetric"), axis, -1)
    lead = ext.shape[:-1]
    rows = dwt_rows(np.ascontiguousarray(ext.reshape(-1, ext.shape[-1])), lo_r, hi_r)
    return np.moveaxis(rows.reshape(2, *lead, rows.shape[-1]), -1, axis + 1)


def meyer_dwt_feature(image: np.ndarray) -> np.ndarray:
    """``[cA cH; cV cD]`` of a one-level 2-D discrete Meyer DWT, min-max scaled to 0..1."""
    lo = meyer_lowpass()
    rows = _dwt_axis(image, lo, axis=1)  # [low, high] along each row
    bands = _dwt_axis(rows, lo, axis=-2)  # bands[k, b]: filter k along the columns of rows[b]
    tiled = np.block([[bands[0, 0], bands[1, 0]], [bands[0, 1], bands[1, 1]]])
    span = tiled.max() - tiled.min()
    return (tiled - tiled.min()) / span if span > 0 else np.zeros_like(tiled)


def feature_map(image: np.ndarray, feature: str) -> np.ndarray:
    """The feature map of a 0..255 float image (H, W) for ``feature`` in :data:`FEATURES`.

    The FFTs run on numba's threads (``NUMBA_NUM_THREADS``); their results do not depend on it.
    """
    if feature == "pixel":
        return sobel_edges(image)
    if feature == "dct":
        return fft.dctn(image, type=2, norm="ortho", workers=numba.get_num_threads())
    if feature == "w":
        with fft.set_workers(numba.get_num_threads()):
            return meyer_dwt_feature(image)
    raise ValueError(f"unknown FMI feature {feature!r}; choose from {FEATURES}")


def _window_codes(edges: np.ndarray) -> np.ndarray:
    """9-bit code (H-2, W-2) of every 3x3 window of a 0/1 map; bit ``t`` is window value ``t`` (column-major)."""
    h, w = edges.shape[0] - WINDOW + 1, edges.shape[1] - WINDOW + 1
    bits = edges.astype(np.int32)
    codes = np.zeros((h, w), dtype=np.int32)
    for t in range(WINDOW * WINDOW):
        row, col = t % WINDOW, t // WINDOW
        codes |= bits[row:row + h, col:col + w] << t
    return codes


def _decode(codes: np.ndarray) -> np.ndarray:
    """0/1 windows (M, 9) of 9-bit window codes (M,)."""
    return ((codes[:, None] >> np.arange(WINDOW * WINDOW)) & 1).astype(np.float64)


def _binary_window_sum(source_edges: np.ndarray, fused_edges: np.ndarray) -> float:
    """Sum of the per-window fmi of two 0/1 maps (H, W): each distinct window pair is scored once."""
    pair_codes = (_window_codes(source_edges) << (WINDOW * WINDOW)) | _window_codes(fused_edges)
    counts = np.bincount(pair_codes.ravel(), minlength=1 << (2 * WINDOW * WINDOW))
    pairs = np.flatnonzero(counts)
    values = windows_fmi(_decode(pairs >> (WINDOW * WINDOW)), _decode(pairs & ((1 << WINDOW * WINDOW) - 1)))
    return float(np.dot(counts[pairs], values))


def fmi(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray, feature: str = "pixel") -> float:
    """FMI of ``fused`` against ``ir`` and ``vis`` (all (H, W) uint8) with ``feature`` in ``pixel, dct, w``."""
    check_images(ir, vis, fused)
    maps = [feature_map(as_float(x), feature) for x in (ir, vis, fused)]
    if min(maps[0].shape) < WINDOW:
        raise ValueError(f"images of size {np.shape(fused)} are too small for 3x3 FMI windows")
    windows = (maps[2].shape[0] - WINDOW + 1) * (maps[2].shape[1] - WINDOW + 1)
    if feature == "pixel":
        total = _binary_window_sum(maps[0], maps[2]) + _binary_window_sum(maps[1], maps[2])
    else:
        total = map_fmi_sum(*maps)
    return float(total / 2 / windows)


def fmi_pixel(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """FMI with binary Sobel-edge features."""
    return fmi(ir, vis, fused, "pixel")


def fmi_dct(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """FMI with whole-image DCT features."""
    return fmi(ir, vis, fused, "dct")


def fmi_w(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """FMI with one-level discrete Meyer wavelet features."""
    return fmi(ir, vis, fused, "w")
