"""/api/route: ranked route alternatives (the same options, checks and messages as the CLI).

The query is read straight into a `PlanRequest`, which checks every value (as it does for the CLI and the
Python API); its OpenAPI parameters are made from the same fields' metadata. FastAPI's own per-parameter
validation of the 16 options cost ~0.15 ms a request, about as much as the rest of the HTTP stack.
"""
from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from beltroad.api.layers import route_markers
from beltroad.api.models import RouteResponse, errors
from beltroad.api.routers.scenarios import check_scenario
from beltroad.api.state import AppState
from beltroad.io import jsonout
from beltroad.request import MAX_TEXT, PlanRequest

router = APIRouter(tags=["route"])


class JSONBytes(Response):
    """An answer already serialised (cached bytes)."""
    media_type = "application/json"


# query parameter -> PlanRequest field: the API spells the options as the CLI does (`--optimize`, `--avoid-country`)
QUERY_FIELDS = {"origin": "origin", "destination": "destination", "alternatives": "alternatives",
                "optimize": "objective", "mode": "mode", "avoid_country": "avoid_countries",
                "avoid_passage": "avoid_passages", "via": "via", "max_transfers": "max_transfers",
                "max_drayage_km": "max_drayage_km", "teu": "teu", "tonnes": "tonnes",
                "value_of_time": "value_of_time_usd_per_teu_day", "carbon_price": "carbon_price_usd_per_t",
                "scenario": "scenario", "year": "year"}
DESCRIPTIONS = {"origin": "Place name, 'Name, CC', UN/LOCODE, node id or 'lat,lon'", "destination": "Place, as origin", "teu": "TEU moved", "tonnes": "Cargo tonnes, converted to TEU",
                "value_of_time": "USD per TEU per day (generalized objective)",
                "carbon_price": "USD per tonne CO2e (generalized objective)",
                "scenario": "Scenario name (see /api/scenarios)",
                "year": "The scenario's network as of this year (projects open by then)"}
_FIELDS = {f.name: f for f in fields(PlanRequest)}
_LIST_KINDS = ("texts", "places")


def _schema(meta: dict[str, Any]) -> dict[str, Any]:
    kind = meta["kind"]
    if kind in _LIST_KINDS:
        return {"type": "array", "items": {"type": "string"}, "maxItems": meta["max_length"]}
    out: dict[str, Any] = {"int": {"type": "integer"}, "float": {"type": "number"}}.get(kind, {"type": "string"})
    if kind == "choice":
        out["enum"] = list(meta["choices"])
    for limit, key in (("ge", "minimum"), ("gt", "exclusiveMinimum"), ("le", "maximum"), ("max_length", "maxLength")):
        if limit in meta:
            out[key] = meta[limit]
    return out


def query_parameters() -> list[dict[str, Any]]:
    """The OpenAPI description of the query parameters, from PlanRequest's fields (their limits and defaults)."""
    out = []
    for name, field_name in QUERY_FIELDS.items():
        f = _FIELDS[field_name]
        meta = {"max_length": MAX_TEXT, **f.metadata} if f.metadata.get("kind") == "place" else f.metadata
        schema = _schema(meta)
        if f.default is not MISSING and f.default is not None and f.default != ():
            schema["default"] = f.default
        desc = DESCRIPTIONS.get(name) or meta.get("description") or ""
        out.append({"name": name, "in": "query", "required": f.default is MISSING, "schema": schema,
                    "description": desc + (" (repeatable)" if meta["kind"] in _LIST_KINDS else "")})
    return out


def _given(query) -> dict[str, Any]:
    """The PlanRequest fields a query gives: lists as lists, numbers parsed where they parse (so a message quotes
    the number, as the CLI's does), anything else as sent (PlanRequest names the field and what it got)."""
    given: dict[str, Any] = {}
    for name, field_name in QUERY_FIELDS.items():
        kind = _FIELDS[field_name].metadata.get("kind")
        if kind in _LIST_KINDS:
            values = query.getlist(name)
            if values:
                given[field_name] = values
            continue
        value = query.get(name)
        if value is None:
            continue
        if kind in ("int", "float"):
            try:
                value = int(value) if kind == "int" else float(value)
            except ValueError:
                pass
        given[field_name] = value
    return given


@router.get("/api/route", summary="Ranked route alternatives (all CLI options)", response_class=JSONBytes,
            openapi_extra={"parameters": query_parameters()},
            responses={200: {"model": RouteResponse,
                             "description": "PlanResult.to_dict(geometry=True); each route also has `markers` "
                                            "(borders, gauge changes, passages)"}, **errors(404, 422, 503)})
async def route(request: Request) -> Response:
    st: AppState = request.app.state.beltroad
    given = _given(request.query_params)
    if "scenario" in given:
        given["scenario"] = check_scenario(given["scenario"])
    req = PlanRequest.build(**given)
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
