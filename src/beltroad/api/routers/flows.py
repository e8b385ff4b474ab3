"""/api/flows: container flows of a scenario (docs/flows.md) as GeoJSON, with the binding bottlenecks.

The assignment runs off the request path (api/flows_worker.py) and is kept per scenario, so only the
first request of a scenario waits for it (tens of seconds); later ones are served from memory.
"""
from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from beltroad.api.models import FlowsResponse, errors
from beltroad.api.routers.route import JSONBytes
from beltroad.api.routers.scenarios import check_scenario
from beltroad.api.state import ApiError, AppState, get_state
from beltroad.io import jsonout

router = APIRouter(tags=["flows"])


@router.get("/api/flows", summary="Container flows (TEU/yr per link), volume/capacity and bottlenecks of a scenario",
            response_class=JSONBytes, responses={200: {"model": FlowsResponse}, **errors(404, 422, 503)})
async def flows(scenario: str = Query("baseline", max_length=100, description="Scenario name (see /api/scenarios)"),
                min_teu: float = Query(0.0, ge=0, le=1e9, description="Leave out links carrying less (TEU/yr, both directions)"),
                min_vc: float = Query(0.9, ge=0, le=100, description="Bottlenecks: capacity elements at or above this volume/capacity"),
                st: AppState = Depends(get_state)) -> Response:
    name = check_scenario(scenario) or "baseline"
    key = (name, min_teu, min_vc)
    hit = st.flows.get(key)
    if hit is not None:
        return JSONBytes(hit)
    payload = st.flows_worker.result(name)
    if payload is None:
        job = st.flows_worker.submit(name)
        try:
            payload = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(job)), timeout=st.flows_time_limit_s)
        except asyncio.TimeoutError:  # the job goes on and its answer is kept: a retry gets it
            raise ApiError(503, f"The flow assignment of '{name}' is still running after {st.flows_time_limit_s:g} s; "
                                "retry shortly (it is kept once done).", headers={"Retry-After": "15"}) from None
    body = dict(payload)
    body["features"] = [f for f in payload["features"] if f["properties"]["teu_per_year"] >= min_teu]
    body["bottlenecks"] = [e for e in payload["elements"] if e["volume_capacity_ratio"] >= min_vc]
    body["min_teu"], body["min_vc"] = min_teu, min_vc
    body["units"] = {"teu_per_year": "TEU a year, both directions", "volume_capacity_ratio": "flow / capacity",
                     "congestion_delay_hours": "queueing delay per box at the capacity elements on the link, hours"}
    data = await asyncio.to_thread(lambda: jsonout.dumps(body, compact=True).encode())
    st.flows[key] = data
    return JSONBytes(data)
