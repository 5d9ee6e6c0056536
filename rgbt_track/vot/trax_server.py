"""TraX entry point the VOT toolkit launches: ``python -m rgbt_track.vot.trax_server``.

The toolkit's ``traxpython`` protocol runs ``<python> -m <command>`` in a temporary working folder,
with the tracker's stdin/stdout as the TraX channel and ``env_*`` entries of ``trackers.ini`` as
environment variables. Settings therefore come from ``RGBT_*`` variables, and the same names work
as command-line options for running the server by hand (an option beats its variable):

* ``--mode`` / ``RGBT_MODE``: ``rgb``, ``ir`` or ``fused`` (``fused``)
* ``--arch`` / ``RGBT_ARCH``: tracker architecture (``tiny``)
* ``--checkpoint`` / ``RGBT_CHECKPOINT``: tracker weights file (the package's shipped weights)
* ``--fusion`` / ``RGBT_FUSION``: fused mode's feature fusion, ``rfn`` or ``l1`` (``rfn``)
* ``--rfn-checkpoint`` / ``RGBT_RFN_CHECKPOINT``: trained RFN weights (the shipped ones)
* ``--afat`` / ``RGBT_AFAT``: wrap in AFAT's failure-aware tracker, 1/0 (0)
* ``--qpn-checkpoint`` / ``RGBT_QPN_CHECKPOINT``: AFAT's quality prediction network (the shipped one)
* ``--correction-arch`` / ``RGBT_CORRECTION_ARCH``: AFAT's correction tracker (the base network,
  re-detecting with a wider search)
* ``--correction-checkpoint`` / ``RGBT_CORRECTION_CHECKPOINT``: its weights (the base tracker's)
* ``--device`` / ``RGBT_DEVICE``: torch device (``cpu``)
* ``--precision`` / ``RGBT_PRECISION``: ``fp32``, ``bf16``, ``fp16`` (CUDA only) or ``int8`` (CPU only) (``fp32``)
* ``--threads`` / ``RGBT_THREADS``: torch CPU threads, 0 = torch's default (0)

The model is loaded and warmed up (:func:`warm_up`) **before** the TraX handshake, so the
toolkit's first reply timeout only covers answering frames and the first replies are not slowed
by one-off kernel set-up (the toolkit starts one server per sequence; in its realtime experiment a
late reply costs frames). One process serves every (re-)initialisation of a sequence: the VOT
reset protocol and the anchor-based protocol both send several INITIALIZE requests. The init frame
is answered with the init box. Anything written to ``sys.stdout`` is sent to stderr instead (the
toolkit collects both into the tracker log), so stray prints cannot corrupt the TraX stream.
Errors go to stderr; the exit code is 2 for a bad setting, 1 for a failure while tracking.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from dataclasses import dataclass, fields
from typing import Callable, Mapping, Protocol, Sequence

import numpy as np

from fusion.runtime.errors import InputError

MODES = ("rgb", "ir", "fused")
FUSIONS = ("rfn", "l1")
PRECISIONS = ("fp32", "bf16", "fp16", "int8")
CHANNELS = {"rgb": ("color",), "ir": ("ir",), "fused": ("color", "ir")}
ENV_PREFIX = "RGBT_"


class Tracker(Protocol):
    """What the server drives: ``init(frames, box)`` and ``track(frames).box``; frames keyed by channel."""

    def init(self, frames: dict[str, np.ndarray], box: tuple[float, float, float, float]) -> None: ...

    def track(self, frames: dict[str, np.ndarray]): ...


@dataclass(frozen=True)
class ServerConfig:
    """Which tracker the server runs; field names match the options and the ``RGBT_*`` variables."""

    mode: str = "fused"
    arch: str = "tiny"
    checkpoint: str | None = None
    fusion: str = "rfn"
    rfn_checkpoint: str | None = None
    afat: bool = False
    qpn_checkpoint: str | None = None
    correction_arch: str | None = None
    correction_checkpoint: str | None = None
    device: str = "cpu"
    precision: str = "fp32"
    threads: int = 0

    @property
    def channels(self) -> tuple[str, ...]:
        """The VOT image channels this configuration reads."""
        return CHANNELS[self.mode]


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected 1/0 (true/false), got {text!r}")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m rgbt_track.vot.trax_server",
        description="TraX tracker server for the VOT toolkit (color + ir channels, rectangle regions). "
                    "Every option can also be given as an RGBT_<NAME> environment variable "
                    "(env_RGBT_<NAME> in trackers.ini).")
    p.add_argument("--mode", choices=MODES, help="input modality (RGBT_MODE; default fused)")
    p.add_argument("--arch", help="tracker architecture (RGBT_ARCH; default tiny)")
    p.add_argument("--checkpoint", help="tracker weights (RGBT_CHECKPOINT; default: shipped weights)")
    p.add_argument("--fusion", choices=FUSIONS, help="feature fusion in fused mode (RGBT_FUSION; default rfn)")
    p.add_argument("--rfn-checkpoint", dest="rfn_checkpoint",
                   help="trained RFN weights (RGBT_RFN_CHECKPOINT; default: shipped weights)")
    p.add_argument("--afat", type=_flag, help="AFAT failure-aware wrapper, 1/0 (RGBT_AFAT; default 0)")
    p.add_argument("--qpn-checkpoint", dest="qpn_checkpoint",
                   help="AFAT quality prediction network weights (RGBT_QPN_CHECKPOINT; default: shipped weights)")
    p.add_argument("--correction-arch", dest="correction_arch",
                   help="AFAT correction tracker architecture (RGBT_CORRECTION_ARCH; default: the base "
                        "network with a wider re-detection search)")
    p.add_argument("--correction-checkpoint", dest="correction_checkpoint",
                   help="correction tracker weights (RGBT_CORRECTION_CHECKPOINT; default: the base tracker's)")
    p.add_argument("--device", help="torch device (RGBT_DEVICE; default cpu)")
    p.add_argument("--precision", choices=PRECISIONS, help="compute precision (RGBT_PRECISION; default fp32)")
    p.add_argument("--threads", type=int, help="torch CPU threads, 0 = default (RGBT_THREADS; default 0)")
    return p


def parse_config(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> ServerConfig:
    """Combine options (``argv``) over ``RGBT_*`` variables (``environ``) over the defaults.

    A bad option exits through argparse (code 2); a bad variable raises :class:`InputError`.
    """
    environ = os.environ if environ is None else environ
    args = _parser().parse_args(list(argv) if argv is not None else [])
    values = {}
    for field in fields(ServerConfig):
        given = getattr(args, field.name)
        if given is None:
            text = environ.get(ENV_PREFIX + field.name.upper(), "").strip()
            if not text:
                continue
            given = _from_env(field.name, text)
        values[field.name] = given
    return ServerConfig(**values)


def _from_env(name: str, text: str):
    variable = ENV_PREFIX + name.upper()
    try:
        if name == "afat":
            return _flag(text)
        if name == "threads":
            return int(text)
    except (ValueError, argparse.ArgumentTypeError):
        raise InputError(f"{variable}={text!r} is not valid") from None
    choices = {"mode": MODES, "fusion": FUSIONS, "precision": PRECISIONS}.get(name)
    if choices and text not in choices:
        raise InputError(f"{variable}={text!r}: choose from {', '.join(choices)}")
    return text


def build_tracker(config: ServerConfig) -> Tracker:
    """Load the tracker ``config`` describes (:func:`rgbt_track.factory.build_afat_tracker` or
    :func:`~rgbt_track.factory.build_rgbt_tracker`)."""
    import torch

    from rgbt_track.factory import build_afat_tracker, build_rgbt_tracker

    if config.threads > 0:
        torch.set_num_threads(config.threads)
    fusion = config.fusion
    if config.mode == "fused" and config.rfn_checkpoint is not None:
        from rgbt_track.feature_fusion.rfn import load_rfn_for
        from trackers.config import get_arch

        fusion = load_rfn_for(config.rfn_checkpoint, get_arch(config.arch).neck_out_channels)
    if config.afat:
        return build_afat_tracker(arch=config.arch, mode=config.mode, checkpoint=config.checkpoint, fusion=fusion,
                                  qpn_checkpoint=config.qpn_checkpoint, correction_arch=config.correction_arch,
                                  correction_checkpoint=config.correction_checkpoint, device=config.device,
                                  precision=config.precision)
    return build_rgbt_tracker(arch=config.arch, mode=config.mode, checkpoint=config.checkpoint, fusion=fusion,
                              device=config.device, precision=config.precision)


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
    """Answer TraX requests with ``tracker`` until the client quits; returns the number of frames served."""
    import trax

    served = 0
    server = trax.server.Server([trax.Region.RECTANGLE], [trax.Image.PATH], list(channels),
                                tracker_name=name, tracker_family="rgbt-track")
    while True:
        request = server.wait()
        if request.type == trax.TraxStatus.QUIT:
            return served
        frames = _read_frames(request.image, channels)
        if request.type == trax.TraxStatus.INITIALIZE:
            box = tuple(float(v) for v in request.objects[0][0].bounds())
            tracker.init(frames, box)
        else:
            box = tuple(float(v) for v in tracker.track(frames).box)
        server.status([(trax.Rectangle.create(*box), {})])
        served += 1


def main(argv: Sequence[str] | None = None,
         builder: Callable[[ServerConfig], Tracker] = build_tracker) -> int:
    """Parse settings, load the tracker, serve; exit code 0 on a clean quit."""
    sys.stdout = sys.stderr  # the TraX channel is the process's stdout file descriptor
    start = time.perf_counter()
    try:
        config = parse_config(sys.argv[1:] if argv is None else argv)
        tracker = builder(config)
    except (InputError, FileNotFoundError, ValueError) as error:
        print(f"rgbt_track.vot.trax_server: error: {error}", file=sys.stderr)
        return 2
    try:
        warm_up(tracker, config.channels)
        print(f"rgbt_track.vot.trax_server: {config} loaded and warmed up in {time.perf_counter() - start:.1f} s",
              file=sys.stderr)
        served = serve(tracker, config.channels)
    except Exception:  # noqa: BLE001 - the toolkit shows this traceback as the tracker's log
        traceback.print_exc(file=sys.stderr)
        return 1
    print(f"rgbt_track.vot.trax_server: served {served} frames", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
