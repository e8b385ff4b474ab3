"""JSON that is always valid JSON: NaN and infinities become null, numpy scalars plain numbers."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

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


__all__ = ["dumps", "finite"]
