"""TraX entry point the VOT toolkit launches: ``python -m rgbt_track.evaluation.vot.trax_server``.

The toolkit's ``traxpython`` protocol runs ``<python> -m <command>`` in a temporary working folder,
with the tracker's stdin/stdout as the TraX channel and ``env_*`` entries of ``trackers.ini`` as
environment variables. Settings therefore come from ``RGBT_*`` variables, and the same names work
as command-line options for running the server by hand (an option beats its variable):

Every field of :class:`rgbt_track.tracker_spec.TrackerSpec` is one option and one variable:
``--arch``/``RGBT_ARCH``, ``--checkpoint``/``RGBT_CHECKPOINT``, ``--mode``/``RGBT_MODE``,
``--fusion``/``RGBT_FUSION``, ``--rfn-checkpoint``/``RGBT_RFN_CHECKPOINT``, ``--afat``/``RGBT_AFAT``
(1/0), ``--qpn-checkpoint``/``RGBT_QPN_CHECKPOINT``, ``--correction-arch``/``RGBT_CORRECTION_ARCH``,
``--correction-checkpoint``/``RGBT_CORRECTION_CHECKPOINT``,
``--correction-rfn-checkpoint``/``RGBT_CORRECTION_RFN_CHECKPOINT``, ``--precision``/``RGBT_PRECISION``,
``--device``/``RGBT_DEVICE`` and ``--threads``/``RGBT_THREADS``, with the defaults the
specification gives (and ``rgbt-track track`` uses).

The model is loaded and warmed up (:func:`warm_up`) **before** the TraX handshake, so the
toolkit's first reply timeout only covers answering frames and the first replies are not slowed
by one-off kernel set-up (the toolkit starts one server per sequence; in its realtime experiment a
late reply costs frames). One process serves every (re-)initialisation of a sequence: the VOT
reset protocol and the anchor-based protocol both send several INITIALIZE requests. The init frame
is answered with the init box. Anything written to ``sys.stdout`` is sent to stderr instead (the
toolkit collects both into the tracker log), so stray prints cannot corrupt the TraX stream.
Errors go to stderr; the exit code is 2 for a bad setting or input (an unreadable frame: the
reason also goes to the client in the quit message), 1 for a failure while tracking.
"""
from __future__ import annotations

import argparse
import sys
import time
import traceback
from dataclasses import fields
from typing import Callable, Mapping, Sequence

import numpy as np

from rgbt_runtime.errors import InputError
from rgbt_track.tracker_spec import Tracker, TrackerSpec


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m rgbt_track.evaluation.vot.trax_server",
        description="TraX tracker server for the VOT toolkit (color + ir channels, rectangle regions). "
                    "Every option can also be given as an RGBT_<NAME> environment variable "
                    "(env_RGBT_<NAME> in trackers.ini), e.g. RGBT_RFN_CHECKPOINT; an option beats its variable.")
    TrackerSpec.add_arguments(p)
    return p


def parse_config(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> TrackerSpec:
    """Combine options (``argv``) over ``RGBT_*`` variables (``environ``) over the defaults.

    A bad option exits through argparse (code 2); a bad variable raises :class:`InputError`.
    """
    args = _parser().parse_args(list(argv) if argv is not None else [])
    options = {f.name: getattr(args, f.name, None) for f in fields(TrackerSpec)}
    return TrackerSpec.from_env(environ, **options)


def build_tracker(config: TrackerSpec) -> Tracker:
    """Load the tracker ``config`` describes (:func:`rgbt_track.tracker_spec.build_tracker`)."""
    from rgbt_track.tracker_spec import build_tracker as build

    return build(config)


def _read_frames(images: Mapping[str, object], channels: Sequence[str]) -> dict[str, np.ndarray]:
    from rgbt_track.frames import read_frame

    missing = [c for c in channels if c not in images]
    if missing:
        raise RuntimeError(f"the client sent no {', '.join(missing)} image")
    return {channel: read_frame(images[channel].path()) for channel in channels}


def warm_up(tracker: Tracker, channels: Sequence[str], tracks: int = 2) -> None:
    """One ``init`` and ``tracks`` ``track`` calls on a synthetic 320x240 noise frame.

    A fresh process spends its first calls setting up kernels (measured on the shipped fused
    tracker: init 62 ms and first track 28 ms cold, 20 ms and 15 ms warm). The crop sizes are fixed,
    so any frame size warms the same kernels; the next real ``init`` resets every tracker state.
    """
    frame = np.random.default_rng(0).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    frames = {channel: frame for channel in channels}
    tracker.init(frames, (140.0, 100.0, 40.0, 40.0))
    for _ in range(tracks):
        tracker.track(frames)


def serve(tracker: Tracker, channels: Sequence[str], name: str = "rgbt-track") -> int:
    """Answer TraX requests with ``tracker`` until the client quits; returns the number of frames served.

    A request that cannot be answered because of its input (a missing, truncated or unreadable
    frame, a bad box: :class:`InputError`) is answered with ``quit`` carrying the one-line reason
    (the client sees it as the ``trax.reason`` property, the toolkit in its log); the error is then
    re-raised.
    """
    import trax

    served = 0
    server = trax.server.Server([trax.Region.RECTANGLE], [trax.Image.PATH], list(channels),
                                tracker_name=name, tracker_family="rgbt-track")
    while True:
        request = server.wait()
        if request.type == trax.TraxStatus.QUIT:
            return served
        try:
            frames = _read_frames(request.image, channels)
            if request.type == trax.TraxStatus.INITIALIZE:
                box = tuple(float(v) for v in request.objects[0][0].bounds())
                tracker.init(frames, box)
            else:
                box = tuple(float(v) for v in tracker.track(frames).box)
        except InputError as error:  # an unreadable frame, a bad box: tell the client why, then stop
            server.quit(str(error).splitlines()[0])
            raise
        server.status([(trax.Rectangle.create(*box), {})])
        served += 1


def main(argv: Sequence[str] | None = None,
         builder: Callable[[TrackerSpec], Tracker] = build_tracker) -> int:
    """Parse settings, load the tracker, serve; exit code 0 on a clean quit."""
    sys.stdout = sys.stderr  # the TraX channel is the process's stdout file descriptor
    start = time.perf_counter()
    try:
        config = parse_config(sys.argv[1:] if argv is None else argv)
        tracker = builder(config)
    except (InputError, FileNotFoundError, ValueError) as error:
        print(f"rgbt_track.evaluation.vot.trax_server: error: {error}", file=sys.stderr)
        return 2
    try:
        warm_up(tracker, config.channels)
        print(f"rgbt_track.evaluation.vot.trax_server: {config} loaded and warmed up in {time.perf_counter() - start:.1f} s",
              file=sys.stderr)
        served = serve(tracker, config.channels)
    except InputError as error:  # already sent to the client as the quit message's trax.reason
        print(f"rgbt_track.evaluation.vot.trax_server: error: {error}", file=sys.stderr)
        return 2
    except Exception:  # noqa: BLE001 - the toolkit shows this traceback as the tracker's log
        traceback.print_exc(file=sys.stderr)
        return 1
    print(f"rgbt_track.evaluation.vot.trax_server: served {served} frames", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
