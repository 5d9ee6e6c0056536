"""The pysot SiamRPN tracking loop (``pysot/tracker/siamrpn_tracker.py``) with rgb / ir / fused inputs.

Modes:

* ``rgb``: the colour frame only; ``ir``: the thermal frame only (as 3 channels).
* ``fused``: both crops go through the backbone and neck in ONE batch; a fusion module
  (``forward(rgb_feats, ir_feats) -> feats``, per neck level) sits between the neck and the RPN
  heads. The template features are fused once at ``init`` and cached.

Every crop is padded with the channel mean of its own modality's **init** frame (computed once).

Precision: ``fp32`` (default) or, through ``torch.autocast``, ``bf16`` (CPUs with native bf16 such
as AVX512-BF16 / AMX, and GPUs) or ``fp16`` (CUDA only). Backbone, neck, fusion and heads run in
the lower precision; the softmax and the box decoding stay in float32/float64. ``int8`` (CPU only)
quantizes the search branch's convolutions (:mod:`trackers.quantization`), calibrated at every
``init`` on that frame's crops, so results never depend on an earlier sequence; it pays for
``r50`` (about 4x its fp32 rate) and not for the small ``tiny`` / depthwise ``mobilev2`` convs. The
pysot loop was tuned in fp32, so fp32 stays the default; ``docs/benchmarks.md`` measures what the
other precisions change.
"""
from __future__ import annotations

import contextlib
import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from trackers.anchors import generate_anchors
from trackers.config import MODALITIES, MODES, PRECISIONS, AnchorConfig, TrackerHyperparams
from trackers.crop import get_subwindow
from rgbt_runtime.errors import InputError
from trackers.inference import fold_batch_norm, to_channels_last
from trackers.model import SiameseRPN
from trackers.quantization import quantize_int8

MIN_SIZE = 10  # pysot's lower clip for the box width / height
# Largest padded search window (uint8 bytes, all modalities) an init box may need: 2 GiB is a
# 18,900-pixel window per modality in fused mode, for a square box of about 4,700 px.
CROP_BYTES_LIMIT = 2 * 2**30
# autocast dtype per precision; int8 runs quantized modules instead (trackers.quantization)
AUTOCAST_DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16, "int8": None}
assert set(AUTOCAST_DTYPES) == set(PRECISIONS)


@dataclass
class TrackResult:
    """One frame's output.

    Attributes:
        box: ``(x, y, w, h)`` 0-based, top-left corner.
        score: foreground probability of the chosen anchor (before penalty and window).
        response: ``(A, S, S)`` float32 foreground probabilities before penalty / window.
    """

    box: tuple[float, float, float, float]
    score: float
    response: np.ndarray


