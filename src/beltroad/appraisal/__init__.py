"""Project appraisal and uncertainty sweeps: many scenario skims, run in-process or on dask.distributed.

`appraise` ranks BRI projects by their effect in isolation and in complement (Reed & Trubetskoy, PRWP 8815);
`sweep` draws parameters within their sourced ranges and reports p5/p50/p95 bands and a sensitivity ranking.
Both write one Parquet partition per task, so a rerun resumes. See docs/appraisal.md.
"""
from __future__ import annotations

from .appraise import Appraisal, appraise, parse_projects
from .sweep import SweepResult, SweepSpec, load_spec, sweep

__all__ = ["Appraisal", "SweepResult", "SweepSpec", "appraise", "load_spec", "parse_projects", "sweep"]
