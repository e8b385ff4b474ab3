"""Paths, alternatives and (later) skims on the multimodal graph."""
from beltroad.routing.engine import EdgeState, baseline_state
from beltroad.routing.planner import Constraints, Planner, RouteError, normalize_constraints
from beltroad.routing.result import Leg, PlanResult, Route

__all__ = ["Constraints", "EdgeState", "Leg", "PlanResult", "Planner", "Route", "RouteError", "baseline_state",
           "normalize_constraints"]
