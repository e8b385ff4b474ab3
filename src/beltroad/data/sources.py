"""Citation cells: every figure of the data names the source ids it comes from (`a;b;c`), and every id must
resolve in a sources table. Shared by the validators of the transport, sea-service, energy and digital data.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np


def split_list(value: Any) -> list[str]:
    """`a;b;c` -> ['a', 'b', 'c'] (blanks dropped); a list passes through."""
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [v.strip() for v in str(value).split(";") if v.strip()]


def citation_problems(value: Any, known: Iterable[str] | None) -> list[str]:
    """What is wrong with a `source` cell: `no source`, or `cites undefined source id(s) ...` when some id is
    not in `known` (None: ids are not checked). [] when the cell is fine."""
    cited = split_list(value)
    if not cited:
        return ["no source"]
    if known is None:
        return []
    known = known if isinstance(known, (set, frozenset, dict)) else set(known)
    unknown = [s for s in cited if s not in known]
    return [f"cites undefined source id(s) {', '.join(unknown)}"] if unknown else []


__all__ = ["citation_problems", "split_list"]
