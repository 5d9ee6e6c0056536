"""Procedural RGB-T sequences with modality-specific trouble, written in the VOT-RGBT layout.

``generate_sequences(out_dir, count, length, seed)`` is the entry point; see
:mod:`rgbt_track.generator.trouble` for the design that makes RGB-only and IR-only trackers fail in
different segments while a fused tracker can succeed, and :mod:`rgbt_track.generator.vot_writer`
for the on-disk format.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from tqdm import tqdm

from rgbt_runtime.atomic import atomic_folder, ensure_output_folder
from rgbt_runtime.errors import InputError
from rgbt_track.generator.render import render_frame
from rgbt_track.generator.scene import build_scene
from rgbt_track.generator.textures import load_texture_pairs
from rgbt_track.generator.vot_writer import write_list, write_sequence

DEFAULT_SIZE = (320, 240)
MIN_SIZE = (64, 64)
# Peak traced bytes per frame pixel while a sequence is generated (bench/bench_generator_memory.py:
# 81.5 at 320x240, 62.9 at 640x480, 61.2 at 1280x720), rounded up; sizes whose estimate passes
# MAX_BYTES are refused before anything is allocated.
BYTES_PER_PIXEL = 100
MAX_BYTES = 4 * 2**30


def sequence_name(index: int) -> str:
    """Name of the ``index``-th generated sequence (also its folder name)."""
    return f"synth-{index:03d}"


def _check_out_dir(out_dir: Path, force: bool) -> None:
    if os.path.lexists(out_dir) and (out_dir.is_symlink() or not out_dir.is_dir()):
        raise InputError(f"output path exists and is not a folder: {out_dir}")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise InputError(f"output folder {out_dir} is not empty (use --force to replace it whole)")
    ensure_output_folder(out_dir.parent)


def estimate_bytes(size: tuple[int, int]) -> int:
    """Peak memory of generating a sequence of frame ``size`` (W, H): :data:`BYTES_PER_PIXEL` per pixel."""
    return BYTES_PER_PIXEL * size[0] * size[1]


def _check_size(size: tuple[int, int]) -> None:
    if size[0] < MIN_SIZE[0] or size[1] < MIN_SIZE[1]:
        raise InputError(f"size must be at least {MIN_SIZE[0]}x{MIN_SIZE[1]}, got {size[0]}x{size[1]}")
    need = estimate_bytes(size)
    if need > MAX_BYTES:
        shrink = math.sqrt(MAX_BYTES / need)
        fits = (max(int(size[0] * shrink), MIN_SIZE[0]), max(int(size[1] * shrink), MIN_SIZE[1]))
        raise InputError(f"--size {size[0]}x{size[1]} needs about {need / 2**30:.1f} GiB of memory "
                         f"(limit {MAX_BYTES / 2**30:.0f} GiB); at most about {fits[0]}x{fits[1]} fits")


def generate_sequences(out_dir: str | os.PathLike, count: int = 8, length: int = 200, seed: int = 0,
                       textures: str | os.PathLike | None = None,
                       size: tuple[int, int] = DEFAULT_SIZE, fps: int = 30,
                       progress: bool = False, force: bool = False) -> list[Path]:
    """Write ``count`` sequences of ``length`` frames (``size`` = W, H) into ``out_dir``; return their folders.

    Sequence ``i`` depends only on ``(seed, i)``, so the same seed gives byte-identical files.
    ``textures`` is a folder of aligned IR/visible pairs (TNO layout) to cut real textures from.
    ``out_dir`` must be missing or empty, unless ``force``: then it is replaced whole. Everything is
    written into a hidden folder beside it that becomes ``out_dir`` only when complete.
    Raises :class:`InputError` for a bad argument (seed < 0, fps <= 0, a size whose memory estimate
    passes :data:`MAX_BYTES`), a non-empty or unwritable ``out_dir`` or a texture folder without pairs.
    """
    if count < 1:
        raise InputError(f"count must be at least 1, got {count}")
    if length < 2:
        raise InputError(f"length must be at least 2 frames, got {length}")
    if seed < 0:
        raise InputError(f"seed must be 0 or more, got {seed}")
    if fps <= 0:
        raise InputError(f"fps must be positive, got {fps}")
    _check_size(size)
    pairs = load_texture_pairs(textures) if textures is not None else None
    out_dir = Path(out_dir)
    _check_out_dir(out_dir, force)
    names = []
    with atomic_folder(out_dir, replace=force) as tmp:
        for index in tqdm(range(count), desc="sequences", unit="seq", disable=None if progress else True):
            rng = np.random.default_rng([seed, index])
            scene = build_scene(rng, length, tuple(size), pairs)
            frames = (render_frame(scene, i) for i in range(length))
            names.append(write_sequence(tmp, sequence_name(index), frames, fps=fps, shown_root=out_dir).name)
        write_list(tmp, names)
    return [out_dir / name for name in names]


__all__ = ["generate_sequences", "sequence_name", "DEFAULT_SIZE"]
