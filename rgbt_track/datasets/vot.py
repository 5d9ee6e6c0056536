"""The VOT sequence layout, read once: the sequence loader and the workspace check share this module.

vot-toolkit 0.7.4's layout (``vot.dataset.common``): ``<root>/list.txt`` (one name per line) and per
sequence a ``sequence`` file of ``key=value`` lines (``channels.color=color/%08d.jpg``,
``channels.ir=ir/%08d.jpg``, ``fps``, ...), the frames, ``groundtruth.txt``, ``<tag>.tag`` (one 0/1
per frame) and ``<value>.value`` files (e.g. ``anchor.value`` for the VOT2020 multistart protocol:
> 0 a forward anchor, < 0 a backward one).

Conventions (the toolkit's): frames are numbered from 1 and listed until the first missing number;
a channel path without an extension means ``<path>/%08d.jpg``; ``sequence`` lines that are not
``key=value`` are ignored. Ground-truth lines are comma-separated: 4 numbers (x, y, w, h, 0-based,
top-left), an even number >= 6 (a polygon ``x1,y1,x2,y2,...``: its axis-aligned bounds, as the
toolkit converts it for a rectangle tracker, computed with shapely), ``m<x0>,<y0>,<w>,<h>,<rle...>``
(a mask: the pixels its run-length code sets, offset by x0, y0), or a single number (a special
code: no annotation). Regions without area (w or h 0, a polygon or mask with empty bounds) and
special codes are NaN rows: the toolkit treats them as "no target". Tag files shorter than the
sequence are padded with 0, value files with 0.0, as the toolkit pads them.

Stricter than the toolkit, where it would crash later or score silently on part of the data: a
ground truth with fewer or more lines than frames, a blank line in it (the toolkit's parser fails
on it), a negative size, a mask whose run lengths overrun its bitmap. :func:`load_vot_sequence`
reads no pixel: the workspace check (:mod:`rgbt_track.evaluation.vot.workspace`) is this loader plus the
protocol's own needs (:func:`check_protocol`). The reader returns ``attributes`` =
``{"properties": sequence-file dict, "tags": {name: bool (N,)}, "values": {name: float (N,)}}``.
"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.sequence import RGBTSequence
from trackers.config import CHANNELS

_PROPERTY = re.compile(r"^([a-zA-Z0-9_\-.]+) *= *(.*)$")  # vot.utilities.read_properties


def read_properties(path: Path) -> dict[str, str]:
    """The ``key=value`` lines of a VOT ``sequence`` file (CRLF or LF; other lines are ignored)."""
    if not path.is_file():
        raise InputError(f"VOT sequence file not found: {path}")
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return {m.group(1): m.group(2) for m in (_PROPERTY.match(line.strip()) for line in lines) if m}


def channel_frames(folder: Path, pattern: str) -> list[Path]:
    """Frames ``pattern % 1, pattern % 2, ...`` under ``folder`` until the first missing one."""
    pattern = pattern.replace("\\", "/")
    if not os.path.splitext(pattern)[1]:
        pattern = pattern.rstrip("/") + "/%08d.jpg"
    try:
        pattern % 1
    except (TypeError, ValueError):
        raise InputError(f"{folder / 'sequence'}: bad channel pattern {pattern!r}") from None
    directory = os.path.join(folder, os.path.dirname(pattern))
    try:
        with os.scandir(directory) as entries:
            present = {entry.name for entry in entries if entry.is_file()}
    except (FileNotFoundError, NotADirectoryError):
        return []
    names = []
    while os.path.basename(name := pattern % (len(names) + 1)) in present:
        names.append(name)
    return [folder / name for name in names]


def _numbers(tokens: list[str], cast, path: Path, number: int, text: str) -> list:
    try:
        return [cast(v) for v in tokens]
    except ValueError:
        raise InputError(f"{path}:{number}: not a region: {text[:60]!r}") from None


def polygon_boxes(polygons: list[list[float]]) -> np.ndarray:
    """``(N, 4)`` x, y, w, h bounds of polygons ``x1,y1,x2,y2,...`` (shapely, vectorised per vertex
    count), as the toolkit converts a polygon for a rectangle tracker."""
    import shapely

    boxes = np.zeros((len(polygons), 4))
    for count in {len(p) for p in polygons}:
        rows = [i for i, p in enumerate(polygons) if len(p) == count]
        coords = np.asarray([polygons[i] for i in rows], dtype=np.float64).reshape(len(rows), count // 2, 2)
        bounds = shapely.bounds(shapely.polygons(coords))
        boxes[rows] = np.column_stack([bounds[:, :2], bounds[:, 2:] - bounds[:, :2]])
    return boxes


def _mask_box(values: list[int], path: Path, number: int) -> list[float]:
    """x, y, w, h covering the set pixels of a VOT mask row ``x0,y0,w,h,rle...`` (runs of 0s and 1s,
    row-major over the ``w x h`` bitmap, starting with 0s)."""
    x0, y0, width, height = values[:4]
    runs = np.asarray(values[4:], dtype=np.int64)
    if width < 0 or height < 0 or (runs < 0).any() or runs.sum() > width * height:
        raise InputError(f"{path}:{number}: mask run lengths do not fit its {width} x {height} bitmap")
    ends = np.cumsum(runs)
    starts = ends - runs
    ones = [(s, e - 1) for s, e in zip(starts[1::2], ends[1::2]) if e > s]
    if not ones:
        return [math.nan] * 4
    rows = [r for s, e in ones for r in (s // width, e // width)]
    if any(s // width != e // width for s, e in ones):
        cols = [0, width - 1]
    else:
        cols = [c for s, e in ones for c in (s % width, e % width)]
    return [x0 + min(cols), y0 + min(rows), max(cols) - min(cols) + 1, max(rows) - min(rows) + 1]


def parse_region(text: str, path: Path, number: int) -> list[float]:
    """x, y, w, h of one ground-truth line (NaN for a special code or a region without area);
    a polygon comes back as its ``x1,y1,...`` list for :func:`polygon_boxes` (see
    :func:`read_groundtruth`)."""
    if not text:
        raise InputError(f"{path}:{number}: blank line (vot-toolkit cannot parse it; one region per frame)")
    if text.startswith("m"):
        values = _numbers(text[1:].split(","), int, path, number, text)
        if len(values) < 4:
            raise InputError(f"{path}:{number}: a mask row needs x0,y0,w,h before its run lengths")
        box = _mask_box(values, path, number)
    else:
        values = _numbers(text.split(","), float, path, number, text)
        if len(values) == 1 or any(math.isnan(v) for v in values):
            return [math.nan] * 4
        if len(values) == 4:
            box = values
        elif len(values) >= 6 and len(values) % 2 == 0:
            return values
        else:
            raise InputError(f"{path}:{number}: expected 4 numbers (x,y,w,h) or a polygon, got {len(values)}")
    return _checked(box, path, number)


def _checked(box, path: Path, number: int) -> list[float]:
    """``box`` as a list, NaN when it has no area; negative sizes are an error."""
    if box[2] < 0 or box[3] < 0:
        raise InputError(f"{path}:{number}: region has negative size (w={box[2]:g}, h={box[3]:g})")
    return [math.nan] * 4 if box[2] == 0 or box[3] == 0 else list(box)


def read_groundtruth(path: Path, length: int) -> np.ndarray:
    """``(length, 4)`` x, y, w, h from a VOT ``groundtruth.txt``; NaN rows where there is no target."""
    if not path.is_file():
        raise InputError(f"ground truth not found: {path}")
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if len(lines) != length:
        raise InputError(f"{path} has {len(lines)} lines for {length} frames (one region per frame)")
    regions = [parse_region(line.strip(), path, number) for number, line in enumerate(lines, start=1)]
    polygons = [i for i, region in enumerate(regions) if len(region) > 4]
    for i, box in zip(polygons, polygon_boxes([regions[i] for i in polygons])):
        regions[i] = _checked(box, path, i + 1)
    return np.array(regions, dtype=np.float64).reshape(length, 4)


def _per_frame(path: Path, length: int, parse, pad) -> np.ndarray:
    """One value per line of a ``.tag`` / ``.value`` file, padded to ``length`` as the toolkit pads."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    if len(lines) > length:
        raise InputError(f"{path}: {len(lines)} lines for {length} frames")
    try:
        values = [parse(line) for line in lines]
    except ValueError:
        raise InputError(f"{path}: not one number per line") from None
    return np.asarray(values + [pad] * (length - len(values)))


