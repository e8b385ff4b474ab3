"""Container-flow assignments for /api/flows, off the request path, one scenario at a time.

An assignment takes tens of seconds (demand once, then ~25 s a scenario) and holds the interpreter
lock in its tree sweeps, so by default it runs in a worker process (spawned, it loads the network from
the cache) and route requests stay quick; an app given its own session runs it in a worker thread.
Identical requests share one job; a finished job's payload is kept per scenario by the app.
"""
from __future__ import annotations

import threading
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Callable

from cachetools import LRUCache

_SESSION = None


def flows_payload(scenario: str, session=None) -> dict[str, Any]:
    """Everything /api/flows serves for `scenario`: GeoJSON of link flows, all capacity elements, headlines."""
    from beltroad import flows
    from beltroad.flows.report import BINDING_VC, bottleneck_records, flow_features

    global _SESSION
    if session is None:
        if _SESSION is None:
            from beltroad.service import default_session

            _SESSION = default_session()
        session = _SESSION
    res, _ = flows.run(scenario, session=session)
    fc = flow_features(session.network, res)
    ind = flows.indicators(res)
    return {"type": "FeatureCollection", "features": fc["features"], "scenario": scenario,
            "iterations": int(res.iterations), "relative_gap": float(res.gap),
            "assignment_seconds": round(float(res.seconds), 2),
            "total_demand_teu_per_year": round(float(res.demand.sum()), 1), "binding_vc": BINDING_VC,
            "elements": bottleneck_records(res, min_vc=0.0),
            "indicators": [{"indicator": str(i), "teu_per_year": round(float(t), 1)}
                           for i, t in zip(ind["indicator"], ind["teu"])]}


RESULTS_KEPT = 8  # scenarios whose payload is kept (a few MB each)


class FlowsWorker:
    """One assignment at a time; requests for a scenario already running join its job. Finished payloads
    are kept per scenario (LRU), also when every requester has given up waiting for them."""

    def __init__(self, get_session: Callable[[], Any], *, in_process: bool = True):
        self.get_session = get_session
        self.in_process = in_process
        self.jobs: dict[str, Future] = {}
        self.results: LRUCache = LRUCache(RESULTS_KEPT)
        self.lock = threading.Lock()
        self._pool: Executor | None = None

    def result(self, scenario: str) -> dict[str, Any] | None:
        with self.lock:
            return self.results.get(scenario)

    def _executor(self) -> Executor:
        if self._pool is None:
            if self.in_process:
                import multiprocessing as mp

                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))
            else:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="beltroad-flows")
        return self._pool

    def submit(self, scenario: str) -> Future:
        with self.lock:
            job = self.jobs.get(scenario)
            if job is None:
                try:
                    job = self._start(scenario)
                except BrokenExecutor:  # the worker process died (e.g. killed): start a new one
                    self._pool = None
                    job = self._start(scenario)
                self.jobs[scenario] = job
                job.add_done_callback(lambda f, s=scenario: self._forget(s, f))
        return job

    def _start(self, scenario: str) -> Future:
        if self.in_process:
            return self._executor().submit(flows_payload, scenario)
        return self._executor().submit(lambda: flows_payload(scenario, self.get_session()))

    def _forget(self, scenario: str, job: Future) -> None:
        with self.lock:
            if self.jobs.get(scenario) is job:
                del self.jobs[scenario]
            if not job.cancelled() and job.exception() is None:
                self.results[scenario] = job.result()

    def close(self) -> None:
        """Stop the worker: queued jobs are cancelled and a running assignment ends with its process."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list(getattr(pool, "_processes", {}).values())  # ProcessPoolExecutor keeps no public handle
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
