"""VT821 and VT1000 RGB-T salient-object datasets, read as still image pairs for tracker training.

Layout: ``<root>/RGB/``, ``<root>/T/`` (``thermal/`` in some releases) and ``<root>/GT/``
(binary saliency masks), paired by file stem; the image extension differs between releases
(jpg, png, bmp), so any is accepted. The box of a pair is the bounding box of the mask's
foreground (pixels > 127): ``x = first column, w = last - first + 1`` (0-based, pixel-inclusive).
Each pair becomes a 1-frame :class:`RGBTSequence` named after its stem, so a template/search pair
sampler can treat stills and videos alike.
"""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from rgbt_runtime.image_files import natural_key
from rgbt_runtime.errors import InputError
from rgbt_runtime.image_read import check_same_size, read_image
from rgbt_track.datasets.annotations import find_subfolder
from rgbt_track.datasets.sequence import RGBTSequence
from rgbt_track.frames import list_frames


def mask_box(path: Path) -> np.ndarray:
    """``(1, 4)`` x, y, w, h of the foreground of the mask at ``path``."""
    mask = read_image(path, cv2.IMREAD_GRAYSCALE, what="mask")
    ys, xs = np.nonzero(mask > 127)
    if len(xs) == 0:
        raise InputError(f"mask has no foreground (zero-size box): {path}")
    return np.array([[xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]], np.float64)


def load_vt_saliency(root: str | os.PathLike, dataset: str | None = None) -> list[RGBTSequence]:
    """Every RGB/T/GT triple under ``root`` as a 1-frame sequence (``attributes``: dataset, mask path)."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"saliency dataset folder not found: {root}")
    dataset = dataset or root.name
    folders = {"RGB": find_subfolder(root, ("RGB", "rgb"), "RGB"),
               "T": find_subfolder(root, ("T", "thermal", "Thermal", "t"), "thermal"),
               "GT": find_subfolder(root, ("GT", "gt"), "ground-truth mask")}
    files = {kind: {p.stem: p for p in list_frames(folder)} for kind, folder in folders.items()}
    for kind in ("T", "GT"):
        if len(files[kind]) != len(files["RGB"]):
            raise InputError(f"count mismatch: {len(files['RGB'])} images in {folders['RGB']} vs "
                             f"{len(files[kind])} in {folders[kind]}")
        missing = sorted(set(files["RGB"]) - set(files[kind]))
        if missing:
            raise InputError(f"no file for {files['RGB'][missing[0]].name} (by stem) in {folders[kind]}")
    sequences = []
    for stem in sorted(files["RGB"], key=natural_key):
        check_same_size(files["RGB"][stem], files["T"][stem])  # headers only: no pixels decoded
        check_same_size(files["RGB"][stem], files["GT"][stem])
        sequences.append(RGBTSequence(name=stem, color=[files["RGB"][stem]], ir=[files["T"][stem]],
                                      groundtruth=mask_box(files["GT"][stem]),
                                      attributes={"dataset": dataset, "mask": files["GT"][stem]}))
    return sequences
