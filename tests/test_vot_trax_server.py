"""The TraX server's warm-up: what it calls, and that it leaves no state behind."""
from __future__ import annotations

import numpy as np
import pytest

from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from rgbt_track.evaluation.vot.trax_server import warm_up

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


SERVER = """
import sys
from rgbt_track.evaluation.vot.trax_server import serve
class Fixed:
    def init(self, frames, box):
        pass
    def track(self, frames):
        class Result:
            box = (1.0, 2.0, 3.0, 4.0)
        return Result()
sys.stdout = sys.stderr
serve(Fixed(), ["color", "ir"])
"""


def test_an_unreadable_frame_quits_with_the_reason(tmp_path):
    """Over the real TraX protocol: a truncated JPEG ends the session with the one-line reason."""
    import os
    import subprocess
    import sys

    import cv2
    import trax
    from trax.client import Client

    cv2.imwrite(str(tmp_path / "good.jpg"), np.zeros((40, 50, 3), np.uint8))
    data = (tmp_path / "good.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[:len(data) // 2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    try:
        client = Client((proc.stdin.fileno(), proc.stdout.fileno()), log=lambda *_: None)
        images = {c: trax.image.FileImage.create(str(tmp_path / "good.jpg")) for c in ("color", "ir")}
        client.initialize(images, [(trax.Rectangle.create(1, 1, 5, 5), {})], {})
        images = {c: trax.image.FileImage.create(str(tmp_path / "cut.jpg")) for c in ("color", "ir")}
        with pytest.raises(trax.TraxException, match="terminated the session: cannot read frame .*cut.jpg: truncated"):
            client.frame(images, {}, [])
        assert proc.wait(timeout=30) != 0
        assert b"Premature end" not in proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()
