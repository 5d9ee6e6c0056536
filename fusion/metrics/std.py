"""SD as the paper's tables report it, and the textbook standard deviation beside it.

The reference code computes ``sqrt(sum((F01 - mean(F01))^2))`` on ``F01 = F / 255`` and does
**not** divide by the number of pixels N, so the value grows with the image size (``sqrt(N)`` times
the textbook SD of F01). :func:`std_reported` reproduces that (Table 5: 71.90131 for RFN-Nest);
:func:`std_textbook` is the usual population SD of F on its 0..255 scale,
``sqrt(mean((F - mean F)^2))``.
"""
from __future__ import annotations

import numpy as np

from fusion.metrics.common import as_float, check_images


def std_reported(fused: np.ndarray) -> float:
    """The tables' SD: ``sqrt(sum((F01 - mean F01)^2))`` (not divided by N). ``fused``: (H, W) uint8."""
    check_images(fused)
    f = as_float(fused, scale01=True)
    return float(np.sqrt(np.sum((f - f.mean()) ** 2)))


def std_textbook(fused: np.ndarray) -> float:
    """Population standard deviation of ``fused`` (H, W) on 0..255."""
    check_images(fused)
    return float(np.std(as_float(fused)))
