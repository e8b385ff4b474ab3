"""What the app keeps between requests: the session, LRU caches, the compare worker, time limits."""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable

from cachetools import LRUCache
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from beltroad.api.compare_worker import CompareWorker
from beltroad.api.flows_worker import FlowsWorker
from beltroad.routing.deadline import PlanningTimeout, time_limit

ROUTE_CACHE_SIZE = 512
PLACES_CACHE_SIZE = 4096
COMPARE_CACHE_SIZE = 64
LAYER_CACHE_SIZE = 128
FLOWS_CACHE_SIZE = 32        # serialised /api/flows answers (scenario, min_teu, min_vc)


class ApiError(Exception):
    """An answer other than 200, with a message (`detail`) and optional extra fields."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any):
        self.status, self.message, self.headers, self.extra = status, message, headers, extra


class AppState:
    """Session, caches and workers of one app. Caches are touched only on the event loop (no locks needed)."""

    def __init__(self, session=None, *, time_limit_s: float, compare_in_process: bool, compare_queue: int,
                 flows_time_limit_s: float = 300.0):
        self.session = session
        self.time_limit_s = time_limit_s
        self.flows_time_limit_s = flows_time_limit_s
        self.load_lock = threading.Lock()
        self.routes: LRUCache = LRUCache(ROUTE_CACHE_SIZE)
        self.places: LRUCache = LRUCache(PLACES_CACHE_SIZE)
        self.layers: LRUCache = LRUCache(LAYER_CACHE_SIZE)
        self.compares: LRUCache = LRUCache(COMPARE_CACHE_SIZE)
        self.compare_worker = CompareWorker(self.get_session, in_process=compare_in_process, max_queue=compare_queue)
        self.flows: LRUCache = LRUCache(FLOWS_CACHE_SIZE)
        self.flows_worker = FlowsWorker(self.get_session, in_process=compare_in_process)
        self._place_pos: dict[str, tuple[float, float]] | None = None

    def get_session(self):
        if self.session is None:
            with self.load_lock:
                if self.session is None:
                    from beltroad.service import default_session

                    s = default_session()
                    s.gazetteer.ranked("warm", 1)  # warm the name index and its sorted keys
                    # ... and the name -> place dict: without it every lookup scans the packed ~3 MB key text
                    # (`Gazetteer._positions`, made for one-shot CLI commands): ~0.5 ms per route request
                    s.gazetteer.index
                    from beltroad.routing.engine import warm_compiled_search

                    warm_compiled_search()  # a server answers many queries: the compiled point search pays off
                    # the network places' access links and masks (~0.1 s once), not in the first route's time
                    s.planner().warm_place_tables()
                    self.session = s
        return self.session

    def place_pos(self) -> dict[str, tuple[float, float]]:
        """Position of each dataset place by name (and by each part of a 'A / B' name), for route markers."""
        if self._place_pos is None:
            pos: dict[str, tuple[float, float]] = {}
            for r in self.get_session().network.places.itertuples(index=False):
                if r.origin == "searoute":
                    continue
                pos.setdefault(str(r.name), (float(r.lon), float(r.lat)))
                for part in str(r.name).split(" / "):
                    pos.setdefault(part.strip(), (float(r.lon), float(r.lat)))
            self._place_pos = pos
        return self._place_pos

    async def bounded(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` in the thread pool within the time limit (503 when it takes longer)."""
        try:
            return await asyncio.wait_for(run_in_threadpool(fn), timeout=self.time_limit_s)
        except asyncio.TimeoutError:
            raise self._too_long() from None

    def planned(self, fn: Callable[[], Any]) -> Any:
        """Run planning `fn` here, on the event loop, under the time limit (503 beyond: the planner stops at its
        next search). With one worker process per core a thread hand-off only adds CPU (GIL switches, wake-ups:
        ~0.9 ms of a ~4 ms computed route); a plan takes milliseconds (a scenario's first, ~0.2 s)."""
        try:
            with time_limit(self.time_limit_s):
                return fn()
        except PlanningTimeout:
            raise self._too_long() from None

    def _too_long(self) -> ApiError:
        return ApiError(503, f"The request took longer than {self.time_limit_s:g} s; try fewer alternatives or "
                             "fewer constraints, or retry shortly.", headers={"Retry-After": "5"})


async def get_state(request: Request) -> AppState:
    """The app's state (async: FastAPI runs a plain-function dependency in its thread pool, a hop per request)."""
    return request.app.state.beltroad
