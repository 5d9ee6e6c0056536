"""The TraX server's warm-up: what it calls, and that it leaves no state behind."""
from __future__ import annotations

import numpy as np
import pytest

from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from rgbt_track.vot.trax_server import warm_up

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class Recorder:
    def __init__(self):
        self.calls = []

    def init(self, frames, box):
        self.calls.append(("init", sorted(frames), frames[next(iter(frames))].shape, box))

    def track(self, frames):
        self.calls.append(("track", sorted(frames)))


def test_warm_up_calls_init_then_track_on_every_channel():
    recorder = Recorder()
    warm_up(recorder, ("color", "ir"))
    assert recorder.calls == [("init", ["color", "ir"], (240, 320, 3), (140.0, 100.0, 40.0, 40.0)),
                              ("track", ["color", "ir"]), ("track", ["color", "ir"])]


def test_a_warmed_up_tracker_tracks_exactly_like_a_fresh_one():
    rng = np.random.default_rng(3)
    frames = [{m: rng.integers(0, 256, (120, 160, 3), dtype=np.uint8) for m in ("color", "ir")} for _ in range(4)]
    boxes = []
    for warm in (False, True):
        tracker = build_tracker(TrackerSpec(mode="fused", fusion="rfn", device="cpu"))
        if warm:
            warm_up(tracker, ("color", "ir"))
        tracker.init(frames[0], (50, 40, 30, 24))
        boxes.append([tracker.track(f).box for f in frames[1:]])
    assert boxes[0] == boxes[1]
