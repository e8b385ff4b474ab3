"""/api/route: ranked route alternatives (the same options, checks and messages as the CLI)."""
from __future__ import annotations

from typing import List, Optional

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from beltroad.api.layers import route_markers
from beltroad.api.models import RouteResponse, errors
from beltroad.api.state import AppState, get_state
from beltroad.api.routers.scenarios import check_scenario
from beltroad.io import jsonout
from beltroad.request import MAX_LIST_ITEMS, MAX_TEXT, MAX_VIAS, PlanRequest

router = APIRouter(tags=["route"])


class JSONBytes(Response):
    media_type = "application/json"


@router.get("/api/route", summary="Ranked route alternatives (all CLI options)", response_class=JSONBytes,
            responses={200: {"model": RouteResponse, "description": "PlanResult.to_dict(geometry=True); each route "
                             "also has `markers` (borders, gauge changes, passages)"}, **errors(404, 422, 503)})
async def route(
    origin: str = Query(..., max_length=MAX_TEXT, description="Place name, 'Name, CC', UN/LOCODE, node id or 'lat,lon'"),
    destination: str = Query(..., max_length=MAX_TEXT),
    alternatives: int = Query(3, description="1-10"),
    optimize: str = Query("time", description="time | cost | co2 | generalized"),
    mode: str = Query("multimodal", description="multimodal | rail | sea | road | inland_water"),
    avoid_country: List[str] = Query([], max_length=MAX_LIST_ITEMS, description="ISO2/ISO3 code; repeatable"),
    avoid_passage: List[str] = Query([], max_length=MAX_LIST_ITEMS, description="suez, bab-el-mandeb, hormuz, ...; repeatable"),
    via: List[str] = Query([], max_length=MAX_VIAS, description="Place the route must pass; repeatable"),
    max_transfers: Optional[int] = Query(None, description="0-20"),
    max_drayage_km: Optional[float] = Query(None, description="radius (km) of first/last-mile trucking (0-5,000]"),
    teu: float = Query(1.0, description="TEU moved (0-100,000]"),
    tonnes: Optional[float] = Query(None, description="Cargo tonnes (0-10,000,000], converted to TEU"),
    value_of_time: Optional[float] = Query(None, description="USD per TEU per day [0-1,000,000] (generalized objective)"),
    carbon_price: Optional[float] = Query(None, description="USD per tonne CO2e [0-100,000] (generalized objective)"),
    scenario: Optional[str] = Query(None, max_length=100, description="Scenario name (see /api/scenarios)"),
    year: Optional[int] = Query(None, description="1990-2060: the scenario's network as of this year (projects open by then)"),
    st: AppState = Depends(get_state),
) -> Response:
    req = PlanRequest.build(origin=origin, destination=destination, objective=optimize, alternatives=alternatives,
                            mode=mode, avoid_countries=avoid_country, avoid_passages=avoid_passage, via=via,
                            max_transfers=max_transfers, max_drayage_km=max_drayage_km, teu=teu, tonnes=tonnes,
                            value_of_time_usd_per_teu_day=value_of_time, carbon_price_usd_per_t=carbon_price,
                            scenario=check_scenario(scenario), year=year)
    hit = st.routes.get(req)  # a request of text places is hashable: equal requests share an answer
    if hit is None:
        def run() -> bytes:
            s = st.get_session()
            res = s.run(req)
            d = res.to_dict(geometry=True)
            pos = st.place_pos()
            for r in d["routes"]:
                r["markers"] = route_markers(r, pos)
            return jsonout.dumps_bytes(d)

        hit = st.planned(run)
        st.routes[req] = hit
    return JSONBytes(hit)
