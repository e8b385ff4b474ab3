"""Scenario comparisons off the request path: one worker, a bounded queue, real cancellation.

A compare skims two scenarios over the world-200 cities (about a second of CPU each). Run on the
request path it held the planner for that long and stalled every route request. Here compares run
one at a time in a separate worker process (default; another core, no shared interpreter lock) or a
worker thread (when the app was given its own session, which cannot cross processes). At most
`max_queue` distinct compares wait; identical requests share one job. A job whose every requester
gave up is cancelled: the worker process is terminated (and restarted on the next job), the thread
stops at its next progress call.
"""
from __future__ import annotations

import multiprocessing as mp
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from beltroad.analysis import compare

COMPARE_CITIES = "world-200"
ECONOMY_COLUMNS = ("iso3", "name", "region", "bri_member", "change_days", "change_pct", "trade_cost_change_pct")


class Busy(Exception):
    """The queue of comparisons is full."""


class Cancelled(Exception):
    """Every requester of a comparison gave up."""


def economy_changes(session, base: str, scenario: str, progress: Callable | None = None) -> list[dict]:
    """Per-economy changes between two scenarios over the bounded city set, as JSON-ready records."""
    from beltroad.io.jsonout import finite

    c = compare(base, scenario, cities=COMPARE_CITIES, session=session, progress=progress)
    cols = [x for x in ECONOMY_COLUMNS if x in c.economies.columns]
    return finite(c.economies[cols].to_dict(orient="records"))


def _child(conn) -> None:
    """Worker process: load the network once (from the cache), then answer (base, scenario) messages."""
    from beltroad.service import default_session

    session = default_session()
    session.gazetteer
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        try:
            conn.send(("ok", economy_changes(session, *msg)))
        except Exception as exc:  # sent back and raised in the app, which maps it to a status
            try:
                conn.send(("error", exc))
            except Exception:
                conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


@dataclass
class Job:
    key: tuple[str, str]
    future: Future = field(default_factory=Future)
    cancel: threading.Event = field(default_factory=threading.Event)
    waiters: int = 0


class CompareWorker:
    def __init__(self, get_session: Callable[[], Any], *, in_process: bool = True, max_queue: int = 4):
        self.get_session = get_session
        self.in_process = in_process
        self.queue: queue.Queue[Job | None] = queue.Queue(maxsize=max_queue)
        self.jobs: dict[tuple[str, str], Job] = {}
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._proc = None
        self._conn = None
        self.proc_lock = threading.Lock()

    # ---------------------------------------------------------------- requester side
    def submit(self, base: str, scenario: str) -> Job:
        """The job computing (base, scenario); raises `Busy` when the queue is full."""
        key = (base, scenario)
        with self.lock:
            self._start()
            job = self.jobs.get(key)
            if job is None:
                job = Job(key)
                try:
                    self.queue.put_nowait(job)
                except queue.Full:
                    raise Busy() from None
                self.jobs[key] = job
            job.waiters += 1
        return job

    def release(self, job: Job, gave_up: bool) -> None:
        """A requester is done with `job`; the last one to give up cancels it."""
        with self.lock:
            job.waiters -= 1
            if gave_up and job.waiters <= 0 and not job.future.done():
                job.cancel.set()
                if self.jobs.get(job.key) is job:
                    del self.jobs[job.key]

    def warm(self) -> None:
        """Start the worker process (it loads the network) before the first request needs it."""
        if self.in_process:
            self._ensure_process()

    def close(self) -> None:
        with self.lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            for job in list(self.jobs.values()):
                job.cancel.set()
            self.queue.put(None)
            thread.join(timeout=5)
        self._stop_process()

    # ---------------------------------------------------------------- worker side
    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="beltroad-compare", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            job = self.queue.get()
            if job is None:
                return
            if job.cancel.is_set():
                continue
            try:
                result = self._run_in_process(job) if self.in_process else self._run_in_thread(job)
            except Cancelled:
                job.future.cancel()
            except BaseException as exc:  # delivered to the requesters
                job.future.set_exception(exc)
            else:
                job.future.set_result(result)
            finally:
                with self.lock:
                    if self.jobs.get(job.key) is job:
                        del self.jobs[job.key]

    def _run_in_thread(self, job: Job) -> list[dict]:
        def progress(name: str, done: int, total: int) -> None:
            if job.cancel.is_set():
                raise Cancelled()

        return economy_changes(self.get_session(), *job.key, progress=progress)

    def _ensure_process(self) -> None:
        with self.proc_lock:
            if self._proc is None or not self._proc.is_alive():
                self._spawn()

    def _spawn(self) -> None:
        ctx = mp.get_context("spawn")  # no fork of a threaded server
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_child, args=(child,), name="beltroad-compare", daemon=True)
        self._proc.start()
        child.close()

    def _stop_process(self) -> None:
        with self.proc_lock:
            proc, conn, self._proc, self._conn = self._proc, self._conn, None, None
        if proc is not None:
            proc.terminate()
            proc.join(timeout=5)
        if conn is not None:
            conn.close()

    def _run_in_process(self, job: Job) -> list[dict]:
        self._ensure_process()
        proc, conn = self._proc, self._conn
        conn.send(job.key)
        while not conn.poll(0.05):
            if job.cancel.is_set():
                self._stop_process()  # real cancellation: the computation ends with its process
                raise Cancelled()
            if not proc.is_alive():
                self._stop_process()
                raise RuntimeError("the comparison worker process ended unexpectedly")
        status, payload = conn.recv()
        if status == "error":
            raise payload
        return payload

