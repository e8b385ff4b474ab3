"""Run appraisal and sweep tasks in-process or on dask.distributed, writing one Parquet partition per task.

Two stages. Reference skims (`RefTask`: the base and the all-projects network, or a sweep draw's base) are
skimmed first and written to `skims/<key>.parquet`; comparison tasks (`CmpTask`) skim one more state, measure
it against their reference and write `parts/<key>.parquet` (the long table of `metrics.changes`). A rerun
with the same output folder reads what is written and only runs the rest, so a killed run resumes.

On dask, the network and the city set travel to each worker once, inside a worker plugin (also given to
workers that join or replace a lost one); each skim is one task with retries, and the scheduler reruns the
tasks of a worker that died. Partitions are written by the client as results arrive, so workers on other
machines need no shared disk.
"""
from __future__ import annotations

import json
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from distributed import WorkerPlugin

from .metrics import Context, changes, same_state
from .states import StateSpec, build_state

_CONTEXTS: dict[str, Context] = {}  # per process: run id -> context (set by the worker plugin or in-process)
PLUGIN_NAME = "beltroad-appraisal-context"


@dataclass(frozen=True)
class RefTask:
    key: str
    spec: StateSpec


@dataclass(frozen=True)
class CmpTask:
    key: str
    spec: StateSpec
    ref: str                      # key of the RefTask it is measured against
    labels: tuple[tuple[str, object], ...] = ()   # columns added to its rows (project, direction, draw, ...)
    reverse: bool = False         # measure from this state to the reference (a project's effect in complement)
    pct_per_day: float = 1.35
    cargo_usd: float = 54500.0
    theta: float = 5.03
    ref_spec: StateSpec | None = None   # the reference's state: a task whose state equals it reuses its skim


@dataclass
class Plan:
    refs: list[RefTask]
    cmps: list[CmpTask]
    meta: dict = field(default_factory=dict)


def _ctx(run_id: str) -> Context:
    if run_id not in _CONTEXTS:
        raise RuntimeError(f"worker has no context for run {run_id} (plugin not registered)")
    return _CONTEXTS[run_id]


def run_ref(run_id: str, task: RefTask) -> dict[str, np.ndarray]:
    """Skim a reference state (one task)."""
    return _ctx(run_id).skim(task.spec)


def run_cmp(run_id: str, task: CmpTask, ref: dict[str, np.ndarray]) -> pd.DataFrame:
    """Skim a state and measure it against its reference (one task)."""
    ctx = _ctx(run_id)
    state = build_state(ctx.net, task.spec)
    if task.ref_spec is not None and same_state(state, ctx.reference_state(task.ref_spec)):
        own = ref  # the same edge state skims to the same numbers
    else:
        own = ctx.skim_state(state)
    a, b = (own, ref) if task.reverse else (ref, own)
    df = changes(ctx, a, b, task.pct_per_day, task.cargo_usd, task.theta)
    for k, v in task.labels:
        df[k] = v
    df["task"] = task.key
    return df


class ContextPlugin(WorkerPlugin):
    """Worker plugin: unpickles the network and the city set once per worker process and builds the context."""

    name = PLUGIN_NAME

    def __init__(self, run_id: str, payload: bytes, objective: str, numba_threads: int = 1):
        self.run_id, self.payload, self.objective, self.numba_threads = run_id, payload, objective, numba_threads
        self.name = f"{PLUGIN_NAME}-{run_id}"

    def setup(self, worker=None) -> None:
        try:
            import numba

            numba.set_num_threads(max(1, min(self.numba_threads, numba.config.NUMBA_NUM_THREADS)))
        except Exception:  # pragma: no cover - numba optional
            pass
        net, places = pickle.loads(self.payload)
        _CONTEXTS[self.run_id] = Context(net, places, self.objective)

    def teardown(self, worker=None) -> None:
        _CONTEXTS.pop(self.run_id, None)

    def transition(self, key, start, finish, **kwargs) -> None:  # WorkerPlugin protocol
        pass


def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)  # a partition is either whole or absent: a killed run never leaves half a file


def _write_ref(out: Path, key: str, arrays: dict[str, np.ndarray]) -> None:
    _atomic_parquet(pd.DataFrame(arrays), out / "skims" / f"{key}.parquet")


def _read_ref(out: Path, key: str) -> dict[str, np.ndarray] | None:
    p = out / "skims" / f"{key}.parquet"
    if not p.exists():
        return None
    df = pd.read_parquet(p)
    return {c: df[c].to_numpy(float) for c in df.columns}


def _part_path(out: Path, key: str) -> Path:
    if len(key) > 120:  # a bundle of many projects: name the file by a digest (file names stop at 255 bytes)
        import hashlib

        key = f"{key[:60]}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    return out / "parts" / f"{key}.parquet"


