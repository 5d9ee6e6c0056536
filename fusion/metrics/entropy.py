"""En: the Shannon entropy of the fused image, as the paper's tables report it.

``En(F) = -sum_i p_i log2 p_i`` over the non-empty bins of the 256-bin histogram of F's integer
values (MATLAB ``entropy`` on a ``uint8`` image; Roberts et al. 2008, the paper's ref. for En).
"""
from __future__ import annotations

import numpy as np

from fusion.metrics.common import check_images


def histogram_entropy(counts: np.ndarray) -> float:
    """``-sum p log2 p`` (bits) of a histogram of counts (any shape), empty bins skipped."""
    p = counts[counts > 0].astype(np.float64) / counts.sum()
    return float(-np.sum(p * np.log2(p)))


def entropy(fused: np.ndarray) -> float:
    """En of ``fused`` (H, W) uint8, in bits (0 for a constant image, at most 8)."""
    check_images(fused)
    return histogram_entropy(np.bincount(np.asarray(fused, dtype=np.uint8).ravel(), minlength=256))
