"""Background and target textures for generated sequences: procedural, or cut from real IR/visible pairs.

A texture is a :class:`TexturePair`: a BGR ``uint8 (H, W, 3)`` visible image and an aligned
``uint8 (H, W)`` thermal image of the same place. Procedural textures are fractal noise (sums of
smoothly upsampled random grids) plus a few blocky structures; real textures are crops taken at the
same location from an aligned pair such as the TNO images (``ir/IRn.png`` + ``vis/VISn.png``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from rgbt_runtime.image_files import is_image, modality_key
from rgbt_runtime.errors import InputError
from rgbt_runtime.image_read import read_image


@dataclass(frozen=True)
class TexturePair:
    """Aligned visible (BGR ``uint8 (H, W, 3)``) and thermal (``uint8 (H, W)``) images of one place."""

    color: np.ndarray
    ir: np.ndarray


def fractal_noise(rng: np.random.Generator, height: int, width: int, octaves: int = 4,
                  base_cells: int = 4) -> np.ndarray:
    """Smooth random field in ``[0, 1]`` of shape ``(height, width)``: octaves of bicubic-upsampled noise."""
    field = np.zeros((height, width), np.float32)
    amplitude, total = 1.0, 0.0
    for octave in range(octaves):
        cells = base_cells * 2 ** octave
        grid = rng.random((max(2, cells * height // max(height, width)) + 1, cells + 1)).astype(np.float32)
        field += amplitude * cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
        total += amplitude
        amplitude *= 0.5
    field /= total
    field -= field.min()
    return field / max(float(field.max()), 1e-6)


def procedural_background(rng: np.random.Generator, height: int, width: int) -> TexturePair:
    """A cluttered scene: coloured fractal noise with random blocks; a dim, low-contrast thermal twin."""
    color = np.stack([fractal_noise(rng, height, width, octaves=6, base_cells=6) for _ in range(3)], axis=-1)
    color = 40 + 150 * (0.6 * color + 0.4 * color.mean(axis=-1, keepdims=True))
    ir = 70 + 50 * fractal_noise(rng, height, width, octaves=4)
    for _ in range(int(rng.integers(12, 24))):
        bw, bh = int(rng.integers(width // 16, width // 5)), int(rng.integers(height // 16, height // 5))
        x, y = int(rng.integers(0, width - bw)), int(rng.integers(0, height - bh))
        color[y:y + bh, x:x + bw] = 0.5 * color[y:y + bh, x:x + bw] + 0.5 * rng.uniform(30, 220, 3)
        ir[y:y + bh, x:x + bw] = 0.5 * ir[y:y + bh, x:x + bw] + 0.5 * rng.uniform(60, 130)
    return TexturePair(np.clip(color, 0, 255).astype(np.uint8), np.clip(ir, 0, 255).astype(np.uint8))


def procedural_target(rng: np.random.Generator, height: int = 64, width: int = 64) -> TexturePair:
    """A distinctive object: saturated two-colour stripes with noise; warm in IR with a hotter core."""
    colors = rng.uniform(0, 120, (2, 3)).astype(np.float32)
    colors[0, int(rng.integers(0, 3))] = rng.uniform(200, 255)   # two contrasting, saturated colours
    colors[1, int(rng.integers(0, 3))] = rng.uniform(160, 255)
    period = rng.uniform(8, 20)
    angle = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = (xx * np.cos(angle) + yy * np.sin(angle)) / period
    stripes = (0.5 + 0.5 * np.sin(2 * np.pi * phase))[..., None]
    noise = fractal_noise(rng, height, width, octaves=3)[..., None]
    color = stripes * colors[0] + (1 - stripes) * colors[1] + 40 * (noise - 0.5)
    core = np.exp(-(((xx - width / 2) / (0.35 * width)) ** 2 + ((yy - height / 2) / (0.35 * height)) ** 2))
    ir = rng.uniform(170, 200) + 45 * core + 20 * (fractal_noise(rng, height, width, octaves=3) - 0.5)
    return TexturePair(np.clip(color, 0, 255).astype(np.uint8), np.clip(ir, 0, 255).astype(np.uint8))


def find_texture_pairs(folder: str | Path) -> list[tuple[Path, Path]]:
    """``(ir_path, visible_path)`` pairs in ``folder``, paired by the name after the modality prefix.

    Looks in ``folder`` and its direct subfolders, so it accepts TNO's layout (``ir/IR1.png`` +
    ``vis/VIS1.png``) or one folder holding both kinds
    (``IR1.png``, ``VIS1.png``; prefixes ``ir``/``inf``/``infrared``/``thermal``/``lwir`` and
    ``vis``/``vi``/``visible``/``rgb``, case-insensitive, optionally followed by ``_`` or ``-``).
    Raises :class:`InputError` when the folder is missing or holds no pair.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"texture folder not found: {folder}")
    candidates = [p for p in folder.iterdir()] + [p for d in folder.iterdir() if d.is_dir() for p in d.iterdir()]
    files = sorted(p for p in candidates if is_image(p))
    ir = {key: p for p in files if (key := modality_key(p.stem, "ir"))}
    vis = {key: p for p in files if (key := modality_key(p.stem, "vis"))}
    pairs = [(ir[key], vis[key]) for key in sorted(ir) if key in vis]  # name order: seeds pick the same textures
    if not pairs:
        raise InputError(f"no aligned IR/visible pairs (e.g. ir/IR1.png + vis/VIS1.png) in texture folder: {folder}")
    return pairs