def _check_manifest(out: Path, meta: dict) -> None:
    """Partitions of an output folder belong to one run definition; refuse to mix two."""
    out.mkdir(parents=True, exist_ok=True)
    f = out / "run.json"
    want = json.dumps(meta, sort_keys=True, default=str)
    if f.exists():
        have = f.read_text()
        if json.loads(have).get("fingerprint") != meta.get("fingerprint"):
            raise ValueError(f"{out} holds partitions of a different run (other cities, projects, spec or data); "
                             "use another --out folder or delete it")
        return
    f.write_text(want)


def execute(plan: Plan, net, places, out_dir: str | Path | None, *, objective: str = "time",
            scheduler: str | None = None, workers: int | None = None,
            progress: Callable[[int, int], None] | None = None, client=None,
            scratch_prefix: str = "beltroad-") -> pd.DataFrame:
    """Run the plan's missing tasks and return all partitions stacked.

    out_dir: where partitions are kept (a rerun resumes); None -> a temporary folder named `scratch_prefix`...,
    removed afterwards. scheduler: None -> a LocalCluster with `workers` processes (default: one per core);
    "inline" -> this process, no dask; "tcp://host:8786" -> an existing cluster (also DASK_SCHEDULER_ADDRESS).
    `client`: an existing dask Client (tests).
    """
    if out_dir is None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix=scratch_prefix) as tmp:
            return execute(plan, net, places, tmp, objective=objective, scheduler=scheduler, workers=workers,
                           progress=progress, client=client)
    out = Path(out_dir)
    _check_manifest(out, plan.meta)
    refs: dict[str, dict[str, np.ndarray] | None] = {t.key: _read_ref(out, t.key) for t in plan.refs}
    todo_cmp = [t for t in plan.cmps if not _part_path(out, t.key).exists()]
    needed = {t.ref for t in todo_cmp}
    todo_ref = [t for t in plan.refs if refs[t.key] is None and t.key in needed]
    total = len(plan.refs) + len(plan.cmps)
    done = total - len(todo_ref) - len(todo_cmp)
    if progress:
        progress(done, total)
    if todo_ref or todo_cmp:
        scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
        run_id = str(plan.meta.get("fingerprint", "run"))[:16]
        if scheduler == "inline" and client is None:
            _CONTEXTS[run_id] = _CONTEXTS.get(run_id) or Context(net, places, objective)
            for t in todo_ref:
                refs[t.key] = run_ref(run_id, t)
                _write_ref(out, t.key, refs[t.key])
                done += 1
                progress and progress(done, total)
            for t in todo_cmp:
                _atomic_parquet(run_cmp(run_id, t, refs[t.ref]), _part_path(out, t.key))
                done += 1
                progress and progress(done, total)
        else:
            _run_dask(run_id, plan, net, places, out, objective, scheduler, workers, todo_ref, todo_cmp, refs,
                      done, total, progress, client)
    parts = [pd.read_parquet(_part_path(out, t.key)) for t in plan.cmps]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _run_dask(run_id, plan, net, places, out, objective, scheduler, workers, todo_ref, todo_cmp, refs, done, total,
              progress, client) -> None:
    from distributed import Client, LocalCluster, as_completed

    own_cluster = own_client = None
    if client is None:
        if scheduler:
            own_client = client = Client(scheduler)
        else:
            n = workers or os.cpu_count() or 1
            own_cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
            own_client = client = Client(own_cluster)
    try:
        nthreads = client.nthreads() or {}
        per_worker = max(nthreads.values()) if nthreads else 1
        client.register_plugin(ContextPlugin(run_id, pickle.dumps((net, places)), objective, per_worker),
                               name=f"{PLUGIN_NAME}-{run_id}")
        ref_futs = {t.key: client.submit(run_ref, run_id, t, key=f"ref-{run_id}-{t.key}", retries=3, pure=False)
                    for t in todo_ref}
        # references read back from disk: replicated on every worker, so losing one worker loses no input
        ready = {k: client.scatter([v], broadcast=True)[0] for k, v in refs.items()
                 if v is not None and any(t.ref == k for t in todo_cmp)}
        futs = dict(ref_futs)
        cmp_of = {}
        for t in todo_cmp:
            ref = ref_futs.get(t.ref) or ready[t.ref]
            f = client.submit(run_cmp, run_id, t, ref, key=f"cmp-{run_id}-{t.key}", retries=3, pure=False)
            cmp_of[f.key] = t
            futs[t.key] = f
        ref_of = {f.key: k for k, f in ref_futs.items()}
        for fut in as_completed(list(futs.values())):
            res = fut.result()
            if fut.key in ref_of:
                _write_ref(out, ref_of[fut.key], res)
            else:
                _atomic_parquet(res, _part_path(out, cmp_of[fut.key].key))
            done += 1
            if progress:
                progress(done, total)
        client.unregister_worker_plugin(f"{PLUGIN_NAME}-{run_id}")
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()


__all__ = ["CmpTask", "ContextPlugin", "Plan", "RefTask", "execute", "run_cmp", "run_ref"]
