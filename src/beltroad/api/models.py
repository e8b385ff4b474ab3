"""Response models of the HTTP API: they document every answer and error in the OpenAPI schema.

Large answers (routes, layers) are sent as pre-serialised JSON, so these models describe them without
re-validating them on each request; `extra="allow"` keeps fields the core adds later.
"""
from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field


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


class PlaceOut(_Open):
    name: str
    country: str = Field(description="ISO3")
    lat: float
    lon: float
    kind: str = Field(description="node | port | city | coordinates")
    node_id: Optional[str] = None
    population: int = 0
    locode: str = ""
    match: Optional[str] = Field(None, description="prefix | fuzzy (a close spelling: 'did you mean')")
    source: Optional[str] = Field(None, description="beltroad dataset, searoute (ports) or GeoNames (cities)")


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


class LegOut(_Open):
    mode: str
    from_: str = Field(alias="from")
    to: str
    distance_km: float
    transit_hours: float
    cost_usd: float
    co2_kg: float
    detail: str
    coordinates: list[list[float]] = []


class RouteOut(_Open):
    rank: int
    summary: str
    main_mode: str
    distance_km: float
    transit_days: float
    cost_usd: float
    co2_kg: float
    countries: list[str]
    passages: list[str]
    legs: list[LegOut]
    markers: list[Marker]


class RouteResponse(_Open):
    origin: PlaceOut
    destination: PlaceOut
    scenario: str
    objective: str
    quantity: str
    value_of_time_usd_per_teu_day: float
    carbon_price_usd_per_t: float
    routes: list[RouteOut]
    notes: list[str]


class ScenarioEntry(BaseModel):
    name: str
    description: str = ""


class ScenariosResponse(BaseModel):
    scenarios: list[ScenarioEntry]


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