def load_texture_pairs(folder: str | Path) -> list[TexturePair]:
    """Read every pair of :func:`find_texture_pairs`; IR as gray, visible as BGR. Sizes must match."""
    pairs = []
    for ir_path, vis_path in find_texture_pairs(folder):
        ir = read_image(ir_path, cv2.IMREAD_GRAYSCALE, what="texture image")
        color = read_image(vis_path, cv2.IMREAD_COLOR, what="texture image")
        if ir.shape != color.shape[:2]:
            raise InputError(f"texture pair sizes differ: {ir_path} {ir.shape} vs {vis_path} {color.shape[:2]}")
        pairs.append(TexturePair(color, ir))
    return pairs


def cut_pair(rng: np.random.Generator, pair: TexturePair, height: int, width: int) -> TexturePair:
    """A ``(height, width)`` crop at one random location of both images (upscaled first if too small)."""
    src_h, src_w = pair.ir.shape
    scale = max(height / src_h, width / src_w, 1.0)
    color, ir = pair.color, pair.ir
    if scale > 1.0:
        size = (int(np.ceil(src_w * scale)), int(np.ceil(src_h * scale)))
        color = cv2.resize(color, size, interpolation=cv2.INTER_LINEAR)
        ir = cv2.resize(ir, size, interpolation=cv2.INTER_LINEAR)
    y = int(rng.integers(0, ir.shape[0] - height + 1))
    x = int(rng.integers(0, ir.shape[1] - width + 1))
    return TexturePair(color[y:y + height, x:x + width].copy(), ir[y:y + height, x:x + width].copy())


def real_background(rng: np.random.Generator, pairs: list[TexturePair], height: int, width: int) -> TexturePair:
    """A background cut from a random real pair; the visible crop gets a mild random colour cast."""
    crop = cut_pair(rng, pairs[int(rng.integers(0, len(pairs)))], height, width)
    tint = rng.uniform(0.85, 1.15, 3).astype(np.float32)
    return TexturePair(np.clip(crop.color * tint, 0, 255).astype(np.uint8), crop.ir)


def real_target(rng: np.random.Generator, pairs: list[TexturePair], height: int = 64, width: int = 64) -> TexturePair:
    """A target cut from a real pair: the visible crop strongly tinted (grayscale sources such as TNO
    have no colour), the IR crop's contrast kept but remapped to a warm range (150..250) so the
    target has a thermal signature."""
    crop = cut_pair(rng, pairs[int(rng.integers(0, len(pairs)))], height, width)
    tint = rng.uniform(0.3, 1.0, 3).astype(np.float32)
    tint[int(rng.integers(0, 3))] = 1.6
    color = np.clip(crop.color.astype(np.float32) * tint + 20, 0, 255).astype(np.uint8)
    ir = crop.ir.astype(np.float32)
    ir = 150 + 100 * (ir - ir.min()) / max(float(ir.max() - ir.min()), 1.0)
    return TexturePair(color, ir.astype(np.uint8))
