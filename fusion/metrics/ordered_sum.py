"""The last step of every compiled metric kernel: adding the per-row sums in row order.

The kernels spread rows over numba's threads and keep each row's sum apart. Adding those sums
here, in a function compiled without ``parallel=True``, keeps the order fixed; inside a parallel
function numba would turn the same loop (or ``array.sum()``) into a reduction whose order, and
so whose rounding, depends on the number of threads.
"""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, error_model="numpy")
def ordered_sum(values: np.ndarray) -> float:
    """``values[0] + values[1] + ...``, left to right, of a 1-D float array."""
    total = 0.0
    for value in values:
        total += value
    return total
