"""RGBT234 (Li et al., PR 2019): 234 aligned RGB-T sequences.

Layout per sequence ``<root>/<seq>/``: ``visible/`` (``00001v.jpg``...), ``infrared/``
(``00001i.jpg``...), ``visible.txt`` and ``infrared.txt`` (one comma-separated ``x,y,w,h`` per
frame, CRLF) and ``init.txt`` (the visible boxes; used when ``visible.txt`` is absent).

The visible numbering sometimes starts at 2, 3, 4 or later while the infrared one starts at 1
(e.g. ``baby``: ``00002v.jpg`` with ``00001i.jpg``), so frames are paired by sorted order, never by
number. Coordinates are used unchanged (the toolkit never shifts the origin; see
:mod:`rgbt_track.datasets.gtot`). ``groundtruth`` is the visible annotation, ``groundtruth_ir``
the infrared one.
"""
from __future__ import annotations

import os
from pathlib import Path

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.annotations import (check_annotation_length, check_positive, check_same_length,
                                             read_boxes, sequence_folders)
from rgbt_track.datasets.sequence import RGBTSequence
from rgbt_track.frames import list_frames


def load_rgbt234_sequence(folder: str | os.PathLike) -> RGBTSequence:
    """One RGBT234 sequence folder."""
    folder = Path(folder)
    color, ir = list_frames(folder / "visible"), list_frames(folder / "infrared")
    check_same_length(color, ir, folder / "visible", folder / "infrared")
    visible_file = folder / "visible.txt" if (folder / "visible.txt").is_file() else folder / "init.txt"
    if not visible_file.is_file():
        raise InputError(f"no visible.txt or init.txt in {folder}")
    boxes = []
    for path in (visible_file, folder / "infrared.txt"):
        if path.name == "infrared.txt" and not path.is_file():
            boxes.append(None)
            continue
        rows = read_boxes(path)
        check_annotation_length(rows, len(color), path)
        check_positive(rows, path)
        boxes.append(rows)
    return RGBTSequence(name=folder.name, color=color, ir=ir, groundtruth=boxes[0], groundtruth_ir=boxes[1],
                        attributes={"dataset": "RGBT234"})


def load_rgbt234(root: str | os.PathLike) -> list[RGBTSequence]:
    """Every RGBT234 sequence under ``root`` (sub-folders with ``visible/`` and ``infrared/``)."""
    return [load_rgbt234_sequence(f) for f in sequence_folders(Path(root), ("visible", "infrared"), "RGBT234")]
