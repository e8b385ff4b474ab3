"""Paths, ranked alternatives (`planner`) and all-pairs skims (`skim`) on the multimodal graph.

`EdgeState` and `baseline_state` belong to `beltroad.scenario.state`; they are re-exported here for callers
that plan on the baseline network.
"""
from beltroad.routing.planner import Constraints, Planner, RouteError, normalize_constraints
from beltroad.routing.result import Leg, PlanResult, Route
from beltroad.scenario.state import EdgeState, baseline_state

__all__ = ["Constraints", "EdgeState", "Leg", "PlanResult", "Planner", "Route", "RouteError", "baseline_state",
           "normalize_constraints"]
