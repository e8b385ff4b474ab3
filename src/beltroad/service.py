"""The Python API that the CLI, the HTTP API and notebooks share.

One `Session` loads the network once and keeps a planner per scenario. Module-level helpers
(`plan`, `resolve_place`, `load_network`) use a default session.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from beltroad.cache import cached_pickle, entry_path
from beltroad.network.build import Network, load_network as _load_network
from beltroad.places import Gazetteer, Place, PlaceError
from beltroad.scenario.state import EdgeState, baseline_state
from beltroad.routing.planner import Planner, RouteError, normalize_constraints
from beltroad.routing.result import PlanResult

GAZETTEER_CACHE_VERSION = "1"


def gazetteer_cache_path(net: Network):
    """Where the gazetteer of `net` is cached (it depends on the network's content and the code)."""
    return entry_path("gazetteer", net.content_hash, f"v{GAZETTEER_CACHE_VERSION}")


@dataclass
class Session:
    network: Network
    _gazetteer: Gazetteer | None = None
    _planners: dict[str, Planner] = field(default_factory=dict)

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
        if key not in self._planners:
            state = self._scenario_state(key)
            self._planners[key] = Planner(self.network, state)
        return self._planners[key]

    def planner_for_month(self, scenario: str | None, month: int) -> Planner:
        """The scenario's planner with seasonal links (mountain passes) closed in that month."""
        key = f"{scenario or 'baseline'}@month={month}"
        if key not in self._planners:
            from beltroad.scenario import load_scenario, apply_scenario

            sc = load_scenario(scenario or "baseline").model_copy(update={"month": month})
            self._planners[key] = Planner(self.network, apply_scenario(self.network, sc))
        return self._planners[key]

    def _scenario_state(self, name: str) -> EdgeState:
        if name == "baseline":
            return baseline_state(self.network)
        from beltroad.scenario import apply_scenario, load_scenario

        return apply_scenario(self.network, load_scenario(name))

    def plan(self, origin: str | Place, destination: str | Place, *, objective: str = "time", alternatives: int = 3,
             mode: str = "multimodal", avoid_countries: Iterable[str] = (), avoid_passages: Iterable[str] = (),
             via: Iterable[str | Place] = (), max_transfers: int | None = None, teu: float = 1.0,
             tonnes: float | None = None, scenario: str | None = None, value_of_time_usd_per_day: float | None = None,
             carbon_price_usd_per_t: float | None = None, month: int | None = None) -> PlanResult:
        """Ranked, meaningfully different routes from `origin` to `destination` (see docs/model.md)."""
        o, d = self.resolve(origin), self.resolve(destination)
        vias = tuple(self.resolve(v) for v in via)
        c = normalize_constraints(mode=mode, avoid_countries=avoid_countries, avoid_passages=avoid_passages,
                                  via=vias, max_transfers=max_transfers)
        planner = self.planner(scenario)
        if month is not None:
            if not 1 <= int(month) <= 12:
                raise ValueError("--month must be 1-12")
            planner = self.planner_for_month(scenario, int(month))
        if value_of_time_usd_per_day is not None or carbon_price_usd_per_t is not None:
            from dataclasses import replace

            state = replace(planner.state,
                            value_of_time_usd_per_day=planner.state.value_of_time_usd_per_day
                            if value_of_time_usd_per_day is None else float(value_of_time_usd_per_day),
                            carbon_price_usd_per_t=planner.state.carbon_price_usd_per_t
                            if carbon_price_usd_per_t is None else float(carbon_price_usd_per_t))
            planner = Planner(self.network, state, access=planner.access)  # fresh weights, shared access index
        if tonnes is not None:
            if tonnes <= 0:
                raise ValueError("--tonnes must be positive")
            teu = tonnes / float(self.network.params["teu_payload_t"]["value"])
        if teu <= 0:
            raise ValueError("--teu must be positive")
        label = (scenario or "baseline") + (f" (month {month})" if month is not None else "")
        return planner.plan(o, d, objective=objective, alternatives=alternatives, constraints=c, teu=teu,
                            scenario_label=label)


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


__all__ = ["PlaceError", "RouteError", "Session", "default_session", "load_network", "plan", "resolve_place"]
