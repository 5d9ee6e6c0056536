"""Comparing two folders of saved fusion outputs (``NAME.npy``, raw network output per pair) for the benches."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def _scaled(x: np.ndarray) -> np.ndarray:
    """The 0..255 min-max scaling that ``rfn-nest fuse`` saves (before rounding)."""
    return 255 * (x - x.min()) / (x.max() - x.min() + 1e-5)


def _common(dir_a: Path, dir_b: Path) -> list[Path]:
    """The outputs saved in both folders (as files of ``dir_a``)."""
    return sorted(f for f in dir_a.glob("*.npy") if (dir_b / f.name).exists())


def max_diffs(dir_a: Path, dir_b: Path) -> tuple[float, float]:
    """(max |a - b| on raw outputs, max |a - b| after the 0..255 min-max scaling) over the pairs saved in both."""
    raw = scaled = 0.0
    for file in _common(dir_a, dir_b):
        a, b = np.load(file).astype(np.float64), np.load(dir_b / file.name).astype(np.float64)
        raw = max(raw, float(np.abs(a - b).max()))
        sa, sb = _scaled(a), _scaled(b)
        scaled = max(scaled, float(np.abs(sa - sb).max()))
    return raw, scaled


def psnr(dir_a: Path, dir_b: Path) -> float:
    """PSNR (dB) of the saved 0..255 min-max-scaled images of ``dir_b`` against ``dir_a``, over the pairs saved in both."""
    return psnr_of_arrays([(np.load(file), np.load(dir_b / file.name)) for file in _common(dir_a, dir_b)])


def psnr_of_arrays(outputs: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """PSNR (dB) of the 0..255 min-max-scaled ``b`` against ``a`` over all ``(a, b)`` raw outputs (one pooled MSE)."""
    errors = [((_scaled(a.astype(np.float64)) - _scaled(b.astype(np.float64))) ** 2).ravel() for a, b in outputs]
    mse = float(np.concatenate(errors).mean())
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)
