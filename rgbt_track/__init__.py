"""RGB-T tracking with the RFN: datasets, the tracking RFN and its loss, training, VOT evaluation, CLI.

The Python API (README, "From Python")::

    from rgbt_track import TrackerSpec, build_tracker, read_frame

    tracker = build_tracker(TrackerSpec(arch="mobilev2", checkpoint="model.pth", rfn_checkpoint="OUT/rfn.pth"))
    tracker.init({"color": rgb0, "ir": ir0}, (x, y, w, h))   # HxWx3 uint8 frames, 0-based box
    box = tracker.track({"color": rgb1, "ir": ir1}).box
"""
from rgbt_track.tracker_spec import TrackerSpec, build_tracker

__all__ = ["TrackerSpec", "build_tracker", "read_frame"]


def __getattr__(name: str):
    if name == "read_frame":  # lazily: it imports OpenCV, which `rgbt-track --help` does not need
        from rgbt_track.frames import read_frame

        return read_frame
    raise AttributeError(f"module 'rgbt_track' has no attribute {name!r}")
