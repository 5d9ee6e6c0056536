"""Decoding one image file completely or not at all, without decoder chatter on stderr.

OpenCV decodes a truncated JPEG without an error: the missing rows come back grey and libjpeg
prints ``Premature end of JPEG file`` on stderr; a truncated PNG or BMP fails with ``libpng
error: ...`` or an OpenCV ``[ERROR]`` log line. :func:`read_image` therefore

1. checks the container is complete before decoding (:func:`truncation`): a JPEG must end with
   its EOI marker ``FF D9`` (trailing padding of up to :data:`JPEG_TAIL` bytes is allowed), a PNG
   with its ``IEND`` chunk, a BMP must be as long as its header's file size;
2. decodes from memory (``cv2.imdecode``) with the process's stderr file descriptor pointed at
   ``/dev/null`` for the duration of the call, so native libraries cannot print;
3. raises :class:`InputError` naming the file for a missing file, a folder, a truncated file or
   one that does not decode.
"""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from rgbt_runtime.errors import InputError

JPEG_TAIL = 1024  # bytes after the EOI marker some cameras append (padding, vendor trailers)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def truncation(data: bytes) -> str | None:
    """Why ``data`` (a whole image file) is incomplete, or None when it looks complete or is not
    JPEG, PNG or BMP (other formats are left to the decoder)."""
    if data[:2] == b"\xff\xd8":
        return None if b"\xff\xd9" in data[-JPEG_TAIL:] else "truncated JPEG (no end-of-image marker)"
    if data[:8] == _PNG_SIGNATURE:
        return None if b"IEND" in data[-64:] else "truncated PNG (no IEND chunk)"
    if data[:2] == b"BM" and len(data) >= 6:
        declared = int.from_bytes(data[2:6], "little")
        if declared > len(data):
            return f"truncated BMP ({len(data)} of {declared} bytes)"
    return None


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Point file descriptor 2 at ``/dev/null`` inside the block (libjpeg, libpng, OpenCV logs)."""
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def read_image(path: str | os.PathLike, flags: int = cv2.IMREAD_UNCHANGED, what: str = "image") -> np.ndarray:
    """Decode ``path`` with ``cv2.imdecode(flags)``; :class:`InputError` naming it (as ``what``)
    when it is missing, a folder, truncated or undecodable. See the module docstring."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{what} {path} is a folder, not an image file")
    if not path.is_file():
        raise InputError(f"{what} not found: {path}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {what} {path}: {error.strerror}") from None
    reason = truncation(data)
    if reason is not None:
        raise InputError(f"cannot read {what} {path}: {reason}")
    with quiet_native_stderr():
        try:
            image = cv2.imdecode(np.frombuffer(data, np.uint8), flags) if data else None
        except cv2.error:
            image = None
    if image is None or image.size == 0:
        raise InputError(f"cannot read {what} {path} (not an image, corrupt, or an unsupported format)")
    return image


def image_size(path: str | os.PathLike, what: str = "image") -> tuple[int, int]:
    """``(width, height)`` of the image at ``path`` from its header (Pillow reads no pixels), or by
    decoding it when Pillow cannot; :class:`InputError` naming it when it is unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        shape = read_image(path, cv2.IMREAD_UNCHANGED, what).shape
        return shape[1], shape[0]


def check_same_size(first: str | os.PathLike, second: str | os.PathLike) -> tuple[int, int]:
    """:class:`InputError` naming both files (full paths) when their sizes differ; returns the size."""
    a, b = image_size(first), image_size(second)
    if a != b:
        raise InputError(f"{first} is {a[0]}x{a[1]} but {second} is {b[0]}x{b[1]}")
    return a
