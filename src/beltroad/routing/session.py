"""A session: one network with its gazetteer, a planner per scenario and the tables derived from them.

It sits below analysis, appraisal and flows (which plan with it) and below `beltroad.service` (which adds
the face-facing parts: the module-level wrappers, `Session.timeline` and the error table). The imports stay
those the planner needs, so a cold `beltroad route` loads no pandas or pydantic.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import numpy as np
from cachetools import LRUCache

from beltroad.data.cache import cached_pickle, entry_path
from beltroad.data.geo import haversine_km
from beltroad.network.build import TERMINAL_KINDS, Network, load_network
from beltroad.places import Gazetteer, Place
from beltroad.request import OBJECTIVES, PlanRequest, RequestError
from beltroad.routing.engine import REACH_LIMIT_KM
from beltroad.routing.planner import Planner, normalize_constraints
from beltroad.routing.result import PlanResult
from beltroad.scenario.state import EdgeState, baseline_state

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

T = TypeVar("T")

PLACES_RESOLVED_KEPT = 4096  # place texts a session remembers the answer to (the gazetteer's index is read-only)
PLANNERS_KEPT = 32  # planners a session keeps (scenario x month x year), each with its own edge state and masks
GAZETTEER_CACHE_VERSION = "2"  # 2: the name index pickled as text + array
# REACH_LIMIT_KM (routing.engine, a modelling choice): a place whose nearest terminal is farther by road is not
# served by the network (islands, open sea, the poles) and gets an error instead of a truck leg.


def gazetteer_cache_path(net: Network) -> "Path":
    """Where the gazetteer of `net` is cached (it depends on the network's content and the code).

    Parameters
    ----------
    net : Network
        The network whose places the gazetteer indexes.

    Returns
    -------
    Path
        The cache entry, keyed by the network's content hash and `GAZETTEER_CACHE_VERSION`.
    """
    return entry_path("gazetteer", net.content_hash, f"v{GAZETTEER_CACHE_VERSION}")


@dataclass
class Session:
    """One network, its gazetteer, a planner per scenario and the tables derived from them, loaded once.

    Parameters
    ----------
    network : Network
        The network to plan on (`default_session()` uses the embedded one).

    Notes
    -----
    Planners are kept in a bounded LRU (`PLANNERS_KEPT`) behind a lock, as the HTTP API plans in threads.
    Tables that other layers derive from a session (e.g. the flows' gravity demand) are kept with it by
    `derived`, not as attributes set from outside.
    """

    network: Network
    _gazetteer: Gazetteer | None = None
    _planners: LRUCache = field(default_factory=lambda: LRUCache(PLANNERS_KEPT))  # key -> Planner
    _planners_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # the API plans in threads
    _terminals: dict[str, np.ndarray] | None = None  # name and country of the terminal places
    _terminal_lat: np.ndarray | None = None
    _terminal_lon: np.ndarray | None = None
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)  # key -> table (see `derived`)
    _resolved: LRUCache = field(default_factory=lambda: LRUCache(PLACES_RESOLVED_KEPT), repr=False)  # text -> Place
    _resolved_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def gazetteer(self) -> Gazetteer:
        """The place index of the network (cached on disk, see `gazetteer_cache_path`), built on first use."""
        if self._gazetteer is None:
            gz = cached_pickle(gazetteer_cache_path(self.network), lambda: Gazetteer(self.network), expected=Gazetteer)
            gz.net = self.network  # not pickled: the network is cached on its own
            self._gazetteer = gz
        return self._gazetteer

    def derived(self, key: str, compute: Callable[["Session"], T]) -> T:
        """A table derived from this session once and kept with it (as `Network.derived` does for a network).

        Parameters
        ----------
        key : str
            The table's name, prefixed by the package that owns it (e.g. 'flows.demand').
        compute : callable
            Called with the session on first use; its result is kept for the session's life.

        Returns
        -------
        object
            The kept table. Under threads two first uses may both compute it; the first one stored wins.
        """
        if key not in self._derived:
            self._derived.setdefault(key, compute(self))
        return self._derived[key]

    def resolve(self, query: str | Place) -> Place:
        """The place a user means.

        Parameters
        ----------
        query : str or Place
            A name, 'Name, CC', UN/LOCODE, node id or 'lat,lon'; a Place is returned as it is.

        Returns
        -------
        Place

        Raises
        ------
        PlaceError
            Unknown or ambiguous (its `candidates` then list the choices).
        """
        if isinstance(query, Place):
            return query
        with self._resolved_lock:  # a server resolves the same few hundred names over and over (~0.1 ms each)
            hit = self._resolved.get(query)
        if hit is None:
            hit = self.gazetteer.resolve(query)  # an unknown place raises, and is looked up again next time
            with self._resolved_lock:
                self._resolved[query] = hit
        return hit

    def state(self, scenario: str | None = None) -> EdgeState:
        """The edge state (open links, weights, costs) of `scenario`: that of its kept planner (`planner`, which
        says the parameters and what it raises)."""
        return self.planner(scenario).state

    def planner(self, scenario: str | None = None) -> Planner:
        """The kept planner of `scenario`, built on first use.

        Parameters
        ----------
        scenario : str or None
            Scenario name (None: baseline).

        Returns
        -------
        Planner
            Kept with the others (the least recently used dropped beyond `PLANNERS_KEPT`).

        Raises
        ------
        ScenarioError
            Unknown or malformed scenario.
        """
        key = scenario or "baseline"
        return self._kept_planner(key, lambda: Planner(self.network, self._scenario_state(key)))

    def planner_for_month(self, scenario: str | None, month: int | None, year: int | None = None) -> Planner:
        """The scenario's planner with seasonal links (mountain passes) closed in that month, and/or its
        network as of `year` (the web page's year slider).

        Parameters
        ----------
        scenario : str or None
            As for `planner`.
        month : int or None
            1-12; None keeps every seasonal link as the scenario has it.
        year : int or None
            The network as it stood that year (projects open by then); None: the scenario's own year.

        Returns a planner kept as `planner` keeps them, and raises what it raises; `month` and `year` are not
        checked here (`PlanRequest` checks them).
        """
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

        Returns
        -------
        PlanResult
            The routes, best first, with their legs, totals and the scenario's label.

        Raises
        ------
        RequestError, PlaceError, RouteError, ScenarioError
            See `beltroad.service.ERRORS` for how each is reported by the CLI and the HTTP API.
        """
        return self.run(PlanRequest.build(origin=origin, destination=destination, **options))

    def run(self, req: PlanRequest) -> PlanResult:
        """Plan a validated request.

        Parameters
        ----------
        req : PlanRequest
            Built by `PlanRequest.build` (the faces translate their arguments into one).

        Returns
        -------
        PlanResult

        Raises
        ------
        RequestError
            Origin and destination are the same place, or one is out of the network's reach.
        PlaceError, RouteError, ScenarioError
            An unknown place, no route satisfying the constraints, an unknown scenario.
        """
        o, d = self.resolve(req.origin), self.resolve(req.destination)
        if same_place(o, d):
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

    def skim(self, scenario: str = "baseline", cities: str = "world-1000", objective: str = "time",
             progress=None) -> "pd.DataFrame":
        """Best route totals for every ordered pair of a city set (see `routing.skim`).

        Parameters
        ----------
        scenario : str
            Scenario name.
        cities : str
            A city set of `data.cities` ('world-200', 'world-1000', ...) or a CSV file with a 'place' column.
        objective : str
            'time', 'cost', 'co2' or 'generalized'.
        progress : callable, optional
            Called with (sources done, sources) as the searches advance.

        Returns
        -------
        DataFrame
            One row per ordered pair with the best route's totals.

        Raises
        ------
        RequestError
            Unknown objective.
        ValueError, ScenarioError
            Unknown city set or scenario.
        """
        from beltroad.places.cities import city_set
        from beltroad.routing.skim import skim

        check_objective(objective)
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


def check_objective(objective: str) -> None:
    """Raise RequestError unless `objective` is one of `request.OBJECTIVES`."""
    if objective not in OBJECTIVES:
        raise RequestError(f"objective '{objective}' is not one of {', '.join(OBJECTIVES)}")


def same_place(a: Place, b: Place) -> bool:
    """True when `a` and `b` are the same node or their coordinates agree to 4 decimals of a degree (~10 m)."""
    if a.node_id and a.node_id == b.node_id:
        return True
    return (round(a.lat, 4), round(a.lon, 4)) == (round(b.lat, 4), round(b.lon, 4))


_default: Session | None = None
_default_lock = threading.Lock()


def default_session() -> Session:
    """The process's shared session on the embedded network, loaded on first use.

    Returns
    -------
    Session
        Always the same object, so its planners and derived tables are shared by every caller (analysis,
        appraisal, flows and, through `beltroad.service.default_session`, the faces).
    """
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Session(network=load_network())
    return _default


__all__ = ["GAZETTEER_CACHE_VERSION", "PLANNERS_KEPT", "Session", "check_objective", "default_session",
           "gazetteer_cache_path", "same_place"]
