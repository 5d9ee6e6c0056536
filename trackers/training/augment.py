"""pysot-style crop jitter and photometric augmentation for template/search pairs.

pysot pre-crops every frame to a 511x511 patch around the target at the template scale
``127 / s_z`` and then cuts a jittered 127 (template) or 255 (search) window from it. Here the
same window is cut straight from the full frame with one affine warp (same maths, no 511 cache):
the window is centred on the target, its side is ``out_size / scale_z``, each side is scaled by
``1 + U(-1, 1) * scale`` and the centre moved by ``U(-1, 1) * shift`` output pixels. Unlike pysot,
the window is not clamped to the 511 patch; pixels outside the frame take the frame's channel
mean (pysot's padding).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# pysot's PCA colour offsets (RGB eigen-directions of ImageNet, scaled), applied in BGR order.
_RGB_VAR = np.array([[-0.55919361, 0.98062831, -0.41940627],
                     [1.72091413, 0.19879334, -1.82968581],
                     [4.64467907, 4.73710203, 4.88324118]], dtype=np.float32)


@dataclass(frozen=True)
class CropAugment:
    """Jitter of one crop (pysot ``TRAIN.DATASET.TEMPLATE`` / ``SEARCH``).

    Attributes:
        shift: maximum centre shift in output pixels.
        scale: maximum relative change of each side of the crop window.
        blur: probability of pysot's random motion-blur kernel (off by default).
        flip: probability of a horizontal flip (off by default).
        color: probability of pysot's PCA colour offset, visible modality only (off by default).
    """

    shift: float = 0.0
    scale: float = 0.0
    blur: float = 0.0
    flip: float = 0.0
    color: float = 0.0


TEMPLATE_AUGMENT = CropAugment(shift=4, scale=0.05)
SEARCH_AUGMENT = CropAugment(shift=64, scale=0.18)


def context_scale(box_wh: np.ndarray, exemplar_size: int = 127, context: float = 0.5) -> float:
    """pysot's ``scale_z = exemplar_size / s_z`` with ``s_z = sqrt((w + p)(h + p))``, ``p = context*(w+h)``."""
    w, h = float(box_wh[0]), float(box_wh[1])
    p = context * (w + h)
    return exemplar_size / float(np.sqrt((w + p) * (h + p)))


def jittered_window(center: np.ndarray, scale_z: float, out_size: int, aug: CropAugment,
                    rng: np.random.Generator) -> np.ndarray:
    """The crop window ``(x1, y1, x2, y2)`` in frame pixels for one jittered crop."""
    side = out_size / scale_z
    sx = 1.0 + rng.uniform(-1, 1) * aug.scale if aug.scale else 1.0
    sy = 1.0 + rng.uniform(-1, 1) * aug.scale if aug.scale else 1.0
    dx = rng.uniform(-1, 1) * aug.shift / scale_z if aug.shift else 0.0
    dy = rng.uniform(-1, 1) * aug.shift / scale_z if aug.shift else 0.0
    w, h = side * sx, side * sy
    cx, cy = center[0] + dx, center[1] + dy
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dtype=np.float64)


def window_affine(window: np.ndarray, out_size: int) -> np.ndarray:
    """The 2x3 affine map frame -> crop that sends ``window`` onto ``[0, out_size - 1]`` (pysot ``_crop_roi``)."""
    a = (out_size - 1) / (window[2] - window[0])
    b = (out_size - 1) / (window[3] - window[1])
    return np.array([[a, 0, -a * window[0]], [0, b, -b * window[1]]], dtype=np.float64)


def crop_window(image: np.ndarray, mapping: np.ndarray, out_size: int) -> np.ndarray:
    """Warp ``image`` (H, W, 3) uint8 with ``mapping``; outside pixels get the image's channel mean."""
    mean = cv2.mean(image)[:3]
    return cv2.warpAffine(image, mapping, (out_size, out_size), borderMode=cv2.BORDER_CONSTANT,
                          borderValue=mean)


def map_box(box_xyxy: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    """Apply an axis-aligned affine ``mapping`` to a corner box ``(x1, y1, x2, y2)``."""
    return np.array([mapping[0, 0] * box_xyxy[0] + mapping[0, 2], mapping[1, 1] * box_xyxy[1] + mapping[1, 2],
                     mapping[0, 0] * box_xyxy[2] + mapping[0, 2], mapping[1, 1] * box_xyxy[3] + mapping[1, 2]])


def motion_blur(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """pysot's blur: a cross-shaped kernel of odd size 5..45 with a random horizontal/vertical mix."""
    size = int(rng.choice(np.arange(5, 46, 2)))
    kernel = np.zeros((size, size), dtype=np.float32)
    c, wx = size // 2, rng.random()
    kernel[:, c] += wx / size
    kernel[c, :] += (1 - wx) / size
    return cv2.filter2D(image, -1, kernel)


def color_offset(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """pysot's colour augmentation: subtract a random PCA offset (float32 result, 0..255 range not clipped)."""
    offset = (_RGB_VAR @ rng.standard_normal(3).astype(np.float32))[::-1]
    return image.astype(np.float32) - offset.reshape(1, 1, 3)


def flip_crop(image: np.ndarray, box_xyxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal flip of a square crop and its box."""
    width = image.shape[1]
    flipped = np.ascontiguousarray(image[:, ::-1])
    return flipped, np.array([width - 1 - box_xyxy[2], box_xyxy[1], width - 1 - box_xyxy[0], box_xyxy[3]])
