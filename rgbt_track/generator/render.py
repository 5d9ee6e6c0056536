"""Rendering one frame pair of a generated scene.

A :class:`Scene` holds everything fixed for a sequence (textures, trajectory, trouble schedule);
:func:`render_frame` draws frame ``i``: background crop at the camera pan, target, distractor (crossing over
the target in one modality), occluder (in front of both), then the global RGB effects (night, glare) and sensor noise.
Sensor noise is a crop of the scene's fixed noise bank at an offset drawn from
``default_rng([noise_seed, i])``, so any frame renders identically on its own (and fast).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from rgbt_track.generator.motion import Trajectory
from rgbt_track.generator.textures import TexturePair
from rgbt_track.generator.trouble import TroubleSegment, active

TAG_OF_KIND = {
    "night": "illum_change",
    "glare": "illum_change",
    "crossover": "thermal_crossover",
    "rgb_distractor": "rgb_distractor",
    "ir_distractor": "ir_distractor",
    "occlusion": "occlusion",
}
TAGS = tuple(sorted(set(TAG_OF_KIND.values())))
MAX_OCCLUSION = 0.5   # largest share of the target's width an occluder covers
NOISE_PAD = 32        # extra noise-bank pixels per side, the range of the per-frame noise offset


def make_noise_bank(rng: np.random.Generator, frame_size: tuple[int, int]) -> np.ndarray:
    """Noise ``(H + NOISE_PAD, W + NOISE_PAD, 5)`` float32 for :class:`Scene`: channels 0-2 colour and
    3 IR white noise, 4 low-frequency blotches (blurred, ~10 px grain); each of unit std."""
    width, height = frame_size
    bank = rng.standard_normal((height + NOISE_PAD, width + NOISE_PAD, 5), dtype=np.float32)
    blotches = cv2.GaussianBlur(bank[..., 4], (0, 0), sigmaX=5)
    bank[..., 4] = blotches / max(float(blotches.std()), 1e-6)
    return bank


@dataclass(frozen=True)
class Scene:
    """Fixed content of one sequence.

    ``background`` is ``(H + 2*margin, W + 2*margin)`` so the camera can pan; ``frame_size`` is (W, H).
    """

    frame_size: tuple[int, int]
    background: TexturePair
    target: TexturePair
    occluder: TexturePair
    trajectory: Trajectory
    segments: list[TroubleSegment]
    noise_seed: int
    noise: np.ndarray   # float32 (H + NOISE_PAD, W + NOISE_PAD, 5), see make_noise_bank


@dataclass(frozen=True)
class RenderedFrame:
    """``color`` BGR uint8 ``(H, W, 3)``, ``ir`` uint8 ``(H, W)``, ``box`` (x, y, w, h) 0-based, active ``tags``."""

    color: np.ndarray
    ir: np.ndarray
    box: tuple[int, int, int, int]
    tags: frozenset[str]


def target_box(scene: Scene, index: int) -> tuple[int, int, int, int]:
    """Integer ``(x, y, w, h)`` of the target in frame ``index``, inside the frame."""
    width, height = scene.frame_size
    w, h = (int(round(v)) for v in scene.trajectory.size[index])
    cx, cy = scene.trajectory.centre[index]
    x = int(np.clip(round(cx - w / 2), 0, width - w))
    y = int(np.clip(round(cy - h / 2), 0, height - h))
    return x, y, w, h


def _paste(canvas: np.ndarray, patch: np.ndarray, x: int, y: int, alpha: float = 1.0) -> None:
    """Alpha-blend ``patch`` into ``canvas`` at top-left ``(x, y)``, clipped to the canvas."""
    ph, pw = patch.shape[:2]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + pw, canvas.shape[1]), min(y + ph, canvas.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    region = patch[y0 - y:y1 - y, x0 - x:x1 - x]
    canvas[y0:y1, x0:x1] = (1 - alpha) * canvas[y0:y1, x0:x1] + alpha * region


def _distractor_position(segment: TroubleSegment, index: int, box: tuple[int, int, int, int]) -> tuple[int, int]:
    """Top-left of the distractor: it crosses over the target along a straight line through it, from
    1.6 box sizes on one side to 1.6 on the other, covering it completely mid-segment."""
    x, y, w, h = box
    progress = (index - segment.start) / max(segment.end - segment.start - 1, 1)
    angle = segment.start * 2.39996
    offset = 1.6 * max(w, h) * (2 * progress - 1)
    return int(round(x + offset * np.cos(angle))), int(round(y + offset * np.sin(angle)))


def _occluder_cover(segment: TroubleSegment, index: int) -> float:
    """Share of the target's width hidden by the occluder: 0 -> MAX_OCCLUSION -> 0 over the segment."""
    progress = (index - segment.start + 0.5) / (segment.end - segment.start)
    return float(MAX_OCCLUSION * np.sin(np.pi * progress))


