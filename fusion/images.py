"""Image I/O for fusion: gray or colour (YCbCr) input, min-max scaled output, atomic writes.

Images are handled as numpy arrays: gray ``(H, W)`` float32 on 0..255 for the network, ``uint8``
for files. Colour visible images are fused on their luma: :func:`read_visible` returns Y plus the
chroma planes, :func:`merge_luma` puts a fused Y back (the YCbCr colour extension).
"""
from __future__ import annotations

import os

import cv2
import numpy as np

from rgbt_runtime.atomic import atomic_path
from rgbt_runtime.errors import InputError
from rgbt_runtime.image_read import read_image

EPSILON = 1e-5  # the reference's min-max scaling epsilon


def _read(path: str | os.PathLike) -> np.ndarray:
    image = read_image(path, cv2.IMREAD_UNCHANGED)
    if image.dtype == np.uint16:
        image = (image / 257.0).round().astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]
    return image


def _is_gray(image: np.ndarray) -> bool:
    return image.ndim == 2 or image.shape[2] == 1 or (
        np.array_equal(image[:, :, 0], image[:, :, 1]) and np.array_equal(image[:, :, 0], image[:, :, 2]))


def read_gray(path: str | os.PathLike) -> np.ndarray:
    """``(H, W)`` float32 on 0..255 (colour converted to luma with OpenCV's BT.601 weights)."""
    image = _read(path)
    if image.ndim == 3:
        image = image[:, :, 0] if _is_gray(image) else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return image.astype(np.float32)


def read_visible(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray | None]:
    """``(Y (H, W) float32 0..255, CrCb (H, W, 2) uint8 or None for gray images)``."""
    image = _read(path)
    if image.ndim == 2 or _is_gray(image):
        return (image if image.ndim == 2 else image[:, :, 0]).astype(np.float32), None
    ycrcb = cv2.cvtColor(image, cv2.COLOR_BGR2YCrCb)
    return ycrcb[:, :, 0].astype(np.float32), ycrcb[:, :, 1:].copy()


def min_max_to_uint8(image: np.ndarray) -> np.ndarray:
    """The reference's output scaling: ``255 * (x - min) / (max - min + 1e-5)``, truncated to uint8."""
    image = np.asarray(image, dtype=np.float32)
    lo, hi = float(image.min()), float(image.max())
    return ((image - lo) / (hi - lo + EPSILON) * 255).astype(np.uint8)


def merge_luma(luma: np.ndarray, crcb: np.ndarray | None) -> np.ndarray:
    """A uint8 Y plane plus optional CrCb planes -> gray ``(H, W)`` or BGR ``(H, W, 3)`` uint8."""
    if crcb is None:
        return luma
    return cv2.cvtColor(np.dstack([luma, crcb]), cv2.COLOR_YCrCb2BGR)


def resize_to(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resize ``image`` to ``shape`` = (H, W) with area (shrink) or bilinear (grow) interpolation."""
    h, w = shape
    shrink = h * w < image.shape[0] * image.shape[1]
    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def check_writable_image_path(path: str | os.PathLike) -> None:
    """InputError unless OpenCV can write ``path``'s format (checked before any work is done)."""
    if not cv2.haveImageWriter(str(path)):
        raise InputError(f"cannot write images with the extension of {path} (use .png, .jpg, .bmp, .tif)")


def save_image(path: str | os.PathLike, image: np.ndarray) -> None:
    """Write a uint8 gray/BGR image to ``path`` atomically (complete file or nothing)."""
    check_writable_image_path(path)
    with atomic_path(path) as tmp:
        if not cv2.imwrite(str(tmp), image):
            raise InputError(f"cannot write image {path}")
        os.chmod(tmp, 0o666 & ~_umask())  # temp files are created 0600; give the usual mode


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def side_by_side(*images: np.ndarray, gap: int = 4) -> np.ndarray:
    """Concatenate uint8 images of one height left to right (gray ones become BGR if any is colour)."""
    colour = any(im.ndim == 3 for im in images)
    parts = []
    for im in images:
        if colour and im.ndim == 2:
            im = cv2.cvtColor(im, cv2.COLOR_GRAY2BGR)
        parts.append(im)
        parts.append(np.full((im.shape[0], gap) + im.shape[2:], 255, np.uint8))
    return np.concatenate(parts[:-1], axis=1)
