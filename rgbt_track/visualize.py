"""Videos of what the tracker does: visible | thermal side by side, the tracker's box (yellow), the
ground truth when known (green), the frame number and the tracker's frames/s.

:class:`TrackingVideo` writes an MP4 (``mp4v``) with OpenCV to a hidden file beside the
destination and moves it into place only when closed after a complete run, so a crash never leaves
a half-written video. :class:`LiveView` is the pysot-style window of ``--show``.
"""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from rgbt_runtime.errors import InputError

TRACKER_COLOUR = (0, 255, 255)
TRUTH_COLOUR = (0, 255, 0)


def _draw_box(image: np.ndarray, box, colour: tuple[int, int, int]) -> None:
    if box is None or not np.isfinite(np.asarray(box, dtype=np.float64)).all():
        return
    x, y, w, h = (int(round(float(v))) for v in box)
    cv2.rectangle(image, (x, y), (x + w, y + h), colour, 2)


def compose(color: np.ndarray | None, ir: np.ndarray | None, box, truth=None, index: int = 0,
            fps: float | None = None) -> np.ndarray:
    """One ``(H, W1 + W2, 3)`` BGR panel: ``color`` | ``ir`` (``(H, W, 3)`` uint8 each; either may be
    None), boxes drawn on both halves, ``#index`` and the frames/s in the corner."""
    halves = [image.copy() for image in (color, ir) if image is not None]
    height = halves[0].shape[0]
    halves = [h if h.shape[0] == height else cv2.resize(h, (round(h.shape[1] * height / h.shape[0]), height))
              for h in halves]
    for half in halves:
        _draw_box(half, truth, TRUTH_COLOUR)
        _draw_box(half, box, TRACKER_COLOUR)
    panel = np.concatenate(halves, axis=1)
    text = f"#{index}" + (f"  {fps:.1f} fps" if fps is not None else "")
    scale = max(0.4, height / 480)
    cv2.putText(panel, text, (8, int(24 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 0.7 * scale, (0, 0, 0), 4, cv2.LINE_AA)
    cv2.putText(panel, text, (8, int(24 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 0.7 * scale, (255, 255, 255), 1,
                cv2.LINE_AA)
    return panel


class TrackingVideo:
    """An MP4 built panel by panel; ``close()`` publishes it, ``abort()`` (or an error) discards it."""

    def __init__(self, path: str | os.PathLike, fps: float = 20.0):
        self.path = Path(path)
        if self.path.suffix.lower() != ".mp4":
            raise InputError(f"video must be an .mp4 file: {self.path}")
        self.fps = fps
        self._tmp = self.path.with_name(f".{self.path.name}.partial.mp4")
        self._writer = None
        self._size: tuple[int, int] | None = None
        self.frames = 0

    def write(self, panel: np.ndarray) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._size = (panel.shape[1] // 2 * 2, panel.shape[0] // 2 * 2)
            self._writer = cv2.VideoWriter(str(self._tmp), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, self._size)
            if not self._writer.isOpened():
                raise InputError(f"cannot write video: {self.path}")
        if (panel.shape[1], panel.shape[0]) != self._size:
            panel = cv2.resize(panel, self._size)
        self._writer.write(panel)
        self.frames += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
            os.replace(self._tmp, self.path)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        self._tmp.unlink(missing_ok=True)


class SequenceVideo:
    """The video of one dataset sequence: reads the frames the tracker did not, draws the ground truth."""

    def __init__(self, path: Path, sequence, fps: float = 20.0):
        self.video, self.sequence = TrackingVideo(path, fps), sequence
        self._seconds = 0.0

    def add(self, index: int, frames: dict, box, seconds: float) -> None:
        self._seconds += seconds if index else 0.0          # frames/s of tracking: the init is not a frame
        images = {m: frames[m] if m in frames else self.sequence.read(index, m) for m in ("color", "ir")}
        truth = self.sequence.groundtruth[index] if index < len(self.sequence.groundtruth) else None
        rate = index / self._seconds if index and self._seconds > 0 else None
        self.video.write(compose(images["color"], images["ir"], box, truth, index, rate))

    def close(self, ok: bool = True) -> None:
        self.video.close() if ok else self.video.abort()


def has_display() -> bool:
    """Whether an OpenCV window can open (an X11 / Wayland display on Linux)."""
    import sys

    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class LiveView:
    """pysot's ``--show`` window: the panel of every frame; ``select_box`` asks for the init box."""

    WINDOW = "rgbt-track"

    def __init__(self):
        if not has_display():
            raise InputError("--show needs a display (no DISPLAY / WAYLAND_DISPLAY is set)")
        cv2.namedWindow(self.WINDOW, cv2.WND_PROP_FULLSCREEN)

    def select_box(self, image: np.ndarray) -> tuple[float, float, float, float]:
        x, y, w, h = cv2.selectROI(self.WINDOW, image, False, False)
        if w <= 0 or h <= 0:
            raise InputError("no box selected in the --show window")
        return float(x), float(y), float(w), float(h)

    def show(self, panel: np.ndarray) -> None:
        cv2.imshow(self.WINDOW, panel)
        cv2.waitKey(1)

    def close(self) -> None:
        cv2.destroyWindow(self.WINDOW)


class TrackView:
    """``rgbt-track track --video FILE --show``: the video and / or the live window, frame by frame.

    Used as a context manager: the video is published when the block succeeds, discarded otherwise.
    """

    def __init__(self, video: Path | None = None, show: bool = False, fps: float = 20.0):
        self.video = TrackingVideo(video, fps) if video is not None else None
        self.live = LiveView() if show else None
        self._seconds = 0.0

    def select_box(self, images: dict) -> tuple[float, float, float, float]:
        """The init box drawn by the user on the first frame (needs ``show``)."""
        if self.live is None:
            raise InputError("--init is required (or --show to draw the box on the first frame)")
        return self.live.select_box(compose(images.get("color"), images.get("ir"), None))

    def frame(self, index: int, images: dict, box, seconds: float) -> None:
        """Draw frame ``index`` (``images``: the ``color`` / ``ir`` arrays there are) with ``box``."""
        if self.video is None and self.live is None:
            return
        self._seconds += seconds if index else 0.0
        rate = index / self._seconds if index and self._seconds > 0 else None
        panel = compose(images.get("color"), images.get("ir"), box, None, index, rate)
        if self.video is not None:
            self.video.write(panel)
        if self.live is not None:
            self.live.show(panel)

    def __enter__(self) -> "TrackView":
        return self

    def __exit__(self, kind, error, trace) -> None:
        if self.video is not None:
            self.video.close() if kind is None else self.video.abort()
        if self.live is not None:
            self.live.close()
