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
