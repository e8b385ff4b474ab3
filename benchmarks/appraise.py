"""Appraisal benchmark (not a test): every shipped project, in isolation and in complement, on world-1000.

Runs the full appraisal (2 reference skims + 2 per project) on a dask LocalCluster with 1 and then 2 worker
processes (one thread each), each into a fresh output folder, and prints the wall time, the load average, the
speedup and the ratio to the 50 hours that issue 14 quotes for the World Bank study's networkx code
(71 projects x 2, about 21 minutes per scenario). Never asserts.

`--projects N` (a number) measures the first N projects of the inventory only and extrapolates to all of
them at the measured time per skim, saying so; `--projects P01,P02` measures those projects.

    nice .venv/bin/python benchmarks/appraise.py [--cities world-1000] [--workers 1,2] [--projects 20|P01,P02]
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

WORLD_BANK_HOURS = 50.0   # issue 14: Reed & Trubetskoy's replication code, 71 projects x 2
WORLD_BANK_TASKS = 71 * 2


def _load() -> str:
    try:
        return "load %.1f/%.1f/%.1f on %d cores" % (*os.getloadavg(), os.cpu_count() or 1)
    except OSError:  # pragma: no cover
        return "load n/a"


def _reused_tasks(net, projects: str | None, inventory: list[str]) -> int:
    """How many comparison tasks have the edge state of their reference (so reuse its skim, not recompute it)."""
    from beltroad.appraisal.metrics import same_state
    from beltroad.appraisal.projects import appraisal_plan, parse_projects
    from beltroad.appraisal.states import build_state

    plan = appraisal_plan(net, [], parse_projects(projects, inventory))
    refs = {t.spec: build_state(net, t.spec) for t in plan.refs}
    return sum(same_state(build_state(net, t.spec), refs[t.ref_spec]) for t in plan.cmps)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cities", default="world-1000")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--projects", default=None, help="N (the first N of the inventory) or P01,P02,...")
    args = ap.parse_args()

    from beltroad.appraisal import appraise
    from beltroad.service import default_session

    s = default_session()
    inventory = sorted(s.network.projects["id"].astype(str).unique())
    projects = args.projects
    if projects is not None and projects.strip().isdigit():
        projects = ",".join(inventory[:max(1, int(projects))])
    n_projects = len(projects.split(",")) if projects else len(inventory)
    tasks = 2 + 2 * n_projects
    full_tasks = 2 + 2 * len(inventory)
    reused = _reused_tasks(s.network, projects, inventory)
    print(f"appraisal of {n_projects} of {len(inventory)} projects x 2 on {args.cities}: {tasks} tasks "
          f"({tasks - reused} skims computed, {reused} tasks whose state equals their reference's reuse its skim)")
    times = {}
    for w in (int(x) for x in args.workers.split(",")):
        out = Path(tempfile.mkdtemp(prefix=f"beltroad-bench-appraise-{w}-"))
        try:
            before = _load()
            t0 = time.perf_counter()
            a = appraise(projects, args.cities, out_dir=out, scheduler=None, workers=w)
            times[w] = time.perf_counter() - t0
        finally:
            shutil.rmtree(out, ignore_errors=True)
        per = times[w] / tasks
        print(f"  {w} worker(s): {times[w]:7.1f} s  ({per:.2f} s per task; top project {a.ranking.iloc[0]['project']}); "
              f"{before} before, {_load()} after")
        if tasks < full_tasks:
            print(f"    extrapolated to all {len(inventory)} projects ({full_tasks} skims) at that rate: "
                  f"{per * full_tasks / 60:.1f} min (not measured; the share of reused tasks differs between subsets)")
    if 1 in times and len(times) > 1:
        for w, t in times.items():
            if w != 1:
                print(f"  speedup with {w} workers: {times[1] / t:.2f}x")
    best = min(times.values())
    wb_s = WORLD_BANK_HOURS * 3600
    print(f"  World Bank code: {WORLD_BANK_HOURS:.0f} h for {WORLD_BANK_TASKS} scenarios; beltroad best: {best / 60:.1f} min "
          f"for {tasks} -> {wb_s / best:,.0f}x faster in total, "
          f"{(wb_s / WORLD_BANK_TASKS) / (best / tasks):,.0f}x per scenario")


if __name__ == "__main__":
    main()
