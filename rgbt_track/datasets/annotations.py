"""Parsing helpers shared by the dataset readers: box files, frame folders, validation.

Every error is an :class:`InputError` that names the file (and the line for a malformed row), so
the command-line front ends can print it as one line.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from rgbt_runtime.image_files import natural_key
from rgbt_runtime.errors import InputError

_SEPARATORS = re.compile(r"[,\s;]+")


def read_rows(path: Path, allowed_counts: tuple[int, ...] = (4,), special: tuple[str, ...] = (),
              what: str = "annotation file") -> list[list[float] | None]:
    """Numbers per non-empty line of ``path`` (separators: comma, spaces, tabs, semicolons; CRLF ok).

    A line equal to one of ``special`` (e.g. VOT's ``0`` for "no annotation") gives None. Raises
    InputError naming the file (as ``what``) and line when a value is not a number or the count is
    not allowed.
    """
    if path.is_dir():
        raise InputError(f"{what} {path} is a folder, expected a file")
    if not path.is_file():
        raise InputError(f"{what} not found: {path}")
    rows: list[list[float] | None] = []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text in special:
            rows.append(None)
            continue
        try:
            values = [float(v) for v in _SEPARATORS.split(text) if v]
        except ValueError:
            raise InputError(f"{path}:{number}: not a list of numbers: {text[:60]!r}") from None
        if len(values) not in allowed_counts:
            expected = " or ".join(str(c) for c in allowed_counts)
            raise InputError(f"{path}:{number}: expected {expected} numbers, got {len(values)}")
        rows.append(values)
    if not rows:
        raise InputError(f"{what} is empty: {path}")
    return rows


def read_boxes(path: Path, width: int = 4) -> np.ndarray:
    """``(N, width)`` float rows of a ``width``-number-per-line file (x,y,w,h or x1,y1,x2,y2: caller decides).

    Compiled fast path (:mod:`rgbt_track.datasets.box_text`); any irregular file goes through
    :func:`read_rows`, whose error names the line.
    """
    from rgbt_track.datasets.box_text import parse_box_bytes

    if not path.is_file():
        raise InputError(f"annotation file not found: {path}")
    boxes = parse_box_bytes(path.read_bytes(), width)
    if boxes is not None:
        return boxes
    rows = read_rows(path, allowed_counts=(width,))
    return np.asarray(rows, dtype=np.float64)


def corners_to_xywh(rows: np.ndarray) -> np.ndarray:
    """``x1 y1 x2 y2`` -> ``x y w h`` with ``w = x2 - x1`` (the GTOT convention, as its ``init.txt``)."""
    return np.column_stack([rows[:, 0], rows[:, 1], rows[:, 2] - rows[:, 0], rows[:, 3] - rows[:, 1]])


def check_positive(boxes: np.ndarray, path: Path) -> None:
    """InputError naming ``path`` and the line of the first box with w or h <= 0 (NaN rows are skipped)."""
    bad = np.nonzero((boxes[:, 2] <= 0) | (boxes[:, 3] <= 0))[0]
    if len(bad):
        row = boxes[bad[0]]
        raise InputError(f"{path}:{bad[0] + 1}: box has zero or negative size "
                         f"(w={row[2]:g}, h={row[3]:g})")


def check_same_length(color: list[Path], ir: list[Path], color_dir: Path, ir_dir: Path) -> None:
    """InputError when the two modalities have different frame counts."""
    if len(color) != len(ir):
        raise InputError(f"frame count mismatch: {len(color)} in {color_dir} vs {len(ir)} in {ir_dir}")


def check_annotation_length(boxes: np.ndarray, frames: int, path: Path) -> None:
    """InputError when an annotation file has a different number of rows than the sequence has frames."""
    if len(boxes) != frames:
        raise InputError(f"{path}: {len(boxes)} boxes for {frames} frames")


def find_subfolder(parent: Path, names: tuple[str, ...], what: str) -> Path:
    """The first existing ``parent/<name>`` of ``names``; InputError listing them when none exists."""
    for name in names:
        if (parent / name).is_dir():
            return parent / name
    raise InputError(f"no {what} folder ({' or '.join(names)}) in {parent}")


def sequence_folders(root: Path, required: tuple[str, ...], dataset: str) -> list[Path]:
    """Sub-folders of ``root`` holding every entry of ``required``, in natural order.

    Raises InputError when ``root`` is missing or no sub-folder has the layout.
    """
    if not root.is_dir():
        raise InputError(f"{dataset} folder not found: {root}")
    folders = [p for p in sorted(root.iterdir(), key=natural_key)
               if p.is_dir() and all((p / name).exists() for name in required)]
    if not folders:
        raise InputError(f"no {dataset} sequences (folders with {', '.join(required)}) in {root}")
    return folders


def check_boxes_inside(boxes: np.ndarray, size: tuple[int, int], path: Path, image: Path) -> None:
    """InputError naming ``path`` and the line of the first box lying entirely outside an image of
    ``size`` (W, H; the size of ``image``). NaN rows (target absent) are skipped."""
    width, height = size
    x, y, w, h = boxes.T
    outside = (x >= width) | (y >= height) | (x + w <= 0) | (y + h <= 0)
    bad = np.nonzero(outside)[0]
    if len(bad):
        row = boxes[bad[0]]
        raise InputError(f"{path}:{bad[0] + 1}: box {row[0]:g},{row[1]:g},{row[2]:g},{row[3]:g} lies entirely "
                         f"outside the {width}x{height} image ({image})")
