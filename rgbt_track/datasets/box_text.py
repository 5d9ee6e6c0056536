"""Fast parsing of box files (``width`` numbers per line) with a compiled scanner.

Benchmarks' annotation and result files hold hundreds of thousands of short lines; parsing them
with Python floats dominates scoring. :func:`parse_box_bytes` scans the bytes once (numba) and
accepts only the plain forms ``[-+]digits[.digits]`` and ``nan`` separated by commas, spaces,
tabs or semicolons, ``width`` per non-empty line. Each value is ``mantissa / 10**decimals`` with
both exact in float64, so it is the correctly rounded decimal, the same double ``float()`` gives.
Anything else (exponents, long mantissas, stray text, wrong counts) returns ``None`` and the caller
falls back to the line-by-line reader, whose error names the line.
"""
from __future__ import annotations

import numba
import numpy as np

_MAX_EXACT = 2 ** 53
_POW10 = np.array([10.0 ** k for k in range(23)])


@numba.njit(cache=True)
def _scan(data: np.ndarray, width: int, out: np.ndarray, pow10: np.ndarray) -> int:
    """Fill ``out`` (flat) from ``data`` (uint8); the number of values, or -1 for an unsupported file."""
    n, count, in_line, position = len(data), 0, 0, 0
    while position < n:
        c = data[position]
        if c == 10:
            if in_line != 0 and in_line != width:
                return -1
            in_line = 0
            position += 1
            continue
        if c == 32 or c == 44 or c == 9 or c == 13 or c == 59 or c == 11 or c == 12:
            position += 1
            continue
        if in_line == width or count == len(out):
            return -1
        if (c == 110 or c == 78) and position + 2 < n and (data[position + 1] == 97 or data[position + 1] == 65) \
                and (data[position + 2] == 110 or data[position + 2] == 78):
            out[count] = np.nan
            position += 3
        else:
            sign = 1.0
            if c == 45 or c == 43:
                sign = -1.0 if c == 45 else 1.0
                position += 1
            mantissa, digits, decimals, seen_point = 0, 0, 0, False
            while position < n:
                c = data[position]
                if 48 <= c <= 57:
                    mantissa = mantissa * 10 + (c - 48)
                    digits += 1
                    if seen_point:
                        decimals += 1
                    if mantissa >= _MAX_EXACT or decimals > 22:
                        return -1
                elif c == 46 and not seen_point:
                    seen_point = True
                else:
                    break
                position += 1
            if digits == 0:
                return -1
            out[count] = sign * (mantissa / pow10[decimals])
        if position < n:
            c = data[position]
            if not (c == 10 or c == 32 or c == 44 or c == 9 or c == 13 or c == 59 or c == 11 or c == 12):
                return -1
        count += 1
        in_line += 1
    if in_line != 0 and in_line != width:
        return -1
    return count


def parse_box_bytes(data: bytes, width: int = 4) -> np.ndarray | None:
    """``(N, width)`` float64 rows of ``data``, or None when the file needs the careful reader."""
    array = np.frombuffer(data, dtype=np.uint8)
    out = np.empty(len(array) // 2 + 1, dtype=np.float64)
    count = _scan(array, width, out, _POW10)
    if count <= 0 or count % width:
        return None
    return out[:count].reshape(-1, width).copy()
