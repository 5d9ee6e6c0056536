"""VOT-RGBT 2019/2020 sequences (and the package's generated ones), as vot-toolkit 0.7.4 reads them.

Layout: ``<root>/list.txt`` (one name per line) and per sequence a ``sequence`` file of
``key=value`` lines (``channels.color=color/%08d.jpg``, ``channels.ir=ir/%08d.jpg``, ``fps``, ...),
the frames, ``groundtruth.txt``, ``<tag>.tag`` (one 0/1 per frame) and ``<value>.value`` files
(e.g. ``anchor.value`` for the VOT2020 multistart protocol).

Conventions (the toolkit's): frames are numbered from 1 and listed until the first missing number;
a channel path without an extension means ``<path>/%08d.jpg``. Ground-truth lines are 4 numbers
(x, y, w, h, 0-based, top-left), an even number >= 6 (polygon ``x1,y1,x2,y2,...``: the reader
keeps its axis-aligned bounding box), ``m<x>,<y>,<w>,<h>,<rle...>`` (a mask: its bounding rectangle
``x, y, w, h``), or a single number (a special code: no annotation -> NaN row). Missing trailing
lines are NaN, as the toolkit pads them. The reader returns ``attributes`` =
``{"properties": sequence-file dict, "tags": {name: bool (N,)}, "values": {name: float (N,)}}``.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.annotations import polygon_to_xywh
from rgbt_track.datasets.sequence import RGBTSequence

CHANNELS = ("color", "ir")


def read_properties(path: Path) -> dict[str, str]:
    """The ``key=value`` lines of a VOT ``sequence`` file (CRLF or LF)."""
    if not path.is_file():
        raise InputError(f"VOT sequence file not found: {path}")
    properties = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise InputError(f"{path}:{number}: expected key=value, got {line.strip()[:60]!r}")
        properties[key.strip()] = value.strip()
    return properties


def channel_frames(folder: Path, pattern: str) -> list[Path]:
    """Frames ``pattern % 1, pattern % 2, ...`` under ``folder`` until the first missing one."""
    pattern = pattern.replace("\\", "/")
    if not os.path.splitext(pattern)[1]:
        pattern = pattern.rstrip("/") + "/%08d.jpg"
    try:
        pattern % 1
    except (TypeError, ValueError):
        raise InputError(f"{folder / 'sequence'}: bad channel pattern {pattern!r}") from None
    frames = []
    while (folder / (pattern % (len(frames) + 1))).is_file():
        frames.append(folder / (pattern % (len(frames) + 1)))
    return frames


def _parse_region(text: str, path: Path, number: int) -> list[float]:
    """x, y, w, h of one ground-truth line (NaN for a special code)."""
    try:
        if text.startswith("m"):
            return [float(v) for v in text[1:].split(",")[:4]]
        values = [float(v) for v in text.replace("\t", ",").replace(" ", ",").split(",") if v]
    except ValueError:
        raise InputError(f"{path}:{number}: not a region: {text[:60]!r}") from None
    if len(values) == 1:
        return [np.nan] * 4
    if len(values) == 4:
        return values
    if len(values) >= 6 and len(values) % 2 == 0:
        return polygon_to_xywh(values)
    raise InputError(f"{path}:{number}: expected 4 numbers (x,y,w,h) or a polygon, got {len(values)}")


def read_groundtruth(path: Path, length: int) -> np.ndarray:
    """``(length, 4)`` x, y, w, h from a VOT ``groundtruth.txt``; NaN rows for special codes and missing lines."""
    if not path.is_file():
        raise InputError(f"ground truth not found: {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > length:
        raise InputError(f"{path}: {len(lines)} regions for {length} frames")
    boxes = np.full((length, 4), np.nan)
    for number, line in enumerate(lines, start=1):
        boxes[number - 1] = _parse_region(line.strip(), path, number)
        w, h = boxes[number - 1, 2:]
        if w <= 0 or h <= 0:
            raise InputError(f"{path}:{number}: region has zero or negative size (w={w:g}, h={h:g})")
    return boxes


def _per_frame(path: Path, length: int, parse) -> np.ndarray:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) > length:
        raise InputError(f"{path}: {len(lines)} lines for {length} frames")
    try:
        values = [parse(line) for line in lines]
    except ValueError:
        raise InputError(f"{path}: not one number per line") from None
    return np.asarray(values + [parse("0")] * (length - len(values)))


def load_vot_sequence(folder: str | os.PathLike) -> RGBTSequence:
    """Read one VOT-RGBT sequence folder (see the module docstring)."""
    folder = Path(folder)
    properties = read_properties(folder / "sequence")
    frames = {}
    for channel in CHANNELS:
        pattern = properties.get(f"channels.{channel}")
        if pattern is None:
            raise InputError(f"{folder / 'sequence'}: no channels.{channel} entry (an RGB-T sequence needs color and ir)")
        frames[channel] = channel_frames(folder, pattern)
        if not frames[channel]:
            raise InputError(f"no {channel} frames matching {folder / pattern}")
    if len(frames["color"]) != len(frames["ir"]):
        raise InputError(f"{folder}: channel lengths differ: {len(frames['color'])} color vs {len(frames['ir'])} ir frames")
    length = len(frames["color"])
    groundtruth = read_groundtruth(folder / properties.get("groundtruth", "groundtruth.txt"), length)
    tags = {p.stem: _per_frame(p, length, lambda s: s == "1") for p in sorted(folder.glob("*.tag"))}
    values = {p.stem: _per_frame(p, length, float) for p in sorted(folder.glob("*.value"))}
    return RGBTSequence(name=folder.name, color=frames["color"], ir=frames["ir"], groundtruth=groundtruth,
                        attributes={"properties": properties, "tags": tags, "values": values})


def load_vot_sequences(root: str | os.PathLike) -> list[RGBTSequence]:
    """Every sequence named in ``root/list.txt`` (``root`` may also be a workspace holding ``sequences/``)."""
    root = Path(root)
    if not (root / "list.txt").is_file() and (root / "sequences" / "list.txt").is_file():
        root = root / "sequences"
    list_file = root / "list.txt"
    if not list_file.is_file():
        raise InputError(f"VOT sequence list not found: {list_file}")
    names = [line.strip() for line in list_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not names:
        raise InputError(f"VOT sequence list is empty: {list_file}")
    missing = [name for name in names if not (root / name).is_dir()]
    if missing:
        raise InputError(f"{list_file}: sequence folder not found: {root / missing[0]}")
    return [load_vot_sequence(root / name) for name in names]
