"""Scenarios: the network in a given year, with a selection of BRI projects, closures and parameter overrides.

A scenario is a YAML file validated with pydantic. A malformed file raises `ScenarioError` naming the
field and the line. Presets ship in `presets/` and are named by their plain name; any other file is
given as a path ending in `.yaml`. A scenario may build on another (`base`); loops are reported with
their chain. Reading is bounded (`scenario.files`) and ids are checked against the network when the
scenario is applied (`scenario.check`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from beltroad.data.yaml_lines import key_lines
from beltroad.network.build import BORDER_KINDS, FERRY_BOARD, MODES, Network
from beltroad.network.sea import canonical_passages
from beltroad.scenario.check import check_against_network
from beltroad.scenario.files import (MAX_BASE_DEPTH, ScenarioError, check_preset_name, compose_yaml,
                                     is_file_reference, load_yaml, read_text)
from beltroad.scenario.state import EdgeState, baseline_state

PRESET_DIR = Path(__file__).resolve().parent / "presets"
CURRENT_YEAR = 2026
MAX_FACTOR = 1000.0  # a thousandfold change is far beyond any reform or shock; larger is a typo
# multipliers: finite, >= 0 (0 removes a dwell or a cost), at most MAX_FACTOR
Factor = Annotated[float, Field(ge=0, le=MAX_FACTOR, allow_inf_nan=False)]
SpeedFactor = Annotated[float, Field(gt=0, le=MAX_FACTOR, allow_inf_nan=False)]  # a speed of 0 is a closure


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Projects(_Strict):
    """Which BRI projects the network holds beyond those open in `year`."""

    include_status: list[Literal["open", "under_construction", "planned"]] = Field(
        default_factory=list, description="project links of these statuses are added whatever their opening year")
    exclude: list[str] = Field(default_factory=list, description="project ids removed (e.g. P14)")
    exclude_all: bool = Field(False, description="remove every link built or upgraded by a BRI project")


class Closures(_Strict):
    countries: list[str] = Field(default_factory=list, description="ISO3: no leg may enter (transit sanctions)")
    passages: list[str] = Field(default_factory=list, description="sea chokepoints closed")
    links: list[str] = Field(default_factory=list)
    nodes: list[str] = Field(default_factory=list)
    crossings: list[str] = Field(default_factory=list)

    @field_validator("passages")
    @classmethod
    def _passages(cls, v: list[str]) -> list[str]:
        return canonical_passages(v, "closed passage")

    @field_validator("countries")
    @classmethod
    def _countries(cls, v: list[str]) -> list[str]:
        for c in v:
            if not (len(c) == 3 and c.isalpha() and c.isupper()):
                raise ValueError(f"'{c}' is not an ISO3 country code (e.g. RUS)")
        return v


class Overrides(_Strict):
    border_time_factor: dict[str, Factor] = Field(
        default_factory=dict, description="multiplier on border dwell by ISO3 country, crossing link id or '*'")
    border_fee_factor: dict[str, Factor] = Field(default_factory=dict)
    speed_factor: dict[str, SpeedFactor] = Field(default_factory=dict, description="by mode or corridor id")
    cost_factor: dict[str, Factor] = Field(default_factory=dict, description="by mode or corridor id")
    ferry_wait_hours: float | None = Field(None, ge=0, le=24 * 365, allow_inf_nan=False)
    value_of_time_usd_per_teu_day: float | None = Field(None, ge=0, le=1_000_000, allow_inf_nan=False)
    carbon_price_usd_per_t: float | None = Field(None, ge=0, le=100_000, allow_inf_nan=False)


class Scenario(_Strict):
    name: str
    description: str = ""
    base: str | None = None
    year: int = Field(CURRENT_YEAR, ge=1990, le=2060)
    month: int | None = Field(None, ge=1, le=12, description="close seasonal links (e.g. Khunjerab in winter) in this month")
    projects: Projects = Field(default_factory=Projects)
    closures: Closures = Field(default_factory=Closures)
    overrides: Overrides = Field(default_factory=Overrides)
    sources: list[str] = Field(default_factory=list)


@dataclass
class ScenarioInfo:
    name: str
    description: str
    path: str


def _read(path: Path) -> tuple[dict, str]:
    text = read_text(path)
    try:
        data = load_yaml(text)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ScenarioError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}:1: a scenario file must be a mapping with at least 'name'")
    return data, text


def _merge(base: dict, child: dict) -> dict:
    out = dict(base)
    for k, v in child.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        elif isinstance(v, list) and isinstance(out.get(k), list) and k != "include_status":
            out[k] = list(dict.fromkeys(out[k] + v))
        else:
            out[k] = v
    return out


def _resolve_path(name_or_path: str, relative_to: Path | None = None) -> Path:
    """A `.yaml` name is a file (relative to the including file's folder, if any); anything else a preset."""
    if is_file_reference(name_or_path):
        p = Path(name_or_path)
        if relative_to is not None and not p.is_absolute():
            p = relative_to / p
        if not p.exists():
            raise ScenarioError(f"scenario file '{name_or_path}' not found")
        return p
    check_preset_name(name_or_path)
    preset = PRESET_DIR / f"{name_or_path}.yaml"
    if preset.is_file():
        return preset
    names = ", ".join(s.name for s in list_scenarios())
    raise ScenarioError(f"unknown scenario '{name_or_path}'; presets: {names} (or give a .yaml file)")


def load_scenario(name_or_path: str, _chain: tuple[Path, ...] = ()) -> Scenario:
    """A preset by name or a YAML file, with its `base` chain merged in."""
    if not isinstance(name_or_path, str):
        raise ScenarioError(f"a scenario is named by a string, not {type(name_or_path).__name__}")
    path = _resolve_path(name_or_path, relative_to=_chain[-1].parent if _chain else None)
    key = path.resolve()
    if key in {p.resolve() for p in _chain}:
        names = " -> ".join(p.stem for p in (*_chain, path))
        raise ScenarioError(f"{path}: scenario base chain loops: {names}")
    if len(_chain) >= MAX_BASE_DEPTH:
        raise ScenarioError(f"{path}: scenario base chain deeper than {MAX_BASE_DEPTH}: "
                            + " -> ".join(p.stem for p in (*_chain, path)))
    data, text = _read(path)
    if "name" not in data and data:
        data = {"name": path.stem, **data}
    base_name = data.get("base")
    merged = data
    if base_name is not None and not isinstance(base_name, str):
        line = key_lines(text, compose_yaml).get(("base",), 1)
        raise ScenarioError(f"{path}:{line}: field 'base': must be a scenario name or a .yaml file, "
                            f"not {base_name!r}")
    if base_name:
        base = load_scenario(base_name, (*_chain, path))
        base_dict = base.model_dump(exclude={"name", "description", "base", "sources"})
        merged = _merge(base_dict, {k: v for k, v in data.items()})
    try:
        return Scenario.model_validate(merged)
    except ValidationError as exc:
        lines = key_lines(text, compose_yaml)
        msgs = []
        for e in exc.errors():
            loc = tuple(e["loc"])
            line = None
            for n in range(len(loc), 0, -1):
                if loc[:n] in lines:
                    line = lines[loc[:n]]
                    break
            field = ".".join(str(x) for x in loc)
            msg = e["msg"].replace("Extra inputs are not permitted", "unknown field")
            msgs.append(f"{path}:{line or 1}: field '{field}': {msg}")
        raise ScenarioError("; ".join(msgs)) from None


def list_scenarios() -> list[ScenarioInfo]:
    out = []
    for f in sorted(PRESET_DIR.glob("*.yaml")):
        data = load_yaml(read_text(f)) or {}
        out.append(ScenarioInfo(name=f.stem, description=str(data.get("description", "")).strip(), path=str(f)))
    return out


def apply_scenario(net: Network, sc: Scenario) -> EdgeState:
    """Edge activity and values of the network under the scenario (its ids checked against the network first)."""
    check_against_network(net, sc)
    closed_passages = tuple(dict.fromkeys(("arctic",) + tuple(sc.closures.passages)))
    state = baseline_state(net, year=sc.year, closed_passages=closed_passages)
    active = state.active.copy()
    links = net.links
    project_of_edge = net.project
    has_project = project_of_edge != ""
    if sc.projects.include_status:
        codes = [{"open": 0, "under_construction": 1, "planned": 2}[s] for s in sc.projects.include_status]
        add = has_project & np.isin(net.status, codes)
        # an added project link replaces the row it supersedes: drop rows superseded by then
        active |= add
    if sc.projects.exclude_all or sc.projects.exclude:
        active = without_projects(net, sc, active)
    # closures
    if sc.closures.countries:
        idx = [net.countries.index(c) for c in sc.closures.countries if c in net.countries]
        active &= ~(np.isin(net.country_from, idx) | np.isin(net.country_to, idx))
    link_ids = links["id"].to_numpy()
    edge_link_id = np.where(net.link >= 0, link_ids[np.maximum(net.link, 0)], "")
    if sc.closures.links:
        active &= ~np.isin(edge_link_id, sc.closures.links)
    if sc.closures.crossings:
        cr = net.crossings
        closed_links = cr.loc[cr["id"].isin(sc.closures.crossings), "link"].tolist()
        closed_nodes = cr.loc[cr["id"].isin(sc.closures.crossings) & cr["kind"].eq("gauge_change"), "node"].tolist()
        active &= ~np.isin(edge_link_id, closed_links)
        sc = sc.model_copy(update={"closures": sc.closures.model_copy(update={"nodes": sc.closures.nodes})})
        if closed_nodes:
            from beltroad.network.build import GAUGE

            pl = [net.place_index[n] for n in closed_nodes if n in net.place_index]
            vp = net.vertex_place
            active &= ~((net.kind == GAUGE) & np.isin(vp[net.src], pl))
    if sc.closures.nodes:
        pl = [net.place_index[n] for n in sc.closures.nodes if n in net.place_index]
        vp = net.vertex_place
        active &= ~(np.isin(vp[net.src], pl) | np.isin(vp[net.dst], pl))
    if sc.month is not None:
        active &= ~seasonal_closed(net, sc.month)
    # overrides
    o = sc.overrides
    dwell = net.dwell_hours.copy()
    fee = net.fee_usd.copy()
    move_h = net.move_hours.copy()
    move_usd = net.move_usd.copy()
    border_h = net.border_hours.copy()
    wait_h = net.wait_hours.copy()
    border_edge = net.border & np.isin(net.kind, BORDER_KINDS)
    for key, f in o.border_time_factor.items():
        sel = _border_selector(net, key, border_edge, edge_link_id)
        dwell[sel] -= border_h[sel] * (1.0 - f)
        border_h[sel] *= f
    for key, f in o.border_fee_factor.items():
        fee[_border_selector(net, key, border_edge, edge_link_id)] *= f
    corridor = np.where(net.link >= 0, links["corridor"].to_numpy()[np.maximum(net.link, 0)], "")
    for key, f in o.speed_factor.items():
        sel = _mode_or_corridor(net, key, corridor)
        if f > 0:
            move_h[sel] /= f
    for key, f in o.cost_factor.items():
        move_usd[_mode_or_corridor(net, key, corridor)] *= f
    if o.ferry_wait_hours is not None:
        board = net.kind == FERRY_BOARD
        base_wait = float(net.params["ferry"]["caspian"]["wait_hours"]["value"])
        loading = board & (net.dwell_hours > base_wait * 0.5)  # the boarding direction carries the wait
        dwell[loading] = net.dwell_hours[loading] - base_wait + o.ferry_wait_hours
        wait_h[loading] = net.wait_hours[loading] - base_wait + o.ferry_wait_hours
    state.active = active
    state.hours = move_h + dwell
    state.move_hours, state.border_hours, state.wait_hours = move_h, border_h, wait_h
    state.dwell_hours = dwell
    state.usd = move_usd + fee
    state.label = sc.name
    if o.value_of_time_usd_per_teu_day is not None:
        state.value_of_time_usd_per_day = o.value_of_time_usd_per_teu_day
    if o.carbon_price_usd_per_t is not None:
        state.carbon_price_usd_per_t = o.carbon_price_usd_per_t
    return state


BRI_START_YEAR = 2013  # announced Sep/Oct 2013: a link open by then is a pre-BRI asset (as in `pre-bri-2013`)


def without_projects(net: Network, sc: Scenario, active: np.ndarray) -> np.ndarray:
    """Remove BRI project links and bring back, at their old quality, the rows their upgrades superseded.

    `exclude_all` removes what BRI projects added after BRI_START_YEAR (an asset opened by then, such as
    Zhetygen–Altynkol 2012, stays); `exclude` removes the named projects whatever their year. An upgrade row
    `<old id>__<project id lowercase>` supersedes `<old id>`: removing the upgrade restores the old row.
    """
    proj = net.project
    if sc.projects.exclude_all:
        drop = (proj != "") & ~(net.opened <= BRI_START_YEAR)
    else:
        drop = np.zeros(net.n_edges, dtype=bool)
    if sc.projects.exclude:
        drop |= np.isin(proj, sc.projects.exclude)
    active = active & ~drop
    links = net.links
    ids = links["id"].to_numpy().astype(str)
    dropped = np.unique(net.link[drop & (net.link >= 0)])
    restore = {i.rsplit("__", 1)[0] for i in ids[dropped] if "__p" in i and i.rsplit("__", 1)[1][1:].isdigit()}
    # also any superseded row with the same ends and mode as a removed project row (e.g. dostyk__aktogay
    # for the double-track dostyk__aktogay_2t)
    ends = set(zip(links["from"].to_numpy()[dropped], links["to"].to_numpy()[dropped], links["mode"].to_numpy()[dropped]))
    sup = links["superseded"].notna().to_numpy()
    restore |= {i for i, f, t, m, s_ in zip(ids, links["from"], links["to"], links["mode"], sup) if s_ and (f, t, m) in ends}
    restore &= set(ids)
    if restore:
        edge_link = np.where(net.link >= 0, ids[np.maximum(net.link, 0)], "")
        back = np.isin(edge_link, sorted(restore)) & (np.isnan(net.opened) | (net.opened <= sc.year))
        active = active | back
    return active


def _in_window(month: int, window: str) -> bool:
    """Is mid-`month` inside a 'MM-DD..MM-DD' closure window (which may wrap the new year)?"""
    start, end = (tuple(int(x) for x in part.split("-")) for part in window.split(".."))
    day = (month, 15)
    return (start <= day <= end) if start <= end else (day >= start or day <= end)


def seasonal_closed(net: Network, month: int) -> np.ndarray:
    """Edges of links whose seasonal closure window covers the month."""
    windows = net.links["seasonal_closure"].to_numpy()
    closed_links = np.array([bool(w) and _in_window(month, w) for w in windows])
    return (net.link >= 0) & closed_links[np.maximum(net.link, 0)] if len(closed_links) else np.zeros(net.n_edges, bool)


def _border_selector(net: Network, key: str, border_edge: np.ndarray, edge_link_id: np.ndarray) -> np.ndarray:
    if key == "*":
        return border_edge
    if key in net.countries:
        ci = net.countries.index(key)
        return border_edge & ((net.country_from == ci) | (net.country_to == ci))
    return border_edge & (edge_link_id == key)


def _mode_or_corridor(net: Network, key: str, corridor: np.ndarray) -> np.ndarray:
    if key in MODES:
        return net.mode == MODES.index(key)
    return np.char.find(corridor.astype(str), key) >= 0


__all__ = ["Scenario", "ScenarioError", "ScenarioInfo", "apply_scenario", "list_scenarios", "load_scenario",
           "without_projects"]
