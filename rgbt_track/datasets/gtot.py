"""GTOT (Li et al., TIP 2016): 50 grayscale-thermal sequences, 7,850 frame pairs.

Layout per sequence ``<root>/<seq>/``: ``v/`` (visible frames), ``i/`` (thermal frames),
``groundTruth_v.txt`` and ``groundTruth_i.txt`` (one box per frame, space-separated
``x1 y1 x2 y2``), ``init.txt`` (tab-separated ``x y w h``, CRLF; the visible boxes again).

File names differ per sequence (``00001v.png``/``00001i.png``, ``00001_i.png``, 8-digit names
starting at e.g. ``00000291``, ``_inf``/``_vs`` suffixes, Otcbvs ``img_00000.bmp``... with even
visible and odd thermal numbers), so the reader lists each folder, keeps image files, sorts them
(natural order) and pairs visible and thermal frames by index; it never builds names from a pattern.

Boxes: ``x y w h`` with ``w = x2 - x1``, ``h = y2 - y1``, exactly as GTOT's own ``init.txt``
derives them. Coordinates are used unchanged: the GTOT toolkit never shifts the origin (centre
errors and overlaps are translation invariant), so a tracker's output can be scored against the
files directly. ``groundtruth`` is the visible annotation, ``groundtruth_ir`` the thermal one.
"""
from __future__ import annotations

import os
from pathlib import Path

from rgbt_runtime.errors import InputError
from rgbt_runtime.image_read import check_same_size
from rgbt_track.datasets.annotations import (check_annotation_length, check_boxes_inside, check_positive,
                                             check_same_length, corners_to_xywh, read_boxes, sequence_folders)
from rgbt_track.datasets.sequence import RGBTSequence
from rgbt_track.frames import list_frames

REQUIRED = ("v", "i", "groundTruth_v.txt", "groundTruth_i.txt")


def load_gtot_sequence(folder: str | os.PathLike) -> RGBTSequence:
    """One GTOT sequence folder."""
    folder = Path(folder)
    color, ir = list_frames(folder / "v"), list_frames(folder / "i")
    check_same_length(color, ir, folder / "v", folder / "i")
    sizes = {check_same_size(c, i) for c, i in zip(color, ir)}  # headers only: no pixels decoded
    if len(sizes) > 1:
        raise InputError(f"frame sizes change within {folder}: {', '.join(f'{w}x{h}' for w, h in sorted(sizes))}")
    size = next(iter(sizes))
    boxes = {}
    for modality in ("v", "i"):
        path = folder / f"groundTruth_{modality}.txt"
        boxes[modality] = corners_to_xywh(read_boxes(path))
        check_annotation_length(boxes[modality], len(color), path)
        check_positive(boxes[modality], path)
        check_boxes_inside(boxes[modality], size, path, color[0] if modality == "v" else ir[0])
    return RGBTSequence(name=folder.name, color=color, ir=ir, groundtruth=boxes["v"],
                        groundtruth_ir=boxes["i"], attributes={"dataset": "GTOT"})


def load_gtot(root: str | os.PathLike) -> list[RGBTSequence]:
    """Every GTOT sequence under ``root`` (sub-folders with ``v/``, ``i/`` and both ground-truth files)."""
    return [load_gtot_sequence(folder) for folder in sequence_folders(Path(root), REQUIRED, "GTOT")]
