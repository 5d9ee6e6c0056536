"""Building the fixed content of one generated sequence from a random generator."""
from __future__ import annotations

import numpy as np

from rgbt_track.generator.motion import MotionConfig, make_trajectory
from rgbt_track.generator.render import Scene, make_noise_bank
from rgbt_track.generator.textures import (TexturePair, procedural_background, procedural_target,
                                           real_background, real_target)
from rgbt_track.generator.trouble import schedule_trouble


def _occluder(rng: np.random.Generator, background: TexturePair) -> TexturePair:
    """An occluder (pole, passer-by) cut from the scene's own background, so it is neither
    distinctive in RGB nor warm in IR."""
    height, width = background.ir.shape
    y, x = int(rng.integers(0, height - 64)), int(rng.integers(0, width - 32))
    return TexturePair(background.color[y:y + 64, x:x + 32].copy(), background.ir[y:y + 64, x:x + 32].copy())


def build_scene(rng: np.random.Generator, length: int, frame_size: tuple[int, int],
                textures: list[TexturePair] | None = None, motion: MotionConfig = MotionConfig()) -> Scene:
    """Draw textures, target size, trajectory and trouble schedule for a ``length``-frame sequence.

    ``frame_size`` is (W, H). The target's base size is 12-22 % of the frame width by 15-30 % of its
    height. With ``textures`` (real aligned pairs) the background and target are cut from them,
    otherwise they are procedural.
    """
    width, height = frame_size
    bg_h, bg_w = height + 2 * motion.pan_margin, width + 2 * motion.pan_margin
    if textures:
        background = real_background(rng, textures, bg_h, bg_w)
        target = real_target(rng, textures)
    else:
        background = procedural_background(rng, bg_h, bg_w)
        target = procedural_target(rng)
    base_size = (rng.uniform(0.12, 0.22) * width, rng.uniform(0.15, 0.30) * height)
    trajectory = make_trajectory(rng, length, frame_size, base_size, motion)
    return Scene(frame_size=frame_size, background=background, target=target,
                 occluder=_occluder(rng, background), trajectory=trajectory,
                 segments=schedule_trouble(rng, length), noise_seed=int(rng.integers(0, 2 ** 31)),
                 noise=make_noise_bank(rng, frame_size))
