"""Process-wide malloc setting for large-image inference: keep freed memory for reuse.

A full-size RFN-Nest forward pass allocates and frees a few gigabytes of feature maps, each
larger than glibc's largest mmap threshold (32 MiB), so glibc maps every one of them fresh from
the kernel and unmaps it when freed. The kernel then zeroes every page on first touch: on the
project's 2-core VM that page-faulting was about a third of the wall time of a 768x576 pair
(``bench/bench_fusion.py``, ``docs/benchmarks_fusion.md``). :func:`keep_freed_memory` tells glibc to
serve every allocation from its heap (``M_MMAP_MAX = 0``), never to trim it
(``M_TRIM_THRESHOLD``) and to use one arena (``M_ARENA_MAX = 1``), so later layers and later
images reuse pages that are already mapped. Outputs are unchanged (same arithmetic); the price is
a higher peak resident size, because freed blocks stay in the heap and fragment it.

It affects the whole process, so the library never calls it on import: ``rfn-nest fuse`` and
``rfn-nest benchmark-strategies`` call it unless given ``--low-memory``. Elsewhere than glibc
(musl, macOS, Windows) it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import platform

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8
_NEVER_TRIM = 2**31 - 1  # the option is an int: the largest value glibc accepts


def keep_freed_memory() -> bool:
    """Make glibc's malloc keep and reuse freed memory (see the module docstring).

    Returns True when applied, False where the C library is not glibc (nothing is changed).
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    settings = ((_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, _NEVER_TRIM), (_M_ARENA_MAX, 1))
    return all(libc.mallopt(option, value) == 1 for option, value in settings)


LOW_MEMORY_HELP = ("let freed feature maps go back to the OS as usual (lower peak memory, ~1/3 slower on large "
                   "images); by default freed memory is kept for reuse")
