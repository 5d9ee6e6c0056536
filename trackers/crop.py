"""pysot's ``get_subwindow``: a square crop around a centre, padded with a channel mean, resized."""
from __future__ import annotations

import math

import cv2
import numpy as np


def get_subwindow(image: np.ndarray, center: tuple[float, float], out_size: int, crop_size: int,
                  mean: np.ndarray) -> np.ndarray:
    """Cut the ``crop_size`` square around ``center`` from ``image`` and resize it to ``out_size``.

    Exactly pysot's rule: ``c = (crop_size + 1) / 2``, ``xmin = floor(cx - c + 0.5)``,
    ``xmax = xmin + crop_size - 1`` (same for y). Pixels outside the image take ``mean`` (stored in
    a uint8 image, so it is truncated like pysot's ``te_im[...] = avg_chans``). The window is
    resized with ``cv2.resize`` (bilinear) only when ``crop_size != out_size``.

    Args:
        image: ``(H, W, 3)`` uint8 BGR frame.
        center: ``(cx, cy)`` in pixels.
        out_size: output side (127 template, 255 search).
        crop_size: side of the window cut from the frame (>= 1).
        mean: ``(3,)`` per-channel fill value.

    Returns:
        ``(3, out_size, out_size)`` float32 array, BGR, values 0..255 (no normalisation).
    """
    crop_size = max(int(crop_size), 1)
    height, width = image.shape[:2]
    c = (crop_size + 1) / 2
    xmin = math.floor(center[0] - c + 0.5)
    ymin = math.floor(center[1] - c + 0.5)
    xmax, ymax = xmin + crop_size - 1, ymin + crop_size - 1
    if xmin >= 0 and ymin >= 0 and xmax < width and ymax < height:
        patch = image[ymin:ymax + 1, xmin:xmax + 1]
    else:
        patch = np.empty((crop_size, crop_size, image.shape[2]), dtype=np.uint8)
        patch[:] = np.asarray(mean, dtype=np.float64).astype(np.uint8)
        x0, y0 = max(xmin, 0), max(ymin, 0)
        x1, y1 = min(xmax + 1, width), min(ymax + 1, height)
        if x0 < x1 and y0 < y1:
            patch[y0 - ymin:y1 - ymin, x0 - xmin:x1 - xmin] = image[y0:y1, x0:x1]
    if crop_size != out_size:
        patch = cv2.resize(patch, (out_size, out_size))
    return np.ascontiguousarray(patch.transpose(2, 0, 1), dtype=np.float32)
