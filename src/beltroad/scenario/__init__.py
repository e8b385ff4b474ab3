"""Scenarios: the network in a given year, with a selection of BRI projects, closures and parameter overrides.

A scenario is a YAML file validated with pydantic. A malformed file raises `ScenarioError` naming the
field and the line. Presets ship in `presets/` and are named by their plain name; any other file is
given as a path ending in `.yaml`. A scenario may build on another (`base`); loops are reported with
their chain.

Modules: `model` (the pydantic models and their bounds), `loader` (presets, files, `base` chains),
`files` (bounded reading), `check` (ids against the network), `apply` (the scenario's `EdgeState`),
`state` (the baseline state and the per-edge arrays routing reads).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# name -> submodule; imported on first use (PEP 562), so that routing, which needs only `state`, does not pay for
# the pydantic models and the YAML loader on a cold `beltroad route`
_EXPORTS = {
    "BRI_START_YEAR": "apply", "apply_scenario": "apply", "seasonal_closed": "apply", "without_projects": "apply",
    "ScenarioError": "files",
    "PRESET_DIR": "loader", "list_scenarios": "loader", "load_scenario": "loader",
    "CURRENT_YEAR": "model", "MAX_FACTOR": "model", "Closures": "model", "Overrides": "model", "Projects": "model",
    "Scenario": "model", "ScenarioInfo": "model",
    "EdgeState": "state", "baseline_state": "state",
}

if TYPE_CHECKING:
    from beltroad.scenario.apply import BRI_START_YEAR, apply_scenario, seasonal_closed, without_projects
    from beltroad.scenario.files import ScenarioError
    from beltroad.scenario.loader import PRESET_DIR, list_scenarios, load_scenario
    from beltroad.scenario.model import (CURRENT_YEAR, MAX_FACTOR, Closures, Overrides, Projects, Scenario,
                                         ScenarioInfo)
    from beltroad.scenario.state import EdgeState, baseline_state


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'beltroad.scenario' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"beltroad.scenario.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = ["BRI_START_YEAR", "CURRENT_YEAR", "MAX_FACTOR", "PRESET_DIR", "Closures", "EdgeState", "Overrides",
           "Projects", "Scenario", "ScenarioError", "ScenarioInfo", "apply_scenario", "baseline_state",
           "list_scenarios", "load_scenario", "seasonal_closed", "without_projects"]
