"""The generator's design claim, measured: with a simple correlation tracker, RGB-only tracking fails
in RGB trouble segments, IR-only in IR trouble segments, and a fusion of both succeeds in both.

The tracker: normalised cross-correlation (NCC) of the first frame's template in a window around the
last position; "fused" sums the two NCC maps weighted by each map's peak prominence (max - mean),
a confidence-weighted late fusion. Each trouble segment is tracked from 3 frames before it,
initialised on the ground truth; a frame succeeds when the centre error is below 10 px; the score
of a segment is the success rate over its second half.
"""
from __future__ import annotations

from collections import defaultdict

import cv2
import numpy as np
import pytest

from rgbt_track.generator.render import render_frame
from rgbt_track.generator.scene import build_scene
from rgbt_track.generator.trouble import RGB_KINDS

SEARCH_RADIUS = 32
SUCCESS_PX = 10.0


def _track(frames, box, modalities):
    x, y, w, h = box
    templates = {m: frames[0][m][y:y + h, x:x + w].astype(np.float32) for m in modalities}
    cx, cy = x + w / 2, y + h / 2
    centres = []
    for frame in frames[1:]:
        height, width = frame["ir"].shape[:2]
        x0, y0 = int(max(0, cx - w / 2 - SEARCH_RADIUS)), int(max(0, cy - h / 2 - SEARCH_RADIUS))
        x1, y1 = int(min(width, cx + w / 2 + SEARCH_RADIUS)), int(min(height, cy + h / 2 + SEARCH_RADIUS))
        maps = [cv2.matchTemplate(frame[m][y0:y1, x0:x1].astype(np.float32), templates[m], cv2.TM_CCOEFF_NORMED)
                for m in modalities]
        response = maps[0] if len(maps) == 1 else sum((r.max() - r.mean()) * r for r in maps)
        iy, ix = np.unravel_index(int(np.argmax(response)), response.shape)
        cx, cy = x0 + ix + w / 2, y0 + iy + h / 2
        centres.append((cx, cy))
    return centres


@pytest.mark.slow
def test_each_modality_fails_in_its_own_trouble_and_fusion_survives_both():
    modes = {"rgb": ("color",), "ir": ("ir",), "fused": ("color", "ir")}
    scores = defaultdict(lambda: defaultdict(list))
    for index in range(6):
        scene = build_scene(np.random.default_rng([0, index]), 200, (320, 240))
        for segment in scene.segments:
            if segment.kind == "occlusion":
                continue
            first = max(segment.start - 3, 0)
            rendered = [render_frame(scene, i) for i in range(first, segment.end)]
            frames = [{"color": r.color, "ir": r.ir} for r in rendered]
            for mode, modalities in modes.items():
                centres = _track(frames, rendered[0].box, modalities)
                hits = []
                for (cx, cy), frame in zip(centres, rendered[1:]):
                    bx, by, bw, bh = frame.box
                    hits.append(np.hypot(cx - bx - bw / 2, cy - by - bh / 2) < SUCCESS_PX)
                scores["rgb trouble" if segment.kind in RGB_KINDS else "ir trouble"][mode].append(
                    np.mean(hits[len(hits) // 2:]))
    rgb, ir = ({mode: float(np.mean(v)) for mode, v in scores[group].items()} for group in ("rgb trouble", "ir trouble"))
    assert len(scores["rgb trouble"]["rgb"]) >= 5 and len(scores["ir trouble"]["ir"]) >= 5
    assert rgb["rgb"] < 0.5 and rgb["fused"] > 0.85 and rgb["ir"] > 0.85, rgb
    assert ir["ir"] < 0.35 and ir["fused"] > 0.75 and ir["rgb"] > 0.9, ir
