"""Edge states for appraisal tasks: a scenario with some BRI projects taken out and some parameters drawn.

A project taken out restores what it replaced: rows of `links` that the project superseded (the old
single track beside a double track, the old line beside a new one) come back, so that "without P14" is the
network before P14 and not a network with a hole. A superseded row belongs to the project link of the same
mode that shares one of its end nodes and opened in the year the row was superseded.

Parameters that can be drawn (`PARAMETERS`): those with a sourced `low`/`high` in parameters.yaml and
sea_services.yaml, and scenario override factors (speed, cost, border time), whose range and source the sweep
spec must give.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from beltroad.network.build import MODES, PORT, TRANSSHIP, Network
from beltroad.scenario import Scenario, apply_scenario, load_scenario
from beltroad.scenario.state import EdgeState

# parameters read from the data files: name -> (file, key path); applied to the edge state or the metrics
FILE_PARAMETERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "value_of_time.ad_valorem_pct_per_day": ("parameters.yaml", ("value_of_time", "ad_valorem_pct_per_day")),
    "carbon_price_usd_per_t": ("parameters.yaml", ("carbon_price_usd_per_t",)),
    "market_access.theta": ("parameters.yaml", ("market_access", "theta")),
    "liner.transshipment_dwell_days": ("sea_services.yaml", ("liner", "transshipment_dwell_days")),
    "liner.container_dwell_days.default": ("sea_services.yaml", ("liner", "container_dwell_days", "default")),
}
# scenario override factors: prefix -> Overrides field; the key after the dot is a mode, corridor, ISO3 or '*'
FACTOR_PREFIXES = ("speed_factor", "cost_factor", "border_time_factor", "border_fee_factor")


@lru_cache(maxsize=1)
def _liner_parameters() -> dict:
    from beltroad.data.loader import DATA_DIR
    from beltroad.data.services import load_service_parameters

    return load_service_parameters(Path(DATA_DIR))


def file_parameter(net: Network, name: str) -> dict[str, Any]:
    """The {value, low, high, source} entry of a data-file parameter (KeyError if unknown)."""
    fname, path = FILE_PARAMETERS[name]
    node: Any = net.params if fname == "parameters.yaml" else _liner_parameters()
    for k in path:
        node = node[k]
    return dict(node)


def default_values(net: Network, names: list[str]) -> dict[str, float]:
    """Point values of drawable parameters: the data file's value, 1.0 for a factor."""
    return {n: float(file_parameter(net, n)["value"]) if n in FILE_PARAMETERS else 1.0 for n in names}


@dataclass(frozen=True)
class StateSpec:
    """What one skim computes: a scenario, projects taken out of it, and parameter values drawn."""

    scenario: str
    exclude: tuple[str, ...] = ()
    params: tuple[tuple[str, float], ...] = ()

    @property
    def param_dict(self) -> dict[str, float]:
        return dict(self.params)


def superseded_by_project(net: Network) -> dict[str, np.ndarray]:
    """Project id -> link indices of the rows it superseded (restored when the project is taken out)."""
    links = net.links
    proj = links["project"].fillna("").astype(str).to_numpy()
    sup = links["superseded"].to_numpy(dtype=float)
    opened = links["opened"].to_numpy(dtype=float)
    a, b, mode = (links[c].astype(str).to_numpy() for c in ("from", "to", "mode"))
    out: dict[str, list[int]] = {}
    for i in np.flatnonzero(~np.isnan(sup)):
        cand = np.flatnonzero((proj != "") & (mode == mode[i]) & (opened == sup[i])
                              & (np.isin(a, [a[i], b[i]]) | np.isin(b, [a[i], b[i]])))
        for p in sorted(set(proj[cand])):
            out.setdefault(p, []).append(int(i))
    return {p: np.array(v, dtype=np.int64) for p, v in out.items()}


def build_state(net: Network, spec: StateSpec) -> EdgeState:
    """The edge state of `spec`: the scenario with its projects taken out, superseded rows back, draws applied."""
    sc: Scenario = load_scenario(spec.scenario)
    params = spec.param_dict
    ov = sc.overrides.model_dump()
    for name, value in params.items():
        prefix, _, key = name.partition(".")
        if prefix in FACTOR_PREFIXES:
            ov[prefix] = {**ov[prefix], key: float(ov[prefix].get(key, 1.0)) * float(value)}
    if "carbon_price_usd_per_t" in params:
        ov["carbon_price_usd_per_t"] = float(params["carbon_price_usd_per_t"])
    exclude = sorted(set(sc.projects.exclude) | set(spec.exclude))
    sc = sc.model_copy(update={"projects": sc.projects.model_copy(update={"exclude": exclude}),
                               "overrides": type(sc.overrides).model_validate(ov)})
    state = apply_scenario(net, sc)
    if spec.exclude:
        restore = superseded_by_project(net)
        rows = [restore[p] for p in spec.exclude if p in restore]
        if rows:
            opened = net.opened
            back = np.isin(net.link, np.concatenate(rows)) & (np.isnan(opened) | (opened <= sc.year))
            state.active = state.active | back
    hours = state.hours
    if "liner.transshipment_dwell_days" in params:
        base = float(file_parameter(net, "liner.transshipment_dwell_days")["value"])
        sel = net.kind == TRANSSHIP
        hours = hours.copy()
        hours[sel] += (float(params["liner.transshipment_dwell_days"]) - base) * 24.0
    if "liner.container_dwell_days.default" in params:
        base = float(file_parameter(net, "liner.container_dwell_days.default")["value"])
        default_ports = [net.place_index[p] for p, basis in (net.port_dwell_basis or {}).items()
                         if basis == "default" and p in net.place_index]
        vp = net.vertex_place
        sel = (net.kind == PORT) & (np.isin(vp[net.src], default_ports) | np.isin(vp[net.dst], default_ports))
        hours = hours.copy()
        hours[sel] += (float(params["liner.container_dwell_days.default"]) - base) * 24.0
    if hours is not state.hours:
        state = replace(state, hours=np.maximum(hours, 0.0))
    return state


def check_parameter_name(name: str) -> None:
    """Raise ValueError unless `name` is a drawable parameter."""
    prefix, _, key = name.partition(".")
    if name in FILE_PARAMETERS:
        return
    if prefix in FACTOR_PREFIXES and key:
        return
    known = ", ".join(list(FILE_PARAMETERS) + [f"{p}.<mode|corridor|ISO3|*>" for p in FACTOR_PREFIXES])
    raise ValueError(f"unknown parameter '{name}'; known: {known}")


__all__ = ["FILE_PARAMETERS", "FACTOR_PREFIXES", "MODES", "StateSpec", "build_state", "check_parameter_name",
           "default_values", "file_parameter", "superseded_by_project"]
