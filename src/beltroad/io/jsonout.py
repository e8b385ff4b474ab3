"""JSON that is always valid JSON: NaN and infinities become null, numpy scalars plain numbers."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np


def finite(obj: Any) -> Any:
    """`obj` with non-finite floats replaced by None and numpy values made plain (recursively)."""
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return finite(obj.tolist())
    if isinstance(obj, dict):
        return {str(k): finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    pd = sys.modules.get("pandas")  # not imported: then no pandas value can be here (the route path needs none)
    if pd is not None and (obj is pd.NA or obj is pd.NaT):
        return None
    return obj


def _leaf(obj: Any) -> Any:
    """What `finite` makes of a value that json cannot write itself (numpy values, paths, pandas' NA)."""
    out = finite(obj)
    if out is obj:
        raise TypeError(f"{type(obj).__name__} is not JSON serializable")
    return out


def dumps(obj: Any, *, indent: int | None = None, compact: bool = False) -> str:
    """Strict JSON text (never NaN or Infinity).

    The text is `json.dumps(finite(obj))`. Most objects hold no non-finite number, so json's C encoder first
    writes `obj` itself (numpy values converted as they come, by `_leaf`), which takes about half the time of
    copying the whole tree through `finite` (~2 ms for a route answer with geometry); only when it meets a NaN
    or an infinity (ValueError) or a key that is not text or a number (TypeError) is the copy made. (The one
    spelling that differs: json writes a True, False or None *key* as true/false/null, `finite` as True/False/None;
    beltroad writes no such key.)
    """
    seps = (",", ":") if compact else None
    try:
        return json.dumps(obj, ensure_ascii=False, indent=indent, separators=seps, allow_nan=False,
                          default=_leaf)
    except (ValueError, TypeError):
        return json.dumps(finite(obj), ensure_ascii=False, indent=indent, separators=seps, allow_nan=False)


_DIGITS = frozenset(b"0123456789")


def _written_as_json_would(text: bytes) -> bool:
    """False when orjson's text may differ from `json.dumps`. The two spell a float below 1e-4 differently: orjson
    writes 1e-5 <= |x| < 1e-4 as `0.0000...` (json `1e-05`) and smaller ones with a one-digit exponent when it has
    one digit (`1.234e-7`, json `1.234e-07`); at e-10 and below both write the same. So the text is json's unless a
    number starts with `0.0000` or ends in `e-` and one digit. Any other difference was not found by comparing the
    two over ~300,000 floats from 1e-12 to 1e19, nor over random bit patterns (tests/test_output_json.py). json's
    own spellings (`1e-05`, `100.00001`) pass, so JSON text written by json (`PrewrittenList`) does too. A false
    alarm (such text inside a string) only costs the slower writer."""
    find = text.find
    i = find(b"0.0000")
    while i >= 0:
        if i == 0 or text[i - 1] not in _DIGITS:
            return False
        i = find(b"0.0000", i + 6)
    n = len(text)
    i = find(b"-")  # one byte is found by memchr: faster than a search for b"e-" (9 against 12 us for 10 KB)
    while i >= 0:
        if (i > 1 and text[i - 1] == 101 and text[i - 2] in _DIGITS and i + 1 < n and text[i + 1] in _DIGITS
                and (i + 2 == n or text[i + 2] not in _DIGITS)):  # digit, e, -, one digit
            return False
        i = find(b"-", i + 1)
    return True


class PrewrittenList(list):
    """A list that may know its own JSON text (`json_text`: bytes equal to `dumps_bytes` of the list, or None),
    so that `dumps_bytes` copies the text instead of writing the items again (a route's legs' coordinates,
    routing/result.py). Any change to the list forgets the text. Everything else sees a plain list."""

    __slots__ = ("_json_text",)

    def __init__(self, items: Any = (), json_text: Callable[[], bytes | None] | None = None) -> None:
        list.__init__(self, items)
        self._json_text = json_text

    def json_text(self) -> bytes | None:
        make = self._json_text
        return make() if make is not None else None

    def __reduce__(self) -> tuple:  # copies and pickles are plain lists
        return list, (list(self),)


def _forgetting(name: str) -> Callable:
    base = getattr(list, name)

    def method(self, *args: Any, **kwargs: Any) -> Any:
        self._json_text = None
        return base(self, *args, **kwargs)

    method.__name__ = name
    return method


PrewrittenList.CHANGES = ("__setitem__", "__delitem__", "__iadd__", "__imul__", "append", "extend", "insert", "pop",
                          "remove", "reverse", "sort", "clear")  # list's methods that change it in place
for _name in PrewrittenList.CHANGES:
    setattr(PrewrittenList, _name, _forgetting(_name))


def _orjson_leaf(obj: Any) -> Any:
    """orjson's `default` for what it passes on: a subclass of str, int, dict or list (OPT_PASSTHROUGH_SUBCLASS,
    so that a `PrewrittenList` is seen) as json writes it, anything else by `_leaf`."""
    if isinstance(obj, list):
        return list(obj)
    if isinstance(obj, str):
        return str.__str__(obj)
    if isinstance(obj, int):
        return int.__int__(obj)
    if isinstance(obj, dict):
        return dict(obj)
    return _leaf(obj)


_MARK = b"\x00"  # where a prewritten text goes: orjson writes a NUL in a string as \u0000, so never elsewhere


def dumps_bytes(obj: Any) -> bytes:
    """`dumps(obj, compact=True)` as UTF-8, byte for byte, written by orjson's encoder when it gives the same
    bytes (~20x faster than json's for a route answer with geometry: ~0.2 ms against ~4 ms for 80 KB): the API's
    answers. Non-finite numbers become null in both. json writes whatever orjson refuses (keys that are not text,
    ints beyond 64 bits, values `_leaf` does not know) or may spell differently (tiny floats, see
    `_written_as_json_would`).

    A `PrewrittenList` that knows its text (a leg's coordinates: most of a route answer) is written as a mark
    and its text put in its place afterwards, so that orjson writes and `_written_as_json_would` scans only the
    rest (~5 of 44 KB; scanning all of it took as long as writing it)."""
    import orjson  # the API's writer only: a one-shot CLI command never loads it

    texts: list[bytes] = []

    def leaf(o: Any) -> Any:
        if isinstance(o, PrewrittenList):
            t = o.json_text()
            if t is not None:
                texts.append(t)
                return orjson.Fragment(_MARK)
        return _orjson_leaf(o)

    try:  # dataclasses and datetimes pass through to `_leaf`, as json treats them
        text = orjson.dumps(obj, default=leaf,
                            option=orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
                            | orjson.OPT_PASSTHROUGH_SUBCLASS)
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        text = None
    if text is not None and _written_as_json_would(text):
        if not texts:
            return text
        parts = text.split(_MARK)
        if len(parts) == len(texts) + 1:
            chunks: list[bytes] = [b""] * (2 * len(texts) + 1)
            chunks[0::2] = parts
            chunks[1::2] = texts
            return b"".join(chunks)
    return dumps(obj, compact=True).encode()


__all__ = ["PrewrittenList", "dumps", "dumps_bytes", "finite"]