def render_frame(scene: Scene, index: int) -> RenderedFrame:
    """Draw frame ``index`` (0-based) of ``scene``."""
    width, height = scene.frame_size
    rng = np.random.default_rng([scene.noise_seed, index])
    ox, oy = (int(v) for v in rng.integers(0, NOISE_PAD, 2))
    noise = scene.noise[oy:oy + height, ox:ox + width]
    px, py = (int(round(v)) for v in scene.trajectory.pan[index])
    color = scene.background.color[py:py + height, px:px + width].astype(np.float32)
    ir = scene.background.ir[py:py + height, px:px + width].astype(np.float32)
    box = x, y, w, h = target_box(scene, index)
    trouble = active(scene.segments, index)
    segments = {s.kind: s for s in scene.segments if s.start <= index < s.end}

    target_color = cv2.resize(scene.target.color, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    target_ir = cv2.resize(scene.target.ir, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    _paste(color, target_color, x, y)
    crossover = trouble.get("crossover", 0.0)
    if crossover:   # the target's temperature meets the background's: its thermal texture fades too
        target_ir = (1 - crossover) * target_ir + crossover * float(ir[y:y + h, x:x + w].mean())
    _paste(ir, target_ir, x, y)
    for kind, canvas, patch in (("rgb_distractor", color, target_color), ("ir_distractor", ir, target_ir)):
        if kind in trouble:
            dx, dy = _distractor_position(segments[kind], index, box)
            _paste(canvas, patch, dx, dy, alpha=trouble[kind])

    tags = {TAG_OF_KIND[kind] for kind in trouble if kind != "occlusion"}
    if "occlusion" in trouble:
        cover = _occluder_cover(segments["occlusion"], index)
        bar_w, bar_h = max(w, 8), int(1.6 * h)
        from_left = segments["occlusion"].start % 2 == 0
        bar_x = x + int(round(cover * w)) - bar_w if from_left else x + w - int(round(cover * w))
        bar_y = y - int(0.3 * h)
        _paste(color, cv2.resize(scene.occluder.color, (bar_w, bar_h)).astype(np.float32), bar_x, bar_y)
        _paste(ir, cv2.resize(scene.occluder.ir, (bar_w, bar_h)).astype(np.float32), bar_x, bar_y)
        if cover * w >= 1:
            tags.add("occlusion")

    night, glare = trouble.get("night", 0.0), trouble.get("glare", 0.0)
    if night:
        color = color * (1 - 0.97 * night) + night * (18 * noise[..., 4:5] + 8 * noise[..., 2::-1])
    if glare:
        sigma = 1.5 * max(w, h)
        bloom_x = np.exp(-((np.arange(width, dtype=np.float32) - x - w / 2) ** 2) / (2 * sigma ** 2))
        bloom_y = np.exp(-((np.arange(height, dtype=np.float32) - y - h / 2) ** 2) / (2 * sigma ** 2))
        color = color * (1 + 0.5 * glare) + glare * (20 + 260 * np.outer(bloom_y, bloom_x))[..., None]
    color += 2.0 * noise[..., :3]
    ir += 2.0 * noise[..., 3]
    return RenderedFrame(np.clip(color, 0, 255).astype(np.uint8), np.clip(ir, 0, 255).astype(np.uint8),
                         box, frozenset(tags))
