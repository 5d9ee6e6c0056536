"""Smooth random target motion and scale change, and a slow camera pan.

Velocity follows a damped random walk (Ornstein-Uhlenbeck), so the target accelerates and turns
smoothly; it bounces off the frame border so it always stays fully inside the frame. The scale is a
mean-reverting random walk in log space, bounded to ``[min_scale, max_scale]``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MotionConfig:
    """Motion parameters (pixels and frames), chosen for 320x240 frames at 30 fps."""

    max_speed: float = 4.0          # px / frame
    acceleration: float = 0.6       # std of the per-frame velocity kick
    damping: float = 0.06           # pull of the velocity towards 0 per frame
    scale_step: float = 0.012       # std of the per-frame log-scale step
    min_scale: float = 0.7
    max_scale: float = 1.4
    pan_margin: int = 24            # px of background on each side for the camera pan
    pan_speed: float = 0.5          # max camera pan speed, px / frame


@dataclass(frozen=True)
class Trajectory:
    """Per-frame target state: ``centre (N, 2)`` x, y; ``size (N, 2)`` w, h in px; ``pan (N, 2)`` camera offset."""

    centre: np.ndarray
    size: np.ndarray
    pan: np.ndarray


def _bounded_walk(rng: np.random.Generator, length: int, limit: float, max_speed: float,
                  acceleration: float, damping: float, start: float = 0.0) -> np.ndarray:
    """1-D damped random walk in ``[0, limit]`` that reflects at both ends."""
    values = np.empty(length, np.float64)
    value, velocity = start, 0.0
    for i in range(length):
        values[i] = value
        velocity = float(np.clip((1 - damping) * velocity + rng.normal(0, acceleration), -max_speed, max_speed))
        value += velocity
        if value < 0 or value > limit:
            velocity = -velocity
            value = float(np.clip(value, 0, limit))
    return values


def make_trajectory(rng: np.random.Generator, length: int, frame_size: tuple[int, int],
                    base_size: tuple[float, float], config: MotionConfig = MotionConfig()) -> Trajectory:
    """A trajectory of ``length`` frames for a target of ``base_size`` (w, h) in a ``frame_size`` (W, H) frame.

    The box is kept fully inside the frame at every scale up to ``config.max_scale``.
    """
    width, height = frame_size
    log_scale = np.empty(length)
    value = 0.0
    low, high = np.log(config.min_scale), np.log(config.max_scale)
    for i in range(length):
        log_scale[i] = value
        value = float(np.clip(0.98 * value + rng.normal(0, config.scale_step), low, high))
    size = np.outer(np.exp(log_scale), np.asarray(base_size, np.float64))
    half_max = np.asarray(base_size) * config.max_scale / 2 + 2
    span_x, span_y = width - 2 * half_max[0], height - 2 * half_max[1]
    cx = half_max[0] + _bounded_walk(rng, length, span_x, config.max_speed, config.acceleration, config.damping,
                                     start=rng.uniform(0.3, 0.7) * span_x)
    cy = half_max[1] + _bounded_walk(rng, length, span_y, config.max_speed * 0.75, config.acceleration * 0.75,
                                     config.damping, start=rng.uniform(0.3, 0.7) * span_y)
    limit = 2 * config.pan_margin
    pan = np.stack([_bounded_walk(rng, length, limit, config.pan_speed, 0.1, 0.02, start=limit / 2)
                    for _ in range(2)], axis=1)
    return Trajectory(np.stack([cx, cy], axis=1), size, pan)
