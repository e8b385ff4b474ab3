"""A time limit that stops planning, not only the wait for it.

The HTTP API plans on its event loop (one worker process per core: a thread hand-off per request cost more
CPU than the HTTP stack itself). A limit enforced from outside could then only give up waiting; instead the
planner checks the caller's deadline before every search it runs, so a query past its time stops and frees
the worker. The deadline lives in a context variable: each request (an asyncio task, or a thread) has its own.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

_clock = time.monotonic  # a test replaces it with a fake clock
_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("beltroad_planning_deadline", default=None)


class PlanningTimeout(RuntimeError):
    """Planning went past the time limit its caller set (`time_limit`)."""

    def __init__(self, limit_s: float):
        super().__init__(f"Planning took longer than {limit_s:g} s.")
        self.limit_s = limit_s


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Planning inside the block raises `PlanningTimeout` at its next search once `seconds` have passed."""
    token = _DEADLINE.set((_clock() + seconds, seconds))  # (when, the limit to name)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check() -> None:
    """Raise `PlanningTimeout` when the caller's deadline has passed (no deadline: never)."""
    limit = _DEADLINE.get()
    if limit is not None and _clock() > limit[0]:
        raise PlanningTimeout(limit[1])
