"""LasHeR (Li et al., TIP 2022): 1,224 aligned RGB-T sequences.

Layout per sequence ``<root>/<seq>/``: ``visible/``, ``infrared/`` (frames, paired by sorted
order) and ``init.txt`` (one comma-separated ``x,y,w,h`` per frame, CRLF). A row with ``w <= 0``
or ``h <= 0`` marks a frame where the target is absent: it becomes a NaN row (the LasHeR toolkit
excludes such frames from its scores). The test split's names are in the toolkit's
``lashertest.txt``; pass them as ``names`` to read only those. Coordinates are used unchanged.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.annotations import (check_annotation_length, check_same_length, read_boxes,
                                             sequence_folders)
from rgbt_track.datasets.sequence import RGBTSequence
from rgbt_track.frames import list_frames


def load_lasher_sequence(folder: str | os.PathLike) -> RGBTSequence:
    """One LasHeR sequence folder; absent-target rows become NaN."""
    folder = Path(folder)
    color, ir = list_frames(folder / "visible"), list_frames(folder / "infrared")
    check_same_length(color, ir, folder / "visible", folder / "infrared")
    boxes = read_boxes(folder / "init.txt")
    check_annotation_length(boxes, len(color), folder / "init.txt")
    boxes[(boxes[:, 2] <= 0) | (boxes[:, 3] <= 0)] = np.nan
    return RGBTSequence(name=folder.name, color=color, ir=ir, groundtruth=boxes, attributes={"dataset": "LasHeR"})


def load_lasher(root: str | os.PathLike, names: list[str] | None = None) -> list[RGBTSequence]:
    """LasHeR sequences under ``root``: all of them, or those in ``names`` (e.g. ``lashertest.txt``)."""
    root = Path(root)
    folders = sequence_folders(root, ("visible", "infrared", "init.txt"), "LasHeR")
    if names is not None:
        by_name = {folder.name: folder for folder in folders}
        missing = [name for name in names if name not in by_name]
        if missing:
            raise InputError(f"LasHeR sequence not found: {root / missing[0]}")
        folders = [by_name[name] for name in names]
    return [load_lasher_sequence(folder) for folder in folders]
