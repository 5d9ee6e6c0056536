"""``rgbt-track track``: run a tracker over folders of frames and write one box per frame."""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from rgbt_track.tracker_spec import TrackerSpec


def parse_box(text: str) -> tuple[float, float, float, float]:
    """``"x,y,w,h"`` -> four finite floats; :class:`InputError` otherwise."""
    from rgbt_runtime import InputError

    try:
        values = tuple(float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InputError(f"--init expects x,y,w,h (four numbers), got {text!r}")
    return values  # type: ignore[return-value]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "track", help="track one object through folders of RGB and/or IR frames",
        description="Track the object given by --init through the frames of --color and/or --ir "
                    "(image files, paired by sorted name) and write one 'x,y,w,h' line per frame to "
                    "--out (0-based pixels; the first line is the init box). The file is written "
                    "atomically: on any error nothing is left behind.")
    p.add_argument("--color", type=Path, metavar="DIR", help="folder of visible frames")
    p.add_argument("--ir", type=Path, metavar="DIR", help="folder of thermal frames (same count and size)")
    p.add_argument("--init", metavar="x,y,w,h",
                   help="target box in the first frame, 0-based top-left corner and size (with --show and no "
                        "--init, draw it on the first frame)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="output text file")
    p.add_argument("--video", type=Path, metavar="OUT.mp4",
                   help="also write an MP4: visible | thermal side by side with the box, frame number and fps")
    p.add_argument("--show", action="store_true", help="show the frames live (needs a display)")
    TrackerSpec.add_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from rgbt_runtime import InputError, atomic_path
    from rgbt_runtime.atomic import check_destination
    from rgbt_track.frames import list_frames, read_frame
    from rgbt_track.tracker_spec import build_tracker
    from rgbt_track.visualize import TrackView

    init_box = parse_box(args.init) if args.init is not None else None
    if init_box is None and not args.show:
        raise InputError("--init is required (or --show to draw the box on the first frame)")
    mode = getattr(args, "mode", None) or ("fused" if args.color and args.ir else "ir" if args.ir else "rgb")
    spec = TrackerSpec.from_args(args, mode=mode)
    needed = spec.channels
    for name in needed:
        if getattr(args, name) is None:
            raise InputError(f"{mode} mode needs --{name} DIR")
    check_destination(args.out, "--out")
    paths = {name: list_frames(getattr(args, name)) for name in ("color", "ir") if getattr(args, name)}
    if len(paths) == 2 and len(paths["color"]) != len(paths["ir"]):
        raise InputError(f"{args.color} has {len(paths['color'])} frames but {args.ir} has {len(paths['ir'])}")
    tracker = build_tracker(spec)
    count = len(next(iter(paths.values())))

    def frames(i: int) -> dict:
        images = {name: read_frame(paths[name][i]) for name in paths}
        if len(images) == 2 and images["color"].shape != images["ir"].shape:
            c, r = images["color"].shape, images["ir"].shape
            raise InputError(f"frame {i}: {paths['color'][i]} is {c[1]}x{c[0]} but "
                             f"{paths['ir'][i]} is {r[1]}x{r[0]}")
        return images

    start = time.perf_counter()
    with atomic_path(args.out) as tmp, open(tmp, "w") as out, TrackView(args.video, args.show) as view:
        images = frames(0)
        init_box = init_box or view.select_box(images)
        tracker.init({name: images[name] for name in needed}, init_box)
        out.write(_line(init_box))
        view.frame(0, images, init_box, 0.0)
        for i in tqdm(range(1, count), desc=f"track {mode}", unit="frame", disable=None):
            images = frames(i)
            tick = time.perf_counter()
            box = tracker.track({name: images[name] for name in needed}).box
            view.frame(i, images, box, time.perf_counter() - tick)
            out.write(_line(box))
    fps = (count - 1) / max(time.perf_counter() - start, 1e-9)
    print(f"tracked {count} frames ({spec.arch}, {mode}, {fps:.1f} frames/s) -> {args.out}")
    return 0


def _line(box) -> str:
    return ",".join(f"{v:.4f}" for v in box) + "\n"
