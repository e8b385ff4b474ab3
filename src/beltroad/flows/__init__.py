"""Container flows and capacity: demand, capacities, congested assignment and reports (docs/flows.md).

`run(scenario)` assigns the gravity demand (or a user matrix) under a scenario; `compare_flows(base, scen)`
returns the diversion tables between two assignments.
"""
from __future__ import annotations

# the CLI imports this package on every start: the heavy modules load on first use (PEP 562)
_LAZY = {"Assignment": "assign", "assign": "assign", "FlowsError": "capacity", "capacity_elements": "capacity",
         "parse_factors": "capacity", "scenario_factors": "capacity", "Demand": "demand", "economy_zones": "demand",
         "gravity_demand": "demand", "read_demand": "demand", "compare_flows": "report", "indicators": "report",
         "link_flows": "report"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"beltroad.flows.{_LAZY[name]}"), name)
    raise AttributeError(name)


def _session(session=None):
    if session is not None:
        return session
    from beltroad.routing.session import default_session

    return default_session()


def baseline_demand(session=None):
    """The gravity matrix on baseline free-flow costs (the same demand for every scenario)."""
    return _session(session).derived("flows.demand", _gravity_for)  # kept with the session, computed once


def _gravity_for(s):
    import numpy as np

    from beltroad.flows.assign import assign
    from beltroad.flows.capacity import capacity_elements
    from beltroad.flows.demand import china_europe_mask, economy_zones, gravity_demand, rail_share_target

    zones, eco = economy_zones(s.gazetteer)
    st = s.state("baseline")
    els = capacity_elements(s.network, {"*": 1.0})
    free = assign(s.network, st, zones, np.zeros((len(zones), len(zones))), els, max_iter=1,
                  access=getattr(s.planner("baseline"), "access", None))
    cost = np.fmin(free.class_cost_usd["ocean"], free.class_cost_usd["overland"])
    dem = gravity_demand(zones, eco, cost)
    # calibrate the overland constant so that the baseline China-Europe overland share is the sourced rail
    # share (a scaling total, docs/flows.md); scenarios keep it fixed
    cal = assign(s.network, st, zones, dem.matrix, els, access=getattr(s.planner("baseline"), "access", None),
                 calibrate=(china_europe_mask(dem.zone_group), rail_share_target()), scenario="baseline")
    dem.asc_overland = cal.asc_overland
    return dem


def run(scenario: str = "baseline", demand=None, capacity_factor: dict[str, float] | None = None,
        session=None, **options):
    """Assign `demand` (default: the gravity matrix; a path reads a user file) under `scenario`.

    Returns (Assignment, Demand)."""
    from beltroad.flows.assign import assign
    from beltroad.flows.capacity import FlowsError, capacity_elements, scenario_factors
    from beltroad.flows.demand import economy_zones, read_demand

    s = _session(session)
    try:
        state = s.state(scenario)
    except Exception as exc:  # ScenarioError and friends: a clear message
        raise FlowsError(f"scenario '{scenario}': {exc}") from None
    if demand is None:
        demand = baseline_demand(s)
    elif isinstance(demand, str):
        zones, _ = economy_zones(s.gazetteer)
        demand = read_demand(demand, zones, s.gazetteer)
        demand.asc_overland = baseline_demand(s).asc_overland
    options.setdefault("asc_overland", demand.asc_overland)
    els = capacity_elements(s.network, scenario_factors(scenario, capacity_factor))
    res = assign(s.network, state, demand.zones, demand.matrix, els, access=getattr(s.planner(scenario), "access", None),
                 scenario=scenario, **options)
    return res, demand


__all__ = ["Assignment", "Demand", "FlowsError", "assign", "baseline_demand", "compare_flows", "indicators",
           "link_flows", "parse_factors", "run"]
