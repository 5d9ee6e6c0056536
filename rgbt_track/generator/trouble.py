"""Scheduling modality-specific trouble in segments.

Every sequence opens with a clean stretch (the tracker's initialisation frames), then alternates
trouble segments with short clean gaps. Kinds, and the modality each one hurts:

==================  ======  ===========================================================
kind                hurts   what happens
==================  ======  ===========================================================
``night``           RGB     the visible image goes dark (3 % of its light) under blotchy noise
``glare``           RGB     the visible image is over-exposed; a bloom saturates the target
``rgb_distractor``  RGB     a twin of the target's visible appearance crosses over it
                            (hiding it mid-segment); it has no thermal signature
``crossover``       IR      the target's temperature meets the background's: its thermal
                            contrast and texture fade to the local background mean
``ir_distractor``   IR      a twin of the target's thermal signature crosses over it;
                            it is invisible in RGB
``occlusion``       both    an occluder slides over part of the target (at most half)
==================  ======  ===========================================================

RGB-hurting and IR-hurting segments alternate and never overlap, so at every frame at least one
modality shows the target clearly (except for the short partial occlusions): a tracker using only
RGB loses the target in RGB segments, one using only IR in IR segments, and a tracker fusing both
can keep it throughout. This is what makes the fused tracker's advantage measurable;
``tests/test_generator_trouble_design.py`` measures it with a correlation tracker (docs/datasets.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RGB_KINDS = ("night", "glare", "rgb_distractor")
IR_KINDS = ("crossover", "ir_distractor")
BOTH_KINDS = ("occlusion",)
KINDS = RGB_KINDS + IR_KINDS + BOTH_KINDS


@dataclass(frozen=True)
class TroubleSegment:
    """Trouble of ``kind`` over frames ``[start, end)``, ramping in and out over ``ramp`` frames."""

    kind: str
    start: int
    end: int
    ramp: int = 6

    def strength(self, frame: int) -> float:
        """0 outside the segment, rising linearly to 1 within ``ramp`` frames of either end."""
        if not self.start <= frame < self.end:
            return 0.0
        edge = min(frame - self.start + 1, self.end - frame)
        return float(min(1.0, edge / max(self.ramp, 1)))


@dataclass(frozen=True)
class ScheduleConfig:
    """Segment lengths in frames."""

    clean_start: int = 20           # clean frames at the start (initialisation)
    segment_min: int = 25
    segment_max: int = 45
    occlusion_min: int = 12
    occlusion_max: int = 20
    gap_min: int = 6                # clean frames between two segments
    gap_max: int = 18
    occlusion_probability: float = 0.25


def schedule_trouble(rng: np.random.Generator, length: int,
                     config: ScheduleConfig = ScheduleConfig()) -> list[TroubleSegment]:
    """Segments for a sequence of ``length`` frames, alternating RGB and IR trouble.

    The first group (RGB or IR) is random; an occlusion replaces a group's turn with probability
    ``config.occlusion_probability`` (never twice in a row). Segments that would not fit before the
    end are dropped, so very short sequences may be entirely clean.
    """
    segments: list[TroubleSegment] = []
    frame = min(config.clean_start, max(length // 5, 1))
    use_rgb = bool(rng.integers(0, 2))
    last_was_occlusion = False
    while True:
        if not last_was_occlusion and segments and rng.random() < config.occlusion_probability:
            kind = BOTH_KINDS[0]
            duration = int(rng.integers(config.occlusion_min, config.occlusion_max + 1))
            last_was_occlusion = True
        else:
            group = RGB_KINDS if use_rgb else IR_KINDS
            kind = group[int(rng.integers(0, len(group)))]
            duration = int(rng.integers(config.segment_min, config.segment_max + 1))
            use_rgb = not use_rgb
            last_was_occlusion = False
        if frame + duration > length:
            break
        segments.append(TroubleSegment(kind, frame, frame + duration))
        frame += duration + int(rng.integers(config.gap_min, config.gap_max + 1))
    return segments


def active(segments: list[TroubleSegment], frame: int) -> dict[str, float]:
    """``{kind: strength}`` for the segments active at ``frame`` (strength > 0)."""
    result = {}
    for segment in segments:
        strength = segment.strength(frame)
        if strength > 0:
            result[segment.kind] = max(strength, result.get(segment.kind, 0.0))
    return result
