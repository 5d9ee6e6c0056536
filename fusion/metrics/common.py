"""Helpers shared by the fusion metrics: input checks, float conversion, Gaussian taps.

Every metric takes the infrared image ``A``, the visible image ``B`` and the fused image ``F`` as
2-D ``uint8`` arrays ``(H, W)`` (what the reference MATLAB code reads with ``imread``); the metrics
that the reference calls on ``x / 255`` do that conversion themselves.
"""
from __future__ import annotations

import numpy as np

from rgbt_runtime.errors import InputError


def as_float(image: np.ndarray, scale01: bool = False) -> np.ndarray:
    """``image`` (H, W) as float64, divided by 255 when ``scale01`` (the reference's ``x01``)."""
    out = np.asarray(image, dtype=np.float64)
    return out / 255.0 if scale01 else out


def check_images(*images: np.ndarray) -> None:
    """Raise :class:`InputError` unless every image is 2-D, non-empty and of one shape."""
    for image in images:
        if np.ndim(image) != 2 or np.size(image) == 0:
            raise InputError(f"metrics need non-empty 2-D grayscale images, got shape {np.shape(image)}")
    shapes = {np.shape(image) for image in images}
    if len(shapes) > 1:
        raise InputError(f"images differ in size: {sorted(shapes)}")


def gaussian_taps(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """1-D taps of MATLAB ``fspecial('gaussian', size, sigma)`` (the 2-D window is their outer product)."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    g = np.exp(-(x * x) / (2 * sigma * sigma))
    return g / g.sum()
