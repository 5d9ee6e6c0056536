"""MI as the paper's tables report it, and the textbook mutual information beside it.

The reference code sums ``MI(A, F) + MI(B, F)`` with ``MI(X, F) = H(X) + H(F) - H(X, F)``, but its
joint-entropy helper returns 0 and its ``H(X)`` is in fact computed on F, so each term equals
``H(F)`` and the reported value is exactly ``2 * En(F)`` (Table 5: 13.68269 = 2 x 6.84134 for
RFN-Nest). :func:`mi_reported` reproduces that so tables stay comparable.

:func:`mi_textbook` is the real measure (Qu et al. 2002): ``MI(A, F) + MI(B, F)`` in bits, each
from the 256 x 256 joint histogram of the integer values,
``MI(X, F) = sum p(x, f) log2(p(x, f) / (p(x) p(f)))``. It is much smaller (typically 1-4 bits)
and, unlike the reported value, depends on the source images.
"""
from __future__ import annotations

import numpy as np

from fusion.metrics.common import check_images
from fusion.metrics.entropy import entropy, histogram_entropy


def mi_reported(fused: np.ndarray) -> float:
    """The tables' MI: ``2 * En(F)`` (see the module docstring). ``fused``: (H, W) uint8."""
    return 2.0 * entropy(fused)


def mutual_information(x: np.ndarray, fused: np.ndarray) -> float:
    """Textbook ``MI(X, F)`` in bits from the 256 x 256 joint histogram of two (H, W) uint8 images."""
    check_images(x, fused)
    joint = np.bincount(np.asarray(x, dtype=np.uint8).ravel().astype(np.int64) * 256
                        + np.asarray(fused, dtype=np.uint8).ravel(), minlength=256 * 256).reshape(256, 256)
    return (histogram_entropy(joint.sum(axis=1)) + histogram_entropy(joint.sum(axis=0))
            - histogram_entropy(joint))


def mi_textbook(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """``MI(A, F) + MI(B, F)`` in bits; all (H, W) uint8."""
    return mutual_information(ir, fused) + mutual_information(vis, fused)
