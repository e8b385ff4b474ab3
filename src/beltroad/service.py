"""The Python API that the CLI, the HTTP API and notebooks share.

One `Session` loads the network once and keeps a planner per scenario. Module-level helpers
(`plan`, `resolve_place`, `load_network`) use a default session.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from cachetools import LRUCache

from beltroad.cache import cached_pickle, entry_path
from beltroad.geo import haversine_km
from beltroad.network.build import TERMINAL_KINDS, Network, load_network as _load_network
from beltroad.places import Gazetteer, Place, PlaceError
from beltroad.request import OBJECTIVES, PlanRequest, RequestError
from beltroad.routing.engine import REACH_LIMIT_KM
from beltroad.routing.planner import Planner, RouteError, normalize_constraints
from beltroad.routing.result import PlanResult
from beltroad.scenario.files import ScenarioError
from beltroad.scenario.state import EdgeState, baseline_state

if TYPE_CHECKING:
    import pandas as pd

PLANNERS_KEPT = 32  # planners a session keeps (scenario x month x year), each with its own edge state and masks
GAZETTEER_CACHE_VERSION = "2"  # 2: the name index pickled as text + array
# REACH_LIMIT_KM (routing.engine, a modelling choice): a place whose nearest terminal is farther by road is not
# served by the network (islands, open sea, the poles) and gets an error instead of a truck leg.


def gazetteer_cache_path(net: Network):
    """Where the gazetteer of `net` is cached (it depends on the network's content and the code)."""
    return entry_path("gazetteer", net.content_hash, f"v{GAZETTEER_CACHE_VERSION}")


@dataclass
class Session:
    network: Network
    _gazetteer: Gazetteer | None = None
    _planners: LRUCache = field(default_factory=lambda: LRUCache(PLANNERS_KEPT))  # key -> Planner
    _planners_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # the API plans in threads
    _terminals: dict[str, np.ndarray] | None = None  # name and country of the terminal places
    _terminal_lat: np.ndarray | None = None
    _terminal_lon: np.ndarray | None = None

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            gz = cached_pickle(gazetteer_cache_path(self.network), lambda: Gazetteer(self.network), expected=Gazetteer)
            gz.net = self.network  # not pickled: the network is cached on its own
            self._gazetteer = gz
        return self._gazetteer

    def resolve(self, query: str | Place) -> Place:
        return query if isinstance(query, Place) else self.gazetteer.resolve(query)

    def state(self, scenario: str | None = None) -> EdgeState:
        return self.planner(scenario).state

    def planner(self, scenario: str | None = None) -> Planner:
        key = scenario or "baseline"
        return self._kept_planner(key, lambda: Planner(self.network, self._scenario_state(key)))

    def planner_for_month(self, scenario: str | None, month: int | None, year: int | None = None) -> Planner:
        """The scenario's planner with seasonal links (mountain passes) closed in that month, and/or its
        network as of `year` (the web page's year slider)."""
        def build() -> Planner:
            from beltroad.scenario import load_scenario, apply_scenario

            update = {k: v for k, v in (("month", month), ("year", year)) if v is not None}
            sc = load_scenario(scenario or "baseline").model_copy(update=update)
            return Planner(self.network, apply_scenario(self.network, sc))

        return self._kept_planner(f"{scenario or 'baseline'}@month={month}@year={year}", build)

    def _kept_planner(self, key: str, build) -> Planner:
        """The planner kept under `key`, else `build()` (kept, the least recently used one dropped beyond
        PLANNERS_KEPT: the API's year and month options would otherwise keep one per combination)."""
        with self._planners_lock:
            planner = self._planners.get(key)
        if planner is None:
            planner = build()  # outside the lock: two threads may build the same planner, both correct
            with self._planners_lock:
                planner = self._planners.setdefault(key, planner)
        return planner

    def _scenario_state(self, name: str) -> EdgeState:
        if name == "baseline":
            return baseline_state(self.network)
        from beltroad.scenario import apply_scenario, load_scenario

        return apply_scenario(self.network, load_scenario(name))

    def plan(self, origin: str | Place, destination: str | Place, **options) -> PlanResult:
        """Ranked, meaningfully different routes from `origin` to `destination` (see docs/model.md).

        Parameters
        ----------
        origin, destination : str or Place
            What a user types (name, 'Name, CC', UN/LOCODE, node id, 'lat,lon') or a resolved place.
        **options
            The fields of `PlanRequest` (objective, alternatives, mode, teu, ...), with their units and limits.

        Raises
        ------
        RequestError, PlaceError, RouteError, ScenarioError
            See `ERRORS` for how each is reported by the CLI and the HTTP API.
        """
        return self.run(PlanRequest.build(origin=origin, destination=destination, **options))

    def run(self, req: PlanRequest) -> PlanResult:
        """Plan a validated request."""
        o, d = self.resolve(req.origin), self.resolve(req.destination)
        if _same_place(o, d):
            raise RequestError(f"Origin and destination are the same place ({o.label}): there is nothing to move.")
        vias = tuple(self.resolve(v) for v in req.via)
        c = normalize_constraints(mode=req.mode, avoid_countries=req.avoid_countries,
                                  avoid_passages=req.avoid_passages, via=vias, max_transfers=req.max_transfers,
                                  max_drayage_km=req.max_drayage_km)
        planner = self.planner(req.scenario)
        if req.month is not None or req.year is not None:
            planner = self.planner_for_month(req.scenario, req.month, req.year)
        for p in (o, d, *vias):
            self._check_reach(p)
        if req.value_of_time_usd_per_teu_day is not None or req.carbon_price_usd_per_t is not None:
            vot, co2 = req.value_of_time_usd_per_teu_day, req.carbon_price_usd_per_t
            state = replace(planner.state,
                            value_of_time_usd_per_day=planner.state.value_of_time_usd_per_day if vot is None else vot,
                            carbon_price_usd_per_t=planner.state.carbon_price_usd_per_t if co2 is None else co2)
            planner = Planner(self.network, state, access=planner.access)  # fresh weights, shared access index
        teu = req.teu
        if req.tonnes is not None:
            teu = req.tonnes / self.teu_payload_t
        label = ((req.scenario or "baseline") + (f" (month {req.month})" if req.month is not None else "")
                 + (f" (year {req.year})" if req.year is not None else ""))
        return planner.plan(o, d, objective=req.objective, alternatives=req.alternatives, constraints=c, teu=teu,
                            scenario_label=label)

    def timeline(self, origin: str | Place, destination: str | Place, from_year: int = 2013, to_year: int = 2030,
                 objective: str = "time") -> tuple[Place, Place, "pd.DataFrame"]:
        """Best route for each year from `from_year` to `to_year` (see `analysis.timeline`)."""
        from beltroad.analysis.timeline import MAX_YEAR, MIN_YEAR, best_route_by_year

        _check_objective(objective)
        if not MIN_YEAR <= from_year <= to_year <= MAX_YEAR:
            raise RequestError(f"years must satisfy {MIN_YEAR} <= from <= to <= {MAX_YEAR} "
                               f"(got from {from_year}, to {to_year})")
        o, d = self.resolve(origin), self.resolve(destination)
        if _same_place(o, d):
            raise RequestError(f"Origin and destination are the same place ({o.label}): there is nothing to move.")
        return o, d, best_route_by_year(self.network, o, d, range(from_year, to_year + 1), objective)

    def skim(self, scenario: str = "baseline", cities: str = "world-1000", objective: str = "time",
             progress=None) -> "pd.DataFrame":
        """Best route totals for every ordered pair of a city set (see `routing.skim`)."""
        from beltroad.data.cities import city_set
        from beltroad.routing.skim import skim

        _check_objective(objective)
        places = city_set(cities, self.gazetteer)
        return skim(self.network, self.state(scenario), places, objective=objective, progress=progress)

    @property
    def teu_payload_t(self) -> float:
        """Tonnes of cargo per TEU used to convert `tonnes` (parameters.yaml, `teu_payload_t`)."""
        return float(self.network.params["teu_payload_t"]["value"])

    def _check_reach(self, p: Place) -> None:
        """A place farther than REACH_LIMIT_KM by road from every terminal has nothing of the network within reach."""
        if p.node_id:
            return
        if self._terminals is None:
            net = self.network
            rows = np.flatnonzero(np.isin(net.column("places", "kind"), list(TERMINAL_KINDS)))
            self._terminals = {c: net.column("places", c)[rows] for c in ("name", "country")}
            self._terminal_lat = net.column("places", "lat")[rows].astype(float)
            self._terminal_lon = net.column("places", "lon")[rows].astype(float)
        t = self._terminals
        circuity = float(self.network.params["circuity"]["access_road"]["value"])
        km = haversine_km(p.lat, p.lon, self._terminal_lat, self._terminal_lon) * circuity
        i = int(np.argmin(km))
        if km[i] > REACH_LIMIT_KM:
            raise RequestError(f"Nothing of the network is within reach of {p.label}: the nearest terminal, "
                               f"{t['name'][i]} ({t['country'][i]}), is {float(km[i]):,.0f} km away by road "
                               f"(limit {REACH_LIMIT_KM:,.0f} km).")


def _check_objective(objective: str) -> None:
    if objective not in OBJECTIVES:
        raise RequestError(f"objective '{objective}' is not one of {', '.join(OBJECTIVES)}")


def _same_place(a: Place, b: Place) -> bool:
    if a.node_id and a.node_id == b.node_id:
        return True
    return (round(a.lat, 4), round(a.lon, 4)) == (round(b.lat, 4), round(b.lon, 4))


@lru_cache(maxsize=1)
def default_session() -> Session:
    return Session(network=_load_network())


def load_network() -> Network:
    """The embedded network (cached on disk); `.tables()` gives its DataFrames."""
    return default_session().network


def resolve_place(query: str) -> Place:
    return default_session().resolve(query)


def plan(origin: str | Place, destination: str | Place, **options) -> PlanResult:
    """Plan a container move; options as `Session.plan`."""
    return default_session().plan(origin, destination, **options)


# ------------------------------------------------------------------------------------ errors
@dataclass(frozen=True)
class ErrorOutcome:
    """How a face reports an exception: CLI exit code and HTTP status."""

    exit_code: int
    http_status: int


# one table for every face; the first matching row wins (subclasses before their bases)
ERRORS: tuple[tuple[type[BaseException], ErrorOutcome], ...] = (
    (RouteError, ErrorOutcome(exit_code=3, http_status=422)),      # valid request, no route satisfies it
    (RequestError, ErrorOutcome(exit_code=2, http_status=422)),    # invalid numbers, same place, out of reach
    (ScenarioError, ErrorOutcome(exit_code=2, http_status=404)),   # unknown or malformed scenario
    (PlaceError, ErrorOutcome(exit_code=2, http_status=404)),      # unknown place (ambiguous: see outcome_of)
    (ValueError, ErrorOutcome(exit_code=2, http_status=422)),      # other bad input (mode, passage, country)
)
USER_ERRORS = tuple(t for t, _ in ERRORS)


def outcome_of(exc: BaseException) -> ErrorOutcome | None:
    """The exit code and HTTP status for `exc`, or None when it is not a user error (a bug)."""
    if isinstance(exc, PlaceError) and exc.candidates:
        return ErrorOutcome(exit_code=2, http_status=422)  # ambiguous: the request needs a country code
    for kind, outcome in ERRORS:
        if isinstance(exc, kind):
            return outcome
    return None


__all__ = ["ERRORS", "ErrorOutcome", "PlaceError", "PlanRequest", "REACH_LIMIT_KM", "RequestError", "RouteError",
           "ScenarioError", "Session", "USER_ERRORS", "default_session", "load_network", "outcome_of", "plan",
           "resolve_place"]
