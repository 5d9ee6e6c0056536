"""A workspace shaped like the real VOT-RGBT2019 set: its 60 names and frame counts, tiny frames.

Names come from ``rgbt/VOT-RGBT2019/list.txt`` and lengths from RGBT234's frame table (VOT-RGBT is a
subset of RGBT234; both channels have the same count there). Each sequence is a small target moving
back and forth over ``PERIOD`` positions, so only ``PERIOD`` distinct colour / IR frames exist: they
are written once and hard-linked into every sequence (20 083 frame pairs in about a second). Ground
truth is written as 8-number polygons, as VOT-RGBT2019's annotations are; ``anchor.value`` as the
package's generator places anchors.
"""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from rgbt_track.generator.vot_writer import anchor_values

SIZE = (32, 24)  # width, height
TARGET = (8, 6)
PERIOD = 8


def real_lengths(shared_data: Path) -> dict[str, int]:
    """The 60 VOT-RGBT2019 names (list order) with their real frame counts."""
    names = (shared_data / "rgbt" / "VOT-RGBT2019" / "list.txt").read_text(encoding="utf-8").split()
    table = {}
    for line in (shared_data / "rgbt" / "RGBT234" / "FRAME_NAMING_derived.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            fields = line.split()
            table[fields[0]] = int(fields[1])
    return {name: table[name] for name in names}


def _position(index: int) -> int:
    """Which of the ``PERIOD`` frames frame ``index`` (0-based) shows: back and forth."""
    step = index % (2 * PERIOD)
    return step if step < PERIOD else 2 * PERIOD - 1 - step


def _box(index: int) -> tuple[int, int, int, int]:
    return 6 + 2 * _position(index), 9, TARGET[0], TARGET[1]


def _frames(folder: Path) -> list[tuple[Path, Path]]:
    """The ``PERIOD`` distinct (colour, IR) frames, written once."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    background = rng.integers(40, 90, size=(SIZE[1], SIZE[0], 3), dtype=np.uint8)
    files = []
    for index in range(PERIOD):
        x, y, w, h = _box(index)
        color, ir = background.copy(), (background // 3).copy()
        color[y:y + h, x:x + w] = (30, 160, 230)
        ir[y:y + h, x:x + w] = 220
        pair = folder / f"color{index}.jpg", folder / f"ir{index}.jpg"
        cv2.imwrite(str(pair[0]), color)
        cv2.imwrite(str(pair[1]), ir)
        files.append(pair)
    return files


def write_mirror(root: Path, lengths: dict[str, int]) -> Path:
    """``root/list.txt`` and one sequence folder per name; returns ``root``."""
    frames = _frames(root / ".frames")
    for name, length in lengths.items():
        folder = root / name
        for channel in ("color", "ir"):
            (folder / channel).mkdir(parents=True)
        for number in range(1, length + 1):
            color, ir = frames[_position(number - 1)]
            os.link(color, folder / "color" / f"{number:08d}.jpg")
            os.link(ir, folder / "ir" / f"{number:08d}.jpg")
        polygons = []
        for index in range(length):
            x, y, w, h = _box(index)
            polygons.append(f"{x},{y},{x + w},{y},{x + w},{y + h},{x},{y + h}")
        (folder / "groundtruth.txt").write_text("\n".join(polygons) + "\n", encoding="utf-8")
        (folder / "anchor.value").write_text("\n".join(map(str, anchor_values(length))) + "\n", encoding="utf-8")
        (folder / "sequence").write_text(
            "channels.color=color/%08d.jpg\r\nchannels.ir=ir/%08d.jpg\r\nfps=30\r\nformat=default\r\n"
            f"name={name}\r\n", encoding="utf-8", newline="")
    (root / "list.txt").write_text("".join(f"{name}\n" for name in lengths), encoding="utf-8")
    return root