def load_vot_sequence(folder: str | os.PathLike) -> RGBTSequence:
    """Read one VOT-RGBT sequence folder (see the module docstring); no frame is decoded."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"sequence folder not found: {folder}")
    properties = read_properties(folder / "sequence")
    frames = {}
    for channel in CHANNELS:
        pattern = properties.get(f"channels.{channel}")
        if pattern is None:
            raise InputError(f"{folder / 'sequence'}: no channels.{channel} entry "
                             f"(an RGB-T sequence needs color and ir)")
        frames[channel] = channel_frames(folder, pattern)
        if not frames[channel]:
            first = pattern % 1 if "%" in pattern else f"{pattern.rstrip('/')}/00000001.jpg"
            raise InputError(f"missing {channel} channel: {folder / first} not found")
    if len(frames["color"]) != len(frames["ir"]):
        raise InputError(f"{folder}: channel lengths differ: {len(frames['color'])} color vs "
                         f"{len(frames['ir'])} ir frames")
    length = len(frames["color"])
    groundtruth = read_groundtruth(folder / properties.get("groundtruth", "groundtruth.txt"), length)
    tags = {p.stem: _per_frame(p, length, lambda s: s == "1", False) for p in sorted(folder.glob("*.tag"))}
    values = {p.stem: _per_frame(p, length, float, 0.0) for p in sorted(folder.glob("*.value"))}
    return RGBTSequence(name=folder.name, color=frames["color"], ir=frames["ir"], groundtruth=groundtruth,
                        attributes={"properties": properties, "tags": tags, "values": values})


def sequence_list(root: str | os.PathLike) -> tuple[Path, list[str]]:
    """``(folder, names)`` of ``root/list.txt`` (``root`` may also be a workspace holding ``sequences/``)."""
    root = Path(root)
    if not (root / "list.txt").is_file() and (root / "sequences" / "list.txt").is_file():
        root = root / "sequences"
    list_file = root / "list.txt"
    if not list_file.is_file():
        raise InputError(f"VOT sequence list not found: {list_file}")
    names = [line.strip() for line in list_file.read_text(encoding="utf-8", errors="replace").splitlines()
             if line.strip()]
    if not names:
        raise InputError(f"VOT sequence list is empty: {list_file}")
    return root, names


def load_vot_sequences(root: str | os.PathLike) -> list[RGBTSequence]:
    """Every sequence named in ``root/list.txt``, in its order."""
    root, names = sequence_list(root)
    missing = [name for name in names if not (root / name).is_dir()]
    if missing:
        raise InputError(f"{root / 'list.txt'}: sequence folder not found: {root / missing[0]}")
    return [load_vot_sequence(root / name) for name in names]


def check_protocol(sequence: RGBTSequence, folder: Path, anchors: bool) -> None:
    """What the toolkit's experiments need beyond a readable sequence, or one error naming the file.

    Every protocol initialises on frame 1 (the reset-based one there and after each failure), so
    it needs a region. The anchor-based protocol (``anchors``) starts runs at the frames that
    ``anchor.value`` marks and needs at least one, each with a region.
    """
    boxes = sequence.groundtruth
    groundtruth = folder / sequence.attributes["properties"].get("groundtruth", "groundtruth.txt")
    if np.isnan(boxes[0]).any():
        raise InputError(f"{groundtruth}:1: the first frame has no target region (trackers start there)")
    if not anchors:
        return
    anchor_file = folder / "anchor.value"
    if "anchor" not in sequence.attributes["values"]:
        raise InputError(f"anchor file not found (needed by the anchor-based protocol): {anchor_file}")
    marks = np.nonzero(sequence.attributes["values"]["anchor"])[0]
    if not len(marks):
        raise InputError(f"{anchor_file} marks no anchor frame (all values are 0)")
    empty = [int(i) for i in marks if np.isnan(boxes[i]).any()]
    if empty:
        raise InputError(f"{anchor_file}:{empty[0] + 1}: anchor on a frame without a target region in {groundtruth}")