class SiameseTracker:
    """Single-object tracker around a :class:`SiameseRPN`.

    The model is copied, its BatchNorms folded into the convolutions and (on CPU) converted to
    channels-last for speed, so the caller's module is untouched. ``fusion`` is switched to eval
    mode and used as is.

    Args:
        model: the network (weights already loaded).
        hyperparams: tracking-loop settings (penalty, window influence, lr, crop sizes).
        anchors: anchor layout; the score map side follows from it and ``hyperparams``.
        mode: ``"rgb"``, ``"ir"`` or ``"fused"``.
        fusion: feature-fusion module, required in (and only used by) fused mode.
        device: torch device string, e.g. ``"cpu"`` or ``"cuda"``.
        precision: ``"fp32"``, ``"bf16"``, ``"fp16"`` (CUDA only) or ``"int8"`` (CPU only), see the
            module docstring.
    """

    def __init__(self, model: SiameseRPN, hyperparams: TrackerHyperparams, anchors: AnchorConfig,
                 mode: str = "rgb", fusion: nn.Module | None = None, device: str | torch.device = "cpu",
                 precision: str = "fp32"):
        if precision not in PRECISIONS:
            raise InputError(f"unknown precision '{precision}' (choose from {', '.join(PRECISIONS)})")
        if mode not in MODES:
            raise InputError(f"unknown tracking mode '{mode}' (choose from {', '.join(MODES)})")
        if mode == "fused" and fusion is None:
            raise InputError("fused mode needs a fusion module")
        if mode != "fused" and fusion is not None:
            raise InputError(f"a fusion module is only used in fused mode, not in '{mode}' mode")
        self.device = _resolve_device(device)
        if precision == "fp16" and self.device.type != "cuda":
            raise InputError("fp16 precision needs a CUDA device (use bf16 on a CPU)")
        if precision == "int8" and self.device.type != "cpu":
            raise InputError("int8 precision runs on a CPU only (use fp16 or bf16 on CUDA)")
        self.precision = precision
        self.mode = mode
        self.modalities = MODALITIES[mode]
        self.hp = hyperparams
        self.channels_last = self.device.type == "cpu"
        self.model = fold_batch_norm(model).to(self.device)
        if self.channels_last:
            to_channels_last(self.model)
        self.fusion = fusion.eval().to(self.device) if fusion is not None else None
        self.score_size = anchors.score_size(hyperparams)
        self.anchor_num = anchors.anchor_num
        self.anchors = generate_anchors(anchors, self.score_size)
        hanning = np.hanning(self.score_size)
        self.window = np.tile(np.outer(hanning, hanning).ravel(), self.anchor_num)
        self._z_feats: list[Tensor] | None = None
        self._z_kernels: list | None = None
        self._float_model = self.model if precision == "int8" else None  # re-quantized at every init

    # ------------------------------------------------------------------ public API
    def init(self, frames: dict[str, np.ndarray], box: tuple[float, float, float, float]) -> None:
        """Start tracking the object at ``box`` = ``(x, y, w, h)`` (0-based) in ``frames``.

        ``frames`` maps ``"color"`` and/or ``"ir"`` to BGR uint8 ``(H, W, 3)`` (or gray ``(H, W)``)
        images; the mode's modalities must be present. The box must have positive size and overlap
        the image (boxes partly outside, common in VOT ground truth, are accepted).
        """
        images = self._check_frames(frames)
        self.image_size = images[0].shape[:2]
        x, y, w, h = _check_box(box, self.image_size)
        self._check_crop_memory((w, h), len(images))
        self.center = np.array([x + (w - 1) / 2, y + (h - 1) / 2])
        self.size = np.array([w, h], dtype=np.float64)
        self.means = [img.mean(axis=(0, 1)) for img in images]
        s_z = round(math.sqrt(np.prod(self.size + self.hp.context_amount * self.size.sum())))
        crops = [get_subwindow(img, self.center, self.hp.exemplar_size, s_z, mean)
                 for img, mean in zip(images, self.means)]
        if self._float_model is not None:
            self.model = copy.deepcopy(self._float_model)
            quantize_int8(self.model, lambda: self._calibrate(crops, images))
        with torch.inference_mode(), self._autocast():
            self._z_feats = self._features(crops)
            # the heads' template side, once per template (models with only features/head: every frame)
            self._z_kernels = self.model.head_kernels(self._z_feats) if hasattr(self.model, "head_kernels") else None

    def track(self, frames: dict[str, np.ndarray]) -> TrackResult:
        """Locate the target in the next ``frames`` (same modalities and size as at ``init``)."""
        if self._z_feats is None:
            raise InputError("track() called before init()")
        images = self._check_frames(frames)
        if images[0].shape[:2] != self.image_size:
            raise InputError(f"frame size {images[0].shape[1]}x{images[0].shape[0]} differs from the "
                             f"init frame's {self.image_size[1]}x{self.image_size[0]}")
        crops, scale_z = self._search_crops(images, self.center)
        with torch.inference_mode():
            with self._autocast():
                x_feats = self._features(crops)
                cls, loc = (self.model.head(self._z_feats, x_feats) if self._z_kernels is None
                            else self.model.head_correlate(self._z_kernels, x_feats))
            response = torch.softmax(cls.float().reshape(2, -1), dim=0)[1].cpu().numpy()
            delta = loc.float().reshape(4, -1).cpu().numpy()
        return self._update(response, delta, scale_z)

    # ------------------------------------------------------------------ internals
    def _autocast(self) -> contextlib.AbstractContextManager:
        dtype = AUTOCAST_DTYPES[self.precision]
        return contextlib.nullcontext() if dtype is None else torch.autocast(self.device.type, dtype=dtype)

    def _calibrate(self, template_crops: list[np.ndarray], images: list[np.ndarray]) -> None:
        """Run the model on the init frame's template crops and three search crops (int8 observers).

        The search crops are the one the first ``track`` call will cut (centred on the init box)
        and two shifted by 1/8 of the search side along the diagonal, so that the target is seen
        off-centre, as it is while tracking.
        """
        side, _ = self._search_geometry()
        with torch.inference_mode():
            z_feats = self._features(template_crops)
            for shift in (0.0, side / 8, -side / 8):
                self.model.head(z_feats, self._features(self._search_crops(images, self.center + shift)[0]))

    def _check_crop_memory(self, size: tuple[float, float], images: int) -> None:
        """InputError when the init box's padded search window would pass :data:`CROP_BYTES_LIMIT`.

        pysot pads a window of side ``s_x`` (about 4x the box side with the default context) with
        the image mean; a box far larger than the frame (``--init 0,0,40000,40000``) would allocate
        tens of GiB, so it is refused up front with the estimate and the largest square box that fits.
        """
        hp = self.hp
        w, h = size
        pad = hp.context_amount * (w + h)
        s_x = math.sqrt((w + pad) * (h + pad)) * hp.instance_size / hp.exemplar_size
        need = 3 * images * s_x * s_x
        if need > CROP_BYTES_LIMIT:
            side = math.sqrt(CROP_BYTES_LIMIT / (3 * images)) * hp.exemplar_size / hp.instance_size
            fits = side / (1 + 2 * hp.context_amount)
            raise InputError(f"box {w:g}x{h:g} needs a {s_x:.0f}-pixel search window: about {need / 2**30:.3g} GiB "
                             f"(limit {CROP_BYTES_LIMIT / 2**30:.0f} GiB); boxes up to about {fits:.0f}x{fits:.0f} fit")

    def _search_geometry(self) -> tuple[int, float]:
        """pysot's search-crop side ``s_x`` in image pixels and ``scale_z`` (crop / image) for the current box."""
        hp = self.hp
        s_z = math.sqrt(np.prod(self.size + hp.context_amount * self.size.sum()))
        return round(s_z * hp.instance_size / hp.exemplar_size), hp.exemplar_size / s_z

    def _search_crops(self, images: list[np.ndarray], center: np.ndarray) -> tuple[list[np.ndarray], float]:
        """Search crops ``M x (3, 255, 255)`` around ``center`` at the current box's scale, and ``scale_z``."""
        side, scale_z = self._search_geometry()
        crops = [get_subwindow(img, center, self.hp.instance_size, side, mean) for img, mean in zip(images, self.means)]
        return crops, scale_z

    def _features(self, crops: list[np.ndarray]) -> list[Tensor]:
        """Crops ``M x (3, s, s)`` -> per-level features for one sample (fused when in fused mode)."""
        batch = torch.from_numpy(np.stack(crops)).to(self.device)
        if self.channels_last:
            batch = batch.contiguous(memory_format=torch.channels_last)
        feats = self.model.features(batch)
        if self.fusion is None:
            return feats
        return self.fusion([f[0:1] for f in feats], [f[1:2] for f in feats])

    def _update(self, score: np.ndarray, delta: np.ndarray, scale_z: float) -> TrackResult:
        """Decode boxes, apply penalty / window / lr smoothing / clipping; ``score`` ``(A*S*S,)``, ``delta`` ``(4, A*S*S)``."""
        hp, a = self.hp, self.anchors
        pred = np.empty_like(delta)
        pred[0] = delta[0] * a[:, 2] + a[:, 0]
        pred[1] = delta[1] * a[:, 3] + a[:, 1]
        pred[2] = np.exp(delta[2]) * a[:, 2]
        pred[3] = np.exp(delta[3]) * a[:, 3]
        scaled = self.size * scale_z
        s_c = _change(_sz(pred[2], pred[3]) / _sz(scaled[0], scaled[1]))
        r_c = _change((self.size[0] / self.size[1]) / (pred[2] / pred[3]))
        penalty = np.exp(-(r_c * s_c - 1) * hp.penalty_k)
        pscore = penalty * score * (1 - hp.window_influence) + self.window * hp.window_influence
        best = int(np.argmax(pscore))
        box = pred[:, best] / scale_z
        lr = penalty[best] * score[best] * hp.lr
        height, width = self.image_size
        cx = min(max(box[0] + self.center[0], 0.0), width)
        cy = min(max(box[1] + self.center[1], 0.0), height)
        w = min(max(self.size[0] * (1 - lr) + box[2] * lr, MIN_SIZE), width)
        h = min(max(self.size[1] * (1 - lr) + box[3] * lr, MIN_SIZE), height)
        self.center = np.array([cx, cy])
        self.size = np.array([w, h])
        response = score.reshape(self.anchor_num, self.score_size, self.score_size).astype(np.float32)
        return TrackResult(box=(float(cx - w / 2), float(cy - h / 2), float(w), float(h)),
                           score=float(score[best]), response=response)

    def _check_frames(self, frames: dict[str, np.ndarray]) -> list[np.ndarray]:
        """The mode's images as BGR uint8 ``(H, W, 3)``, in ``self.modalities`` order; validates them."""
        if not isinstance(frames, dict):
            raise InputError(f"frames must be a dict with keys {self.modalities}, got {type(frames).__name__}")
        missing = [m for m in self.modalities if frames.get(m) is None]
        if missing:
            raise InputError(f"{self.mode} mode needs the '{missing[0]}' frame")
        images = [_as_bgr(frames[m], m) for m in self.modalities]
        shapes = {m: img.shape[:2] for m, img in zip(self.modalities, images)}
        if len(set(shapes.values())) > 1:
            raise InputError("color and ir frames differ in size: "
                             + ", ".join(f"{m} {s[1]}x{s[0]}" for m, s in shapes.items()))
        return images


