"""Response models of the HTTP API: they document every answer and error in the OpenAPI schema.

Large answers (routes, layers) are sent as pre-serialised JSON, so these models describe them without
re-validating them on each request; `extra="allow"` keeps fields the core adds later.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any, Optional, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from beltroad.places import Place
from beltroad.routing.result import Leg, PlanResult, Route


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class FieldError(BaseModel):
    loc: list[Any] = Field(description="Where the problem is, e.g. ['query', 'teu']")
    msg: str
    type: str


class ErrorResponse(_Open):
    """Every 4xx/5xx answer: `detail` is a sentence a person can act on."""

    detail: str
    errors: Optional[list[FieldError]] = Field(None, description="One entry per invalid parameter (422)")
    query: Optional[str] = Field(None, description="The place query that failed (404/422 of /api/route)")
    suggestions: Optional[list[str]] = Field(None, description="Did-you-mean names for an unknown place")
    candidates: Optional[list[dict[str, Any]]] = Field(None, description="Places an ambiguous name may mean")
    blocking: Optional[list[str]] = Field(None, description="Constraints that leave no route")
    relaxed: Optional[list[str]] = Field(None, description="What lifting each blocking constraint gives")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting `statuses` with `ErrorResponse`."""
    text = {400: "Bad request (e.g. a Host header that is not allowed)", 404: "Not found",
            413: "Request body too large", 422: "Invalid parameter", 429: "Too many comparisons queued; retry later",
            503: "Took longer than the time limit; retry later"}
    return {s: {"model": ErrorResponse, "description": text.get(s, "Error")} for s in statuses}


def model_of(cls: type, name: str, *, exclude: tuple[str, ...] = (), aliases: dict[str, str] | None = None,
             types: dict[str, Any] | None = None, descriptions: dict[str, str] | None = None,
             **more: Any) -> type[BaseModel]:
    """A response model with the fields of the dataclass `cls` (its annotations), so that the fields of an
    answer are listed once, where the core writes them. `exclude`: fields the answer leaves out; `aliases`:
    keys the answer spells otherwise ('from_place' -> 'from'); `types`: fields whose answer is another model;
    `more`: keys the answer adds, as `(type, default or ...)`."""
    hints = get_type_hints(cls)
    aliases, types, descriptions = aliases or {}, types or {}, descriptions or {}
    spec: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in exclude:
            spec[f.name] = (types.get(f.name, hints[f.name]),
                            Field(..., alias=aliases.get(f.name), description=descriptions.get(f.name)))
    return create_model(name, __base__=_Open, __module__=__name__, **spec, **more)


PlaceOut = model_of(
    Place, "PlaceOut", descriptions={"country": "ISO3", "kind": "node | port | city | coordinates",
                                     "node_id": "network place id when the place is a node of the network"},
    match=(Optional[str], Field(None, description="/api/places: prefix | fuzzy (a close spelling: 'did you mean')")),
    source=(Optional[str], Field(None, description="/api/places: beltroad dataset, searoute (ports) or GeoNames "
                                                   "(cities)")))


class PlacesResponse(BaseModel):
    query: str
    places: list[PlaceOut]


class Marker(_Open):
    kind: str = Field(description="border | gauge_change | passage")
    name: str
    detail: str
    hours: Optional[float] = None
    cost_usd: Optional[float] = None
    lon: float
    lat: float


# Leg.to_dict(geometry=True), Route.to_dict and PlanResult.to_dict, with the API's route markers
LegOut = model_of(Leg, "LegOut", exclude=("to_country", "draw"), aliases={"from_place": "from", "to_place": "to"},
                  types={"coordinates": list[list[float]]}, descriptions={"coordinates": "[[lon, lat], ...]",
                                                                          "hours_by_part": "TIME_PARTS -> hours"})
RouteOut = model_of(Route, "RouteOut", exclude=("objective_value",), types={"legs": list[LegOut]},
                    door_to_door_days=(float, Field(..., description="= transit_days")),
                    markers=(list[Marker], Field(..., description="borders, gauge changes and passages, placed")))
RouteResponse = model_of(PlanResult, "RouteResponse", types={"origin": PlaceOut, "destination": PlaceOut,
                                                             "routes": list[RouteOut]})


class ScenarioEntry(BaseModel):
    name: str
    description: str = ""


class ScenariosResponse(BaseModel):
    scenarios: list[ScenarioEntry]
    passages: list[str] = Field(description="Sea passages a route may avoid (`avoid_passage`), in the order the "
                                            "web page lists them")


class FeatureCollection(_Open):
    type: str = "FeatureCollection"
    features: list[dict[str, Any]]
    properties: Optional[dict[str, Any]] = None


class EconomyChange(_Open):
    iso3: str
    name: Optional[str] = None
    region: Optional[str] = None
    bri_member: Optional[bool] = None
    change_days: Optional[float] = Field(None, description="Mean change in transit days (as exporter and importer)")
    change_pct: Optional[float] = Field(None, description="Mean change in transit time, %")
    trade_cost_change_pct: Optional[float] = Field(None, description="Ad valorem trade-cost change, %")


class CompareSummary(BaseModel):
    economies: int
    mean_change_pct: Optional[float] = None
    median_change_pct: Optional[float] = None
    gainers: list[EconomyChange]
    losers: list[EconomyChange]


class CompareResponse(BaseModel):
    base: str
    scenario: str
    cities: str = Field(description="The city set skimmed (bounded: world-200)")
    summary: CompareSummary
    economies: list[EconomyChange]


class FlowProperties(_Open):
    id: str = Field(description="Network link id, or sea:FROM-TO:SERVICE for a sailing leg")
    mode: str
    corridor: Optional[str] = None
    teu_per_year: float = Field(description="TEU a year on the link, both directions")
    teu_per_year_max_direction: float
    volume_capacity_ratio: Optional[float] = Field(None, description="Highest flow/capacity of the capacity "
                                                   "elements limiting the link (null: no capacity set)")
    capacity_element: Optional[str] = None
    congestion_delay_hours: float = Field(description="Queueing delay a box meets on the link, hours")
    length_km: float


class Bottleneck(_Open):
    id: str
    element: str = Field(description="Row id of flows/data/capacity.csv (with :fwd/:rev for one direction)")
    name: str
    links: list[str]
    passage: Optional[str] = None
    capacity_teu_per_year: float
    flow_teu_per_year: float
    volume_capacity_ratio: float
    congestion_delay_hours: float
    binding: bool = Field(description="volume/capacity at or above `binding_vc`")
    year: int
    source: str


class FlowsResponse(_Open):
    """A GeoJSON FeatureCollection of link flows with foreign members (RFC 7946 §6.1) for the rest."""

    type: str = "FeatureCollection"
    features: list[dict[str, Any]] = Field(description="LineString features; `properties` as FlowProperties")
    scenario: str
    iterations: int
    relative_gap: float
    assignment_seconds: float
    total_demand_teu_per_year: float
    binding_vc: float
    min_teu: float
    min_vc: float
    bottlenecks: list[Bottleneck] = Field(description="Capacity elements at or above min_vc, highest v/c first")
    elements: list[Bottleneck] = Field(description="Every capacity element")
    indicators: list[dict[str, Any]]
    units: dict[str, str]
