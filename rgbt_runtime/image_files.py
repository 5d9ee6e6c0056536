"""Finding image files: readable extensions, natural order, listing a folder, pairing IR/visible.

One home for what fusion's training data, ``rfn-nest fuse``/``evaluate`` and rgbt_track's frame
and texture readers all need.

Pairing rule (:func:`pair_images`): an infrared image pairs with the visible image of the same
stem, or - the TNO layout - with the visible image whose stem is the same after the leading
modality token is dropped on both sides (``IR1.png`` <-> ``VIS1.png``; :func:`modality_key`).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from rgbt_runtime.errors import InputError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
_DIGITS = re.compile(r"(\d+)")
_TOKENS = {
    "ir": re.compile(r"^(?:infrared|thermal|lwir|inf|ir)[_\-]?(?P<key>.*)$", re.IGNORECASE),
    "vis": re.compile(r"^(?:visible|vis|vi|rgb)[_\-]?(?P<key>.*)$", re.IGNORECASE),
}


def natural_key(name: str | os.PathLike) -> list:
    """Sort key of a file name (the last path part) with embedded numbers compared as numbers.

    ``IR2`` sorts before ``IR10``, ``img_9.jpg`` before ``img_10.jpg``; letters compare case-blind.
    """
    text = os.path.basename(os.fspath(name))
    return [int(part) if part.isdigit() else part.lower() for part in _DIGITS.split(text)]


def is_image(path: Path) -> bool:
    """A regular file with one of :data:`IMAGE_EXTENSIONS` (any case)."""
    return path.suffix.lower() in IMAGE_EXTENSIONS and path.is_file()


def list_images(folder: str | os.PathLike, what: str = "image folder") -> list[Path]:
    """The image files of ``folder`` in natural order (:func:`natural_key`).

    Raises :class:`InputError` naming the folder (as ``what``) when it is missing or holds no image.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{what} not found (not a folder): {folder}")
    files = sorted((p for p in folder.iterdir() if is_image(p)), key=natural_key)
    if not files:
        raise InputError(f"no image files in {folder} (looked for {', '.join(IMAGE_EXTENSIONS)})")
    return files


def modality_key(stem: str, modality: str) -> str | None:
    """``stem`` without its leading ``modality`` token, lower-cased; None when it has none.

    ``modality`` is ``"ir"`` (ir, inf, infrared, thermal, lwir) or ``"vis"`` (vis, vi, visible,
    rgb); the token may be followed by ``_`` or ``-``: ``modality_key("IR_12", "ir") == "12"``.
    """
    match = _TOKENS[modality].fullmatch(stem)
    return match["key"].lower() if match and match["key"] else None


class Pair(NamedTuple):
    """An infrared/visible pair: ``name`` (the infrared file's stem, e.g. ``IR1``) and the two files."""

    name: str
    ir: Path
    vis: Path


def pair_images(ir_dir: str | os.PathLike, vis_dir: str | os.PathLike) -> list[Pair]:
    """Pair every image of ``ir_dir`` with one of ``vis_dir`` (module docstring); natural order.

    Raises :class:`InputError` naming the files when an image of either folder has no partner.
    """
    ir_files = list_images(ir_dir, "infrared folder")
    vis_files = list_images(vis_dir, "visible folder")
    vis_by_stem = {p.stem: p for p in vis_files}
    vis_by_key = {key: p for p in vis_files if (key := modality_key(p.stem, "vis"))}
    pairs, missing = [], []
    for ir in ir_files:
        vis = vis_by_stem.get(ir.stem) or vis_by_key.get(modality_key(ir.stem, "ir") or "")
        if vis is None:
            missing.append(ir.name)
        else:
            pairs.append(Pair(ir.stem, ir, vis))
    if missing:
        raise InputError(f"no visible counterpart in {vis_dir} for {', '.join(missing)}")
    used = {pair.vis for pair in pairs}
    unused = [p.name for p in vis_files if p not in used]
    if unused:
        raise InputError(f"no infrared counterpart in {ir_dir} for {', '.join(unused)}")
    return pairs
