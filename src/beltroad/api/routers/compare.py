"""/api/compare: per-economy change between two scenarios, computed off the request path."""
from __future__ import annotations

import asyncio
import statistics

from fastapi import APIRouter, Depends, Query

from beltroad.api.compare_worker import COMPARE_CITIES, Busy
from beltroad.api.models import CompareResponse, errors
from beltroad.api.routers.scenarios import check_scenario
from beltroad.api.state import ApiError, AppState, get_state

router = APIRouter(tags=["compare"])
MAX_ECONOMIES = 300  # world-200 cities span about 250 economies


@router.get("/api/compare", summary="Per-economy change between two scenarios (bounded: world-200 cities)",
            response_model=CompareResponse, responses=errors(404, 422, 429, 503))
async def compare(base: str = Query("baseline", max_length=100), scenario: str = Query(..., max_length=100),
                  top: int = Query(10, ge=1, le=50, description="How many top gainers / losers"),
                  st: AppState = Depends(get_state)) -> dict:
    b = check_scenario(base) or "baseline"
    s = check_scenario(scenario) or "baseline"
    rows = st.compares.get((b, s))  # `top` only shapes the answer: not part of the key
    if rows is None:
        try:
            job = st.compare_worker.submit(b, s)
        except Busy:
            raise ApiError(429, "Too many scenario comparisons are queued; retry in a few seconds.",
                           headers={"Retry-After": "5"}) from None
        gave_up = True
        try:
            rows = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(job.future)), timeout=st.time_limit_s)
            gave_up = False
        except asyncio.TimeoutError:
            raise ApiError(503, f"The comparison took longer than {st.time_limit_s:g} s; retry shortly.",
                           headers={"Retry-After": "10"}) from None
        finally:
            st.compare_worker.release(job, gave_up)
        st.compares[(b, s)] = rows
    return summarise(b, s, rows[:MAX_ECONOMIES], top)


def summarise(base: str, scenario: str, rows: list[dict], top: int) -> dict:
    """Mean and median change and the `top` gainers and losers (by change in transit time)."""
    ranked = sorted((r for r in rows if r.get("change_pct") is not None), key=lambda r: r["change_pct"])
    values = [r["change_pct"] for r in ranked]
    summary = {"economies": len(rows),
               "mean_change_pct": round(statistics.fmean(values), 3) if values else None,
               "median_change_pct": round(statistics.median(values), 3) if values else None,
               "gainers": ranked[:top], "losers": ranked[::-1][:top]}
    return {"base": base, "scenario": scenario, "cities": COMPARE_CITIES, "summary": summary, "economies": rows}