def _change(r: np.ndarray) -> np.ndarray:
    return np.maximum(r, 1.0 / r)


def _sz(w: np.ndarray, h: np.ndarray) -> np.ndarray:
    pad = (w + h) * 0.5
    return np.sqrt((w + pad) * (h + pad))


def _as_bgr(image: np.ndarray, name: str) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3:
        raise InputError(f"the '{name}' frame must be HxW or HxWx3, got shape {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise InputError(f"the '{name}' frame is empty")
    if image.dtype != np.uint8:
        raise InputError(f"the '{name}' frame must be uint8 (as OpenCV reads it), got {image.dtype}")
    return image


def _check_box(box, image_size: tuple[int, int]) -> tuple[float, float, float, float]:
    try:
        x, y, w, h = (float(v) for v in box)
    except (TypeError, ValueError):
        raise InputError(f"box must be four numbers x,y,w,h, got {box!r}") from None
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        raise InputError(f"box has non-finite values: {box!r}")
    if w <= 0 or h <= 0:
        raise InputError(f"box width and height must be positive, got w={w:g}, h={h:g}")
    height, width = image_size
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        raise InputError(f"box {x:g},{y:g},{w:g},{h:g} lies outside the {width}x{height} image")
    return x, y, w, h


def _resolve_device(device: str | torch.device) -> torch.device:
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise InputError(f"invalid device '{device}'") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda' requested but CUDA is not available")
    return dev
