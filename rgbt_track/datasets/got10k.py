"""GOT-10k layout reader (RGB only).

Layout: ``<root>/list.txt`` names the sequence folders; each holds ``00000001.jpg ...``,
``groundtruth.txt`` (one comma-separated ``x,y,w,h`` per line) and, in the train split,
``absence.label`` (one 0/1 per frame, 1 = target absent). Without ``list.txt`` every
sub-folder that has a ``groundtruth.txt`` is a sequence.

GOT-10k has no thermal channel: the **same RGB frames serve as both modalities** (``ir`` lists the
colour frames), so RGB-T code can consume it unchanged; base-tracker training then simply sees
RGB pairs whichever modality it samples.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.sequence import RGBTSequence
from rgbt_track.frames import list_frames


def read_got10k_boxes(path: Path, frames: int) -> np.ndarray:
    """``(frames, 4)`` float boxes from a comma-separated ``groundtruth.txt``; NaN rows past its end."""
    try:
        rows = [line.replace("\t", ",").split(",") for line in path.read_text().splitlines() if line.strip()]
        boxes = np.array([[float(v) for v in row] for row in rows], dtype=np.float64).reshape(-1, 4)
    except ValueError:
        raise InputError(f"{path}: expected one 'x,y,w,h' line per frame") from None
    out = np.full((frames, 4), np.nan)
    out[:min(frames, len(boxes))] = boxes[:frames]
    return out


def load_got10k_sequence(folder: str | os.PathLike) -> RGBTSequence:
    """One GOT-10k sequence folder as an :class:`RGBTSequence` (colour frames used for ``ir`` too)."""
    folder = Path(folder)
    gt_path = folder / "groundtruth.txt"
    if not gt_path.is_file():
        raise InputError(f"GOT-10k sequence has no groundtruth.txt: {folder}")
    frames = list_frames(folder)
    boxes = read_got10k_boxes(gt_path, len(frames))
    absence = folder / "absence.label"
    if absence.is_file():
        flags = np.array([int(v) for v in absence.read_text().split()], dtype=bool)[:len(frames)]
        boxes[:len(flags)][flags] = np.nan
    boxes[(boxes[:, 2] <= 0) | (boxes[:, 3] <= 0)] = np.nan
    return RGBTSequence(name=folder.name, color=frames, ir=list(frames), groundtruth=boxes,
                        attributes={"dataset": "got10k", "ir_is_rgb": True})


def load_got10k_sequences(root: str | os.PathLike) -> list[RGBTSequence]:
    """Every sequence of a GOT-10k split folder (``list.txt`` order when present)."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"GOT-10k folder not found: {root}")
    listing = root / "list.txt"
    if listing.is_file():
        names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
        missing = [n for n in names if not (root / n).is_dir()]
        if missing:
            raise InputError(f"{listing} names missing sequence folder(s): {', '.join(missing[:3])}")
        folders = [root / n for n in names]
    else:
        folders = sorted(p for p in root.iterdir() if (p / "groundtruth.txt").is_file())
    if not folders:
        raise InputError(f"no GOT-10k sequences in {root} (expected list.txt or <seq>/groundtruth.txt)")
    return [load_got10k_sequence(f) for f in folders]
