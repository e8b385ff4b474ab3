"""Container flows and capacity: demand, capacities, congested assignment and reports (docs/flows.md).

`run(scenario)` assigns the gravity demand (or a user matrix) under a scenario; `compare_flows(base, scen)`
returns the diversion tables between two assignments.
"""
from __future__ import annotations

import numpy as np

from beltroad.flows.assign import Assignment, assign
from beltroad.flows.capacity import FlowsError, capacity_elements, parse_factors, scenario_factors
from beltroad.flows.demand import Demand, economy_zones, gravity_demand, read_demand


def _session(session=None):
    if session is not None:
        return session
    from beltroad.service import default_session

    return default_session()


def baseline_demand(session=None) -> Demand:
    """The gravity matrix on baseline free-flow costs (the same demand for every scenario)."""
    s = _session(session)
    cached = s.__dict__.get("_flows_demand")
    if cached is None:
        cached = s.__dict__["_flows_demand"] = _gravity_for(s)
    return cached


def _gravity_for(s) -> Demand:
    zones, eco = economy_zones(s.gazetteer)
    st = s.state("baseline")
    els = capacity_elements(s.network, {"*": 1.0})
    free = assign(s.network, st, zones, np.zeros((len(zones), len(zones))), els, max_iter=1,
                  access=s.planner("baseline").access if hasattr(s.planner("baseline"), "access") else None)
    cost = np.fmin(free.class_cost_usd["ocean"], free.class_cost_usd["overland"])
    return gravity_demand(zones, eco, cost)


def run(scenario: str = "baseline", demand: Demand | str | None = None, capacity_factor: dict[str, float] | None = None,
        session=None, **options) -> tuple[Assignment, Demand]:
    """Assign `demand` (default: the gravity matrix; a path reads a user file) under `scenario`."""
    s = _session(session)
    try:
        state = s.state(scenario)
    except FlowsError:
        raise
    except Exception as exc:  # ScenarioError and friends: a clear message
        raise FlowsError(f"scenario '{scenario}': {exc}") from None
    if demand is None:
        demand = baseline_demand(s)
    elif isinstance(demand, str):
        zones, _ = economy_zones(s.gazetteer)
        demand = read_demand(demand, zones, s.gazetteer)
    els = capacity_elements(s.network, scenario_factors(scenario, capacity_factor))
    planner = s.planner(scenario)
    res = assign(s.network, state, demand.zones, demand.matrix, els, access=getattr(planner, "access", None),
                 scenario=scenario, **options)
    return res, demand


from beltroad.flows.report import compare_flows, indicators, link_flows  # noqa: E402

__all__ = ["Assignment", "Demand", "FlowsError", "assign", "baseline_demand", "compare_flows", "indicators",
           "link_flows", "parse_factors", "run"]
