"""Writing a sequence in the VOT-RGBT layout that vot-toolkit 0.7.4 reads (``vot/dataset/common.py``).

Per sequence folder::

    sequence            key=value lines, sorted keys, CRLF (as the toolkit's write_properties)
    color/00000001.jpg  visible frames, 8-digit numbers from 1
    ir/00000001.jpg     thermal frames, single-channel (grayscale) JPEG; cv2.imread and the toolkit
                        read them as 3 identical channels
    groundtruth.txt     one "x,y,w,h" per frame, comma separated (the toolkit's Rectangle format)
    anchor.value        one number per frame: 1 = forward anchor, -1 = backward anchor, 0 = none
                        (``vot.experiment.multistart.find_anchors``: > 0 forward, < 0 backward)
    <tag>.tag           one 0/1 per frame (the toolkit reads "1" as set)

and ``list.txt`` (one sequence name per line) in the dataset root. A sequence folder is written
under a temporary name and renamed into place when complete, replacing an older one of that name.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

import cv2

from rgbt_runtime.atomic import atomic_path, folder_mode, remove_stale
from rgbt_runtime.errors import InputError
from rgbt_track.generator.render import TAGS, RenderedFrame

ANCHOR_SPACING = 50   # frames between anchors (VOT2020 places one roughly every 50 frames)
JPEG_QUALITY = 95


def anchor_values(length: int, spacing: int = ANCHOR_SPACING) -> list[int]:
    """Anchors every ``spacing`` frames from frame 0: forward in the first half, backward in the second,
    so that each run from an anchor covers the longer part of the sequence."""
    values = [0] * length
    for frame in range(0, length - 1, spacing):
        values[frame] = 1 if frame <= (length - 1) / 2 else -1
    return values


def _write_lines(path: Path, lines: Iterable[str], newline: str = "\n") -> None:
    path.write_text("".join(f"{line}{newline}" for line in lines), encoding="utf-8", newline="")


def write_sequence(root: Path, name: str, frames: Iterable[RenderedFrame], fps: int = 30,
                   shown_root: Path | None = None) -> Path:
    """Write ``frames`` as sequence ``root/name`` (VOT layout above); returns the sequence folder.

    ``shown_root`` is the folder named in error messages when ``root`` is a temporary one.
    """
    root.mkdir(parents=True, exist_ok=True)
    remove_stale(root / name)  # left by a writer killed before it could clean up
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.{os.getpid()}.", dir=root))
    try:
        (tmp / "color").mkdir()
        (tmp / "ir").mkdir()
        boxes, tags = [], {tag: [] for tag in TAGS}
        params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
        for number, frame in enumerate(frames, start=1):
            for channel in ("color", "ir"):
                if not cv2.imwrite(str(tmp / channel / f"{number:08d}.jpg"), getattr(frame, channel), params):
                    raise InputError(f"cannot write frame {number} of {(shown_root or root) / name} "
                                     "(disk full or not writable?)")
            boxes.append(frame.box)
            for tag in TAGS:
                tags[tag].append(tag in frame.tags)
        _write_lines(tmp / "groundtruth.txt", (",".join(str(int(v)) for v in box) for box in boxes))
        _write_lines(tmp / "anchor.value", (str(v) for v in anchor_values(len(boxes))))
        for tag, flags in tags.items():
            if any(flags):
                _write_lines(tmp / f"{tag}.tag", ("1" if flag else "0" for flag in flags))
        properties = {"channel.default": "color", "channels.color": "color/%08d.jpg",
                      "channels.ir": "ir/%08d.jpg", "format": "default", "fps": str(fps), "name": name}
        _write_lines(tmp / "sequence", (f"{k}={v}" for k, v in sorted(properties.items())), newline="\r\n")
        os.chmod(tmp, folder_mode())
        dest = root / name
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
        return dest
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def write_list(root: Path, names: list[str]) -> Path:
    """Write ``root/list.txt`` atomically."""
    with atomic_path(root / "list.txt") as tmp:
        _write_lines(tmp, names)
    return root / "list.txt"

