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


def dumps(obj: Any, *, indent: int | None = None, compact: bool = False) -> str:
    """Strict JSON text (never NaN or Infinity)."""
    seps = (",", ":") if compact else None
    return json.dumps(finite(obj), ensure_ascii=False, indent=indent, separators=seps, allow_nan=False)


__all__ = ["dumps", "finite"]
