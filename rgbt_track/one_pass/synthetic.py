"""A LasHeR-layout dataset with synthetic frames for tests and benchmarks of ``rgbt-track test``.

Real sequence names and the first frames of their real ground truth (the LasHeR toolkit's
``annos/<seq>.txt``), frames just large enough to hold the boxes: a bright box on a gradient, JPEG.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

NAMES = ("10runone", "1blackteacher", "11leftboy")


def build_lasher_layout(shared: Path, root: Path, frames: int = 4, names=NAMES) -> Path:
    """``root/<seq>/{visible/v000000.jpg, infrared/i000000.jpg, init.txt, visible.txt, infrared.txt}``
    from ``shared/rgbt/LasHeR/annos/<seq>.txt`` (the first ``frames`` rows)."""
    for name in names:
        lines = (Path(shared) / "rgbt/LasHeR/annos" / f"{name}.txt").read_text().splitlines()[:frames]
        boxes = np.array([[float(v) for v in line.split(",")] for line in lines])
        folder = Path(root) / name
        (folder / "visible").mkdir(parents=True)
        (folder / "infrared").mkdir()
        for file_name in ("init.txt", "visible.txt", "infrared.txt"):
            (folder / file_name).write_text("\r\n".join(lines) + "\r\n")
        width = int(np.ceil((boxes[:, 0] + boxes[:, 2]).max())) + 16
        height = int(np.ceil((boxes[:, 1] + boxes[:, 3]).max())) + 16
        ramp = np.add.outer(np.linspace(0, 60, height), np.linspace(0, 60, width)).astype(np.uint8)
        for index, (x, y, w, h) in enumerate(boxes.astype(int)):
            for sub, letter, level in (("visible", "v", 220), ("infrared", "i", 250)):
                image = np.dstack([ramp] * 3)
                image[y:y + h, x:x + w] = level
                cv2.imwrite(str(folder / sub / f"{letter}{index:06d}.jpg"), image)
    return Path(root)
