"""Procedural RGB-T sequences with modality-specific trouble, written in the VOT-RGBT layout.

``generate_sequences(out_dir, count, length, seed)`` is the entry point; see
:mod:`rgbt_track.generator.trouble` for the design that makes RGB-only and IR-only trackers fail in
different segments while a fused tracker can succeed, and :mod:`rgbt_track.generator.vot_writer`
for the on-disk format.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from tqdm import tqdm

from rgbt_runtime.atomic import ensure_output_folder
from rgbt_runtime.errors import InputError
from rgbt_track.generator.render import render_frame
from rgbt_track.generator.scene import build_scene
from rgbt_track.generator.textures import load_texture_pairs
from rgbt_track.generator.vot_writer import write_list, write_sequence

DEFAULT_SIZE = (320, 240)
MIN_SIZE = (64, 64)


def sequence_name(index: int) -> str:
    """Name of the ``index``-th generated sequence (also its folder name)."""
    return f"synth-{index:03d}"


def generate_sequences(out_dir: str | os.PathLike, count: int = 8, length: int = 200, seed: int = 0,
                       textures: str | os.PathLike | None = None,
                       size: tuple[int, int] = DEFAULT_SIZE, fps: int = 30,
                       progress: bool = False) -> list[Path]:
    """Write ``count`` sequences of ``length`` frames (``size`` = W, H) into ``out_dir``; return their folders.

    Sequence ``i`` depends only on ``(seed, i)``, so the same seed gives byte-identical files and a
    larger ``count`` extends a smaller one. ``textures`` is a folder of aligned IR/visible pairs
    (TNO layout) to cut real textures from. ``list.txt`` is (re)written with the generated names.
    Raises :class:`InputError` for a bad argument, an unwritable ``out_dir`` or a texture folder
    without pairs.
    """
    if count < 1:
        raise InputError(f"count must be at least 1, got {count}")
    if length < 2:
        raise InputError(f"length must be at least 2 frames, got {length}")
    if size[0] < MIN_SIZE[0] or size[1] < MIN_SIZE[1]:
        raise InputError(f"size must be at least {MIN_SIZE[0]}x{MIN_SIZE[1]}, got {size[0]}x{size[1]}")
    pairs = load_texture_pairs(textures) if textures is not None else None
    out_dir = Path(out_dir)
    ensure_output_folder(out_dir)
    folders = []
    for index in tqdm(range(count), desc="sequences", unit="seq", disable=not progress):
        rng = np.random.default_rng([seed, index])
        scene = build_scene(rng, length, tuple(size), pairs)
        frames = (render_frame(scene, i) for i in range(length))
        folders.append(write_sequence(out_dir, sequence_name(index), frames, fps=fps))
    write_list(out_dir, [folder.name for folder in folders])
    return folders


__all__ = ["generate_sequences", "sequence_name", "DEFAULT_SIZE"]
