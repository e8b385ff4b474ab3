"""Project appraisal and uncertainty sweeps: many scenario skims, run in-process or on dask.distributed.

`appraise` ranks BRI projects by their effect in isolation and in complement (Reed & Trubetskoy, PRWP 8815);
`sweep` draws parameters within their sourced ranges and reports p5/p50/p95 bands and a sensitivity ranking.
Both write one Parquet partition per task, so a rerun resumes. See docs/appraisal.md.
Names load lazily, so that importing the CLI face does not import dask.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_NAMES = {"Appraisal": "projects", "appraise": "projects", "parse_projects": "projects",
          "SweepResult": "sweeps", "SweepSpec": "sweeps", "SpecError": "sweeps", "load_spec": "sweeps", "sweep": "sweeps"}


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_NAMES)
