"""Reading RGB-T frames from disk the way the tracker expects them.

Frames are returned as OpenCV reads them: BGR ``uint8`` arrays of shape ``(H, W, 3)``. A
single-channel image (a typical thermal frame) is replicated to three channels, which is how the
tracker feeds IR frames to its RGB-trained backbone.
"""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from rgbt_runtime.image_files import list_images
from rgbt_runtime.image_read import read_image


def read_frame(path: str | os.PathLike) -> np.ndarray:
    """Read ``path`` as a BGR uint8 ``(H, W, 3)`` array.

    Raises :class:`InputError` naming it when it is missing, truncated (a partial decode is never
    returned) or unreadable (:func:`rgbt_runtime.image_read.read_image`).
    """
    image = read_image(path, cv2.IMREAD_UNCHANGED, what="frame")
    if image.dtype != np.uint8:
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


def list_frames(folder: str | os.PathLike) -> list[Path]:
    """The image files of ``folder`` in natural order (:func:`rgbt_runtime.image_files.list_images`).

    Raises :class:`InputError` when the folder is missing or holds no image.
    """
    return list_images(folder, "frame folder")
