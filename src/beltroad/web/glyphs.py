"""Map label glyphs for MapLibre, made here from a font a Python package ships (matplotlib's DejaVu Sans).

MapLibre draws text from signed-distance-field glyphs in protobuf files, one per 256-code-point range
(`/glyphs/{fontstack}/{start}-{end}.pbf`). Fetching them from a CDN would break the offline promise, so
the server renders each range on first use with Pillow (FreeType) and scipy's distance transform, and keeps
the bytes in memory. Layout follows MapLibre's glyph format: 24 px glyphs, a 3 px buffer, radius 8.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

FONT_SIZE_PX = 24
BUFFER_PX = 3
RADIUS_PX = 8.0
CUTOFF = 0.25
FONTSTACK = "DejaVu Sans"


def font_path() -> Path:
    """DejaVu Sans as shipped inside matplotlib (a dependency already): no system font needed."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field_varint(num: int, value: int) -> bytes:
    return _varint(num << 3) + _varint(value)


def _field_bytes(num: int, data: bytes) -> bytes:
    return _varint((num << 3) | 2) + _varint(len(data)) + data


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 31)


def _sdf(alpha: np.ndarray) -> np.ndarray:
    """Signed distance field of a coverage bitmap (already padded by the buffer), as MapLibre's bytes."""
    from scipy.ndimage import distance_transform_edt

    inside = alpha > 127
    d_out = distance_transform_edt(~inside)
    d_in = distance_transform_edt(inside)
    dist = d_out - d_in  # > 0 outside the shape
    val = 255.0 - 255.0 * (dist / RADIUS_PX + CUTOFF)
    return np.clip(np.round(val), 0, 255).astype(np.uint8)


@lru_cache(maxsize=64)
def glyph_range(start: int) -> bytes:
    """The protobuf of code points start..start+255 (start a multiple of 256)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(font_path()), FONT_SIZE_PX, layout_engine=ImageFont.Layout.BASIC)
    ascent, _ = font.getmetrics()
    glyphs = bytearray()
    for cp in range(start, start + 256):
        ch = chr(cp)
        if cp < 32 or 0x7F <= cp < 0xA0 or 0xD800 <= cp < 0xE000:
            continue
        try:
            advance = int(round(font.getlength(ch)))
            l, t, r, b = font.getbbox(ch)  # relative to the text origin (top of the ascent line)
        except (RuntimeError, OSError, ValueError):
            continue
        w, h = max(r - l, 0), max(b - t, 0)
        msg = _field_varint(1, cp)
        if w and h:
            img = Image.new("L", (w + 2 * BUFFER_PX, h + 2 * BUFFER_PX), 0)
            ImageDraw.Draw(img).text((BUFFER_PX - l, BUFFER_PX - t), ch, font=font, fill=255)
            msg += _field_bytes(2, _sdf(np.asarray(img)).tobytes())
        msg += _field_varint(3, w) + _field_varint(4, h)
        msg += _field_varint(5, _zigzag(int(l))) + _field_varint(6, _zigzag(int(ascent - t) - FONT_SIZE_PX))
        msg += _field_varint(7, advance)
        glyphs += _field_bytes(3, msg)
    stack = _field_bytes(1, FONTSTACK.encode()) + _field_bytes(2, f"{start}-{start + 255}".encode()) + bytes(glyphs)
    return _field_bytes(1, stack)
