"""Give memory the process freed back to the system between the compare's stages.

A 1M-pair compare allocates many 1-8 MB arrays (a skim's working arrays, derived columns, write blocks).
glibc's malloc keeps freed blocks of that size in its heap, so the resident size stays at each stage's high
mark and the next stage adds its own on top (~20-30 MB at world-1000). `malloc_trim(0)` returns the free
pages; where there is no glibc (macOS, Windows, musl) it is a no-op. It changes no value.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_freed_memory() -> bool:
    """Return freed heap pages to the system (glibc `malloc_trim(0)`; about a millisecond).

    Returns
    -------
    bool
        True when glibc was asked (whether or not it found pages to return).
    """
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def return_large_blocks_at_once(threshold_bytes: int = 1 << 20) -> bool:
    """Have glibc serve blocks of `threshold_bytes` and more from their own pages and unmap them when freed
    (`mallopt(M_MMAP_THRESHOLD)`); by default the threshold rises to the largest block freed (up to 32 MB),
    so a 1M-pair compare's 1-8 MB arrays land in the heap and its resident size keeps their high mark.
    A process-wide choice (the CLI's compare makes it, as it picks Arrow's memory pool); no value changes.

    Parameters
    ----------
    threshold_bytes : int
        Blocks this large or larger are mapped on their own.

    Returns
    -------
    bool
        True when glibc accepted the setting.
    """
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(-3, int(threshold_bytes)))  # M_MMAP_THRESHOLD = -3 (malloc.h)
