"""Calibration and validation against published end-to-end transit times and distances.

`calibration/observed.csv` (repository root) holds published observations: operator schedules, press
releases of railways and ports, forwarders' published lane times, each with its source and what it
measures. These numbers are only compared with the model; none of them is a model parameter.

`evaluate` plans every observed trip, picks the model route that matches the observation's main mode and
`route_via` (countries, passages, corridors), takes the model's value on the observation's measure and
returns the errors. `summarise` gives the median absolute % error and the share within +/-20 % by set,
corridor and mode. `fit` is a coordinate search over parameters that carry a *sourced* `low`/`high` range
in parameters.yaml: it may only choose inside that range, minimises the fitting set's median absolute %
error and writes the chosen value with `calibrated: {range: [low, high], report: ...}` into a copy of the
dataset (the shipped file only when asked).

Sets: each row is assigned to `fit` or `validation` by `assign_sets`, a fixed rule on the id (SHA-256 of the
id below 0.4 -> validation, then each corridor of two or more rows is given both sets); the CSV stores the
result and a test checks that it still equals the rule, so a set can never be changed to improve a score.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
import yaml

COLUMNS = ["id", "origin", "destination", "mode", "route_via", "measure", "transit_days", "transit_days_low",
           "transit_days_high", "distance_km", "year", "set", "source", "url", "notes"]
MODES = ("rail", "sea", "road", "multimodal")
MEASURES = ("terminal_to_terminal", "port_to_port", "door_to_door", "border_to_border")
SETS = ("fit", "validation")
VALIDATION_SHARE = 0.4
WITHIN_PCT = 20.0
REPORT_REF = "docs/validation.md"
MOVE_LEGS = ("rail", "road", "sea", "ferry", "inland_water")
WATER_LEGS = ("sea", "ferry", "inland_water")
# when an observation names one ocean passage and no alternative uses it, plan again avoiding its rivals
RIVAL_PASSAGES = {"cape": ("suez", "bab-el-mandeb", "panama"), "panama": ("suez", "cape"),
                  "suez": ("cape", "panama")}


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def default_observed_path() -> Path:
    return repo_root() / "calibration" / "observed.csv"


# ----------------------------------------------------------------------------------------------- data

def corridor_of(obs_id: str) -> str:
    """The corridor group of an observation: its id without the trailing `-NN`."""
    return str(obs_id).rsplit("-", 1)[0]


def _unit_hash(obs_id: str) -> float:
    return int(hashlib.sha256(obs_id.encode()).hexdigest()[:12], 16) / 16 ** 12


def assign_sets(ids: Iterable[str]) -> pd.Series:
    """The documented fit/validation rule (see module docstring); deterministic in the ids alone.

    A row is `validation` when the SHA-256 of its id, read as a number in [0, 1), is below 0.4 (a new row moves an old one only
    through the stratification step). Stratification: a corridor of two or more rows that got no validation row gives
    its lowest-hash row to validation, one that got no fitting row gives its highest-hash row to fit.
    """
    ids = pd.Series(list(ids), dtype=str)
    u = ids.map(_unit_hash)
    out = pd.Series(np.where(u < VALIDATION_SHARE, "validation", "fit"), index=ids.index, dtype=object)
    for _, grp in ids.groupby(ids.map(corridor_of)):
        if len(grp) < 2:
            continue
        sets = out[grp.index]
        if not (sets == "validation").any():
            out[u[grp.index].idxmin()] = "validation"
        elif not (sets == "fit").any():
            out[u[grp.index].idxmax()] = "fit"
    return out


def load_observed(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check the observation file; a malformed file raises ValueError naming the problem."""
    p = Path(path) if path else default_observed_path()
    if not p.exists():
        raise ValueError(f"observation file not found: {p}")
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    if list(df.columns) != COLUMNS:
        raise ValueError(f"{p.name}: columns must be exactly {','.join(COLUMNS)}; found {','.join(df.columns)}")
    df = df.apply(lambda s: s.str.strip())
    for col in ("transit_days", "transit_days_low", "transit_days_high", "distance_km", "year"):
        raw = df[col]
        num = pd.to_numeric(raw.where(raw != "", None), errors="coerce")
        bad = raw.ne("") & num.isna()
        if bad.any():
            r = df[bad].iloc[0]
            raise ValueError(f"{p.name}: row {r['id']}: {col} '{r[col]}' is not a number")
        df[col] = num
    problems = []
    if df["id"].duplicated().any():
        problems.append(f"duplicate ids {sorted(df.loc[df['id'].duplicated(), 'id'])}")
    for col, allowed in (("mode", MODES), ("measure", MEASURES), ("set", SETS)):
        bad = ~df[col].isin(allowed)
        if bad.any():
            problems.append(f"{col} must be one of {', '.join(allowed)} (rows {', '.join(df.loc[bad, 'id'])})")
    if df["transit_days"].isna().any() or (df["transit_days"] <= 0).any():
        problems.append("transit_days must be a positive number on every row")
    if problems:
        raise ValueError(f"{p.name}: " + "; ".join(problems))
    df.insert(1, "corridor", df["id"].map(corridor_of))
    return df


# ----------------------------------------------------------------------------------------------- routes

def _norm_token(tok: str) -> str:
    from beltroad.data.sea import canonical_passage

    t = tok.strip()
    if re.fullmatch(r"[A-Za-z]{3}", t) and t.isupper():
        return t  # ISO3 country code
    return canonical_passage(t) or t.lower().replace("-", "_").replace(" ", "_")


def route_tokens(route) -> set[str]:
    """What a route passes: ISO3 countries, canonical passages, dataset corridors, the modes of its moving
    legs (rail, road, sea, ferry) and `cape` when the sea geometry rounds the Cape."""
    toks = {c.upper() for c in route.countries}
    toks |= {leg.mode for leg in route.legs if leg.mode in MOVE_LEGS}
    toks |= {_norm_token(p) for p in route.passages}
    toks |= {str(c).lower() for c in route.corridors}
    for leg in route.legs:  # a rounding of the Cape is visible in the sea geometry even if not labelled
        if leg.mode == "sea" and any(lat < -30 and 10 < lon < 35 for lon, lat, *_ in leg.coordinates or []):
            toks.add("cape")
            break
    return toks


def via_tokens(route_via: str) -> list[str]:
    return [_norm_token(t) for t in re.split(r"[;,]", route_via or "") if t.strip()]


def _is_customs(leg) -> bool:
    return leg.mode == "customs" or (leg.mode == "handling" and "customs" in (leg.detail or "").lower())


def _leg_hours(leg) -> float:
    return float(leg.transit_hours) - float(getattr(leg, "customs_hours", 0.0) or 0.0)


def _strip_road_ends(legs: list) -> list:
    i, j = 0, len(legs)
    while i < j and legs[i].mode == "road":
        i += 1
    while j > i and legs[j - 1].mode == "road":
        j -= 1
    return legs[i:j]


def measure_value(route, measure: str) -> tuple[float, float, str]:
    """(days, km, basis) of a model route on an observation's measure.

    door_to_door: the route's `door_to_door_days` when the model provides it, else `transit_days`.
    terminal_to_terminal / border_to_border: the route's `terminal_to_terminal_days` when provided, else from
    the legs: all legs minus the customs clearance and minus the road legs at either end.
    port_to_port: `port_to_port_days` when provided, else from the first to the last sea/ferry leg (the
    span a liner schedule measures); without a water leg, as terminal_to_terminal.
    """
    legs = [leg for leg in route.legs if not _is_customs(leg)]
    if measure == "door_to_door":
        new = getattr(route, "door_to_door_days", None)
        days = float(new) if new is not None else float(route.transit_days)
        return days, float(route.distance_km), "door_to_door_days" if new is not None else "transit_days"
    if measure == "port_to_port":
        idx = [k for k, leg in enumerate(legs) if leg.mode in WATER_LEGS]
        if idx:
            return _span_value(route, legs[idx[0]: idx[-1] + 1], "port_to_port_days", "legs: first to last water leg")
    return _span_value(route, _strip_road_ends(legs), "terminal_to_terminal_days",
                       "legs: minus end road legs and customs")


def _span_value(route, span: list, attribute: str, legs_basis: str) -> tuple[float, float, str]:
    """(days, km, basis) over the legs `span`: the route's own `attribute` (days) when the model provides it,
    else the sum of the span's leg hours; km always from the span."""
    km = sum(float(leg.distance_km) for leg in span)
    new = getattr(route, attribute, None)
    if new is not None:
        return float(new), km, attribute
    return sum(_leg_hours(leg) for leg in span) / 24.0, km, legs_basis


def running_days(route) -> float:
    """Departure to arrival of the main haul: legs without customs, end road legs and end terminal handling.

    Informational: press releases usually quote a train's or ship's departure-to-arrival time, which leaves
    out the origin terminal's handling and departure wait that the model's terminal_to_terminal includes.
    """
    core = _strip_road_ends([leg for leg in route.legs if not _is_customs(leg)])
    i, j = 0, len(core)
    while i < j and core[i].mode not in MOVE_LEGS:
        i += 1
    while j > i and core[j - 1].mode not in MOVE_LEGS:
        j -= 1
    return sum(_leg_hours(leg) for leg in core[i:j]) / 24.0


def pick_route(routes: list, mode: str, tokens: list[str]) -> tuple[Any, str]:
    """The route of the observation's main mode that passes most of `tokens` (ties: better rank)."""
    if not routes:
        return None, "no route"
    same = [r for r in routes if mode == "multimodal" or r.main_mode == mode]
    pool = same or routes
    want = set(tokens)

    def score(r) -> float:
        return len(want & route_tokens(r)) / len(want) if want else 1.0

    best = max(pool, key=lambda r: (score(r), -r.rank))
    s = score(best)
    if not same:
        label = f"other mode ({best.main_mode})"
    elif s == 1.0:
        label = "match"
    elif s > 0:
        label = f"partial {len(want & route_tokens(best))}/{len(want)}"
    else:
        label = "best of mode"
    return best, label


# ----------------------------------------------------------------------------------------------- evaluate

def _plan_mode(mode: str) -> str:
    return mode if mode in ("rail", "sea", "road") else "multimodal"


def _resolve_all(names: Iterable[str], session) -> dict[str, Any]:
    out = {}
    for n in dict.fromkeys(names):
        try:
            out[n] = session.resolve(n)
        except Exception as exc:  # reported per row, never a traceback
            out[n] = exc
    return out


def evaluate(observed: pd.DataFrame | None = None, *, sets: str | Iterable[str] | None = None, session=None,
             dataset_dir: str | Path | None = None, alternatives: int = 3, objective: str = "time",
             scenario: str | None = None, places: dict[str, Any] | None = None,
             progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """One row per observation: model value on its measure, observation, errors and the route used.

    Parameters
    ----------
    observed : DataFrame, optional
        Observations in the columns of calibration/observed.csv (the default: that file, via `load_observed`).
    sets : str or iterable of str, optional
        'fit', 'validation' or 'all' (None: all rows).
    session : Session, optional
        The session to plan with (default: `dataset_dir`'s, else the default session).
    dataset_dir : str or Path, optional
        Evaluate a dataset loaded from another folder (e.g. a fitted copy).
    alternatives, objective, scenario
        Passed to each plan; the observation's mode and `route_via` pick one of the alternatives.
    places : dict, optional
        Place names already resolved (saves gazetteer work when many datasets are compared).
    progress : callable, optional
        Called with (done, total) after each observation.

    Returns
    -------
    DataFrame
        The observations plus the model's value, its route and the errors (`pct_error`, `abs_pct_error`,
        `within_20pct`, ...); see `summarise`.
    """
    from beltroad.routing.session import Session, default_session

    obs = load_observed() if observed is None else observed.copy()
    if "corridor" not in obs.columns:
        obs.insert(1, "corridor", obs["id"].map(corridor_of))
    if sets not in (None, "all"):
        keep = [sets] if isinstance(sets, str) else list(sets)
        unknown = set(keep) - set(SETS)
        if unknown:
            raise ValueError(f"unknown set(s) {sorted(unknown)}; use fit, validation or all")
        obs = obs[obs["set"].isin(keep)]
    if session is None:
        if dataset_dir is not None:
            from beltroad.data.loader import load_dataset
            from beltroad.network.build import load_network

            session = Session(network=load_network(load_dataset(dataset_dir), use_cache=False))
        else:
            session = default_session()
    resolver = default_session() if places is None and dataset_dir is not None else session
    places = dict(places or {})
    missing = [n for n in pd.concat([obs["origin"], obs["destination"]]) if n not in places]
    places.update(_resolve_all(missing, resolver))

    rows = []
    for k, r in enumerate(obs.itertuples(index=False)):
        if progress:
            progress(k, len(obs))
        rows.append(_evaluate_row(r, session, places, alternatives, objective, scenario))
    out = pd.DataFrame(rows)
    return _add_errors(out)


def _evaluate_row(r, session, places, alternatives, objective, scenario) -> dict[str, Any]:
    from beltroad.routing.planner import RouteError

    row = {"id": r.id, "corridor": r.corridor, "set": r.set, "origin": r.origin, "destination": r.destination,
           "mode": r.mode, "measure": r.measure, "route_via": r.route_via, "observed_days": r.transit_days,
           "observed_low": r.transit_days_low, "observed_high": r.transit_days_high,
           "observed_km": r.distance_km, "year": r.year, "model_days": np.nan, "model_km": np.nan,
           "model_running_days": np.nan,
           "route_rank": np.nan, "route_summary": "", "route_match": "", "route_countries": "",
           "model_basis": "", "problem": ""}
    o, d = places.get(r.origin), places.get(r.destination)
    for name, p in ((r.origin, o), (r.destination, d)):
        if p is None or isinstance(p, Exception):
            row["problem"] = f"place '{name}': {p}"
            return row
    tokens = via_tokens(r.route_via)
    routes, note = [], ""
    for mode in dict.fromkeys((_plan_mode(r.mode), "multimodal")):
        try:
            routes = list(session.plan(o, d, mode=mode, alternatives=alternatives, objective=objective,
                                       scenario=scenario).routes)
            if mode != _plan_mode(r.mode):
                note = f"no route with --mode {_plan_mode(r.mode)}; planned multimodal"
            break
        except (RouteError, ValueError) as exc:
            note = str(exc).splitlines()[0]
    for pas in [t for t in tokens if t in RIVAL_PASSAGES]:
        if routes and not any(pas in route_tokens(x) for x in routes):
            try:
                extra = session.plan(o, d, mode=_plan_mode(r.mode), alternatives=1, objective=objective,
                                     scenario=scenario, avoid_passages=RIVAL_PASSAGES[pas]).routes
                found = [replace(x, rank=len(routes) + 1 + k) for k, x in enumerate(extra) if pas in route_tokens(x)]
                if found:  # ranked after the plain alternatives, and said so
                    routes += found
                    note = (note + "; " if note else "") + (
                        f"route via {pas} planned separately (avoiding {', '.join(RIVAL_PASSAGES[pas])}), "
                        f"rank {found[0].rank}")
            except (RouteError, ValueError):
                pass
    route, label = pick_route(routes, r.mode, tokens)
    if route is None:
        row["problem"] = note or "no route"
        return row
    days, km, basis = measure_value(route, r.measure)
    row.update(model_days=days, model_km=km, model_running_days=running_days(route), route_rank=route.rank, route_summary=route.summary,
               route_match=label, route_countries="-".join(route.countries), model_basis=basis, problem=note)
    return row


def _add_errors(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for col in ("model_days", "observed_days", "observed_low", "observed_high", "observed_km", "model_km"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    df["error_days"] = df["model_days"] - df["observed_days"]
    df["pct_error"] = 100.0 * df["error_days"] / df["observed_days"]
    df["abs_pct_error"] = df["pct_error"].abs()
    df["within_20pct"] = df["abs_pct_error"].le(WITHIN_PCT).where(df["model_days"].notna())
    lo = df["observed_low"].fillna(-np.inf)
    hi = df["observed_high"].fillna(np.inf)
    has_band = df["observed_low"].notna() | df["observed_high"].notna()
    df["within_band"] = ((df["model_days"] >= lo) & (df["model_days"] <= hi)).where(has_band & df["model_days"].notna())
    df["distance_error_km"] = (df["model_km"] - df["observed_km"]).where(df["observed_km"].notna())
    df["distance_pct_error"] = 100.0 * df["distance_error_km"] / df["observed_km"]
    return df


# ----------------------------------------------------------------------------------------------- summaries

def _stats(g: pd.DataFrame) -> dict[str, Any]:
    ok = g[g["model_days"].notna()]
    band = ok["within_band"].dropna()
    dist = ok["distance_pct_error"].dropna()
    return {"n": int(len(g)), "n_evaluated": int(len(ok)),
            "median_abs_pct_error": float(ok["abs_pct_error"].median()) if len(ok) else np.nan,
            "share_within_20pct": float(ok["within_20pct"].astype(bool).mean()) if len(ok) else np.nan,
            "median_pct_error": float(ok["pct_error"].median()) if len(ok) else np.nan,
            "share_within_band": float(band.astype(bool).mean()) if len(band) else np.nan,
            "median_abs_distance_pct_error": float(dist.abs().median()) if len(dist) else np.nan}


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    """Median absolute % error and share within +/-20 % for each set (and all rows) overall, by corridor, by mode.

    Parameters
    ----------
    df : DataFrame
        What `evaluate` returns.

    Returns
    -------
    DataFrame
        One row per (set, by, group): by is 'all', 'corridor', 'mode' or 'measure'.
    """
    rows = []
    for set_name in (*SETS, "all"):
        sub = df if set_name == "all" else df[df["set"] == set_name]
        if not len(sub):
            continue
        rows.append({"set": set_name, "by": "all", "group": "all", **_stats(sub)})
        for by in ("corridor", "mode", "measure"):
            for grp, g in sub.groupby(by, sort=True):
                rows.append({"set": set_name, "by": by, "group": grp, **_stats(g)})
    return pd.DataFrame(rows)


def report_dict(summary: pd.DataFrame, moved: pd.DataFrame | None = None) -> dict[str, Any]:
    """Machine-readable summary (calibration/report.json): per set, overall and by mode."""
    def clean(x):
        return None if isinstance(x, float) and math.isnan(x) else (round(x, 3) if isinstance(x, float) else x)

    out: dict[str, Any] = {"within_pct": WITHIN_PCT, "sets": {}}
    for set_name, g in summary.groupby("set", sort=False):
        overall = g[g["by"] == "all"].iloc[0]
        out["sets"][set_name] = {
            "n": int(overall["n"]), "n_evaluated": int(overall["n_evaluated"]),
            "median_abs_pct_error": clean(float(overall["median_abs_pct_error"])),
            "share_within_20pct": clean(float(overall["share_within_20pct"])),
            "by_mode": {m["group"]: {"n": int(m["n"]), "median_abs_pct_error": clean(float(m["median_abs_pct_error"])),
                                     "share_within_20pct": clean(float(m["share_within_20pct"]))}
                        for _, m in g[g["by"] == "mode"].iterrows()},
        }
    out["parameters_moved"] = [] if moved is None else [
        {k: clean(v) for k, v in rec.items()} for rec in moved[moved["moved"]].to_dict("records")]
    return out


# ----------------------------------------------------------------------------------------------- fitting

def _get(params: dict, path: list[str]) -> Any:
    node: Any = params
    for p in path:
        if not isinstance(node, dict) or p not in node:
            raise KeyError(".".join(path))
        node = node[p]
    return node


def fittable_parameters(params: dict, prefix: str = "") -> list[tuple[str, float, float]]:
    """(dotted name, low, high) of every parameter carrying a numeric value with a low/high range."""
    out = []
    for k, v in (params or {}).items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            if v.get("value") is not None and v.get("low") is not None and v.get("high") is not None:
                out.append((name, float(v["low"]), float(v["high"])))
            else:
                out += fittable_parameters(v, name + ".")
    return out


def parameter_range(params: dict, name: str) -> tuple[float, float, float]:
    """(value, low, high) of a dotted parameter; ValueError unless it carries a sourced low/high."""
    try:
        entry = _get(params, name.split("."))
    except KeyError:
        raise ValueError(f"parameter '{name}' is not in parameters.yaml") from None
    if not isinstance(entry, dict) or entry.get("value") is None:
        raise ValueError(f"parameter '{name}' has no numeric `value` in parameters.yaml")
    if entry.get("low") is None or entry.get("high") is None:
        raise ValueError(f"parameter '{name}' cannot be fitted: it has no sourced `low`/`high` range in "
                         "parameters.yaml (calibration may only choose inside a published range)")
    if not entry.get("source"):
        raise ValueError(f"parameter '{name}' cannot be fitted: its range has no `source`")
    value, low, high = float(entry["value"]), float(entry["low"]), float(entry["high"])
    if not low <= high:
        raise ValueError(f"parameter '{name}': low {low} is above high {high}")
    return value, low, high


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _unquoted(text: str, start: int, stop: int):
    """(offset, char, depth) of each character of text[start:stop] outside quotes; depth counts the brackets
    opened before it (a closing bracket stands at the depth of its content)."""
    depth, quote = 0, ""
    for k in range(start, stop):
        ch = text[k]
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
            continue
        yield k, ch, depth
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1


def _flow_span(text: str, start: int) -> tuple[int, int]:
    """[open, close] offsets of the `{...}` flow mapping starting at or after `start`."""
    i = text.index("{", start)
    for k, ch, depth in _unquoted(text, i, len(text)):
        if ch in "}]" and depth == 1:
            return i, k
    raise ValueError("unbalanced flow mapping in parameters.yaml")


def _top_entries(text: str, i: int, j: int) -> list[tuple[str, int, int]]:
    """(key, start, end) of the depth-1 entries of the flow mapping text[i..j] (end excludes the comma)."""
    out, k0 = [], i + 1
    for k, ch, depth in _unquoted(text, i + 1, j + 1):
        if (ch == "," and depth == 0) or k == j:
            seg = text[k0:k]
            m = re.match(r"\s*([A-Za-z_][\w-]*)\s*:", seg)
            if m:
                out.append((m.group(1), k0, k))
            k0 = k + 1
    return out


def set_parameter_text(text: str, name: str, value: float, low: float, high: float,
                       report: str = REPORT_REF) -> str:
    """parameters.yaml text with `name`'s value replaced and a `calibrated` note added; comments kept."""
    path = name.split(".")
    lines = text.splitlines(keepends=True)
    offsets = np.cumsum([0] + [len(x) for x in lines])
    start, indent, line_no = 0, -1, None
    for key in path:
        pat = re.compile(rf"^(\s*){re.escape(key)}\s*:")
        line_no, child = None, None
        for n in range(start, len(lines)):
            ln = lines[n]
            if not ln.strip() or ln.lstrip().startswith("#"):
                continue
            ind = len(ln) - len(ln.lstrip())
            if ind <= indent:
                break
            child = ind if child is None else child  # only direct children (not `circuity: rail:`)
            m = pat.match(ln)
            if m and len(m.group(1)) == child:
                line_no, indent = n, len(m.group(1))
                break
        if line_no is None:
            raise ValueError(f"parameter '{name}' not found in parameters.yaml text")
        start = line_no + 1
    key_pos = int(offsets[line_no]) + lines[line_no].index(":") + 1
    i, j = _flow_span(text, key_pos)
    entries = _top_entries(text, i, j)
    val = next((e for e in entries if e[0] == "value"), None)
    if val is None:
        raise ValueError(f"parameter '{name}' has no `value:` entry in its flow mapping")
    cal = f"calibrated: {{range: [{_fmt(low)}, {_fmt(high)}], report: {report}}}"
    old_cal = next((e for e in entries if e[0] == "calibrated"), None)
    new = text
    if old_cal is not None:  # drop the previous note (with its following comma and blank)
        s, e = old_cal[1], old_cal[2]
        e2 = e + 1 if new[e:e + 1] == "," else e
        new = new[:s] + new[e2:]
        shift = e2 - s
        if val[1] > s:
            val = (val[0], val[1] - shift, val[2] - shift)
    lead = re.match(r"\s*", new[val[1]:val[2]]).group(0)
    new = new[:val[1]] + f"{lead}value: {_fmt(value)}, {cal}" + new[val[2]:]
    check = _get(yaml.safe_load(new), path)
    if not math.isclose(float(check["value"]), float(_fmt(value)), rel_tol=1e-9) or "calibrated" not in check:
        raise ValueError(f"could not rewrite '{name}' in parameters.yaml")
    return new


@dataclass
class FitResult:
    """What a calibration run chose: per parameter before/after, and where the fitted dataset lives."""

    dataset_dir: Path
    table: pd.DataFrame
    objective_before: float
    objective_after: float
    trials: list[dict] = field(default_factory=list)


def fit(parameters: list[str], *, observed: pd.DataFrame | None = None, dataset_dir: str | Path | None = None,
        out_dir: str | Path | None = None, grid_points: int = 5, rounds: int = 1, report: str = REPORT_REF,
        alternatives: int = 3, objective: str = "time",
        progress: Callable[[str], None] | None = None) -> FitResult:
    """Coordinate search inside each parameter's sourced [low, high], minimising the fitting set's median
    absolute % error.

    Parameters
    ----------
    parameters : list of str
        Dotted names in parameters.yaml; only those with `low`/`high` (and a `source`) can be fitted
        (see `fittable_parameters`).
    observed : DataFrame, optional
        Observations (default: calibration/observed.csv); only the `fit` set is scored.
    dataset_dir : str or Path, optional
        The dataset to start from (default: the shipped one).
    out_dir : str or Path, optional
        Where the fitted copy goes (default: a new temporary folder). Only the copy's parameters.yaml is
        rewritten, unless `out_dir` is the dataset folder itself.
    grid_points, rounds : int
        Values tried per parameter and round (at least 2), and passes over all parameters.
    report : str
        The report named in each fitted value's `calibrated` note.
    alternatives, objective
        Passed to `evaluate`.
    progress : callable, optional
        Called with a line of text per trial.

    Returns
    -------
    FitResult
        The fitted dataset's folder, a before/after table per parameter and every trial.

    Raises
    ------
    ValueError
        No parameter named, a parameter without a sourced range, fewer than 2 grid points, no parameters.yaml
        in `dataset_dir`, or no `fit` rows among the observations.
    """
    from beltroad.data.loader import DATA_DIR, load_dataset
    from beltroad.network.build import load_network
    from beltroad.routing.session import Session, default_session

    if not parameters:
        raise ValueError("name at least one parameter to fit")
    if grid_points < 2:
        raise ValueError("grid_points must be 2 or more")
    src = Path(dataset_dir) if dataset_dir else DATA_DIR
    if not (src / "parameters.yaml").exists():
        raise ValueError(f"no parameters.yaml in dataset folder {src}")
    for p in dict.fromkeys(parameters):  # refuse before copying anything
        parameter_range(yaml.safe_load((src / "parameters.yaml").read_text()), p)
    out = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="beltroad-fit-"))
    if out.resolve() != src.resolve():
        shutil.copytree(src, out, dirs_exist_ok=True)
    ypath = out / "parameters.yaml"
    original = ypath.read_text()
    params = yaml.safe_load(original)
    specs = {p: parameter_range(params, p) for p in dict.fromkeys(parameters)}

    obs = load_observed() if observed is None else observed
    fit_obs = obs[obs["set"] == "fit"]
    if not len(fit_obs):
        raise ValueError("the observations have no `fit` rows")
    places = _resolve_all(pd.concat([fit_obs["origin"], fit_obs["destination"]]), default_session())
    cache: dict[tuple, float] = {}
    trials: list[dict] = []

    def text_for(values: dict[str, float], mark: bool) -> str:
        t = original
        for p, v in values.items():
            _, lo, hi = specs[p]
            t = set_parameter_text(t, p, v, lo, hi, report) if mark else _set_value_only(t, p, v, lo, hi)
        return t

    def score(values: dict[str, float]) -> float:
        key = tuple(round(values[p], 12) for p in specs)
        if key not in cache:
            ypath.write_text(text_for(values, mark=False))
            net = load_network(load_dataset(out), use_cache=False)
            ev = evaluate(fit_obs, session=Session(network=net), places=places, alternatives=alternatives,
                          objective=objective)
            cache[key] = float(ev["abs_pct_error"].median())
            trials.append({**values, "fit_median_abs_pct_error": cache[key]})
            if progress:
                progress(f"{values} -> {cache[key]:.2f}")
        return cache[key]

    try:
        current = {p: v for p, (v, _, _) in specs.items()}
        before = score(current)
        best = before
        for _ in range(rounds):
            for p, (_, lo, hi) in specs.items():
                for cand in np.linspace(lo, hi, grid_points):
                    trial = {**current, p: float(cand)}
                    s = score(trial)
                    # strictly better only: a tie keeps the sourced default
                    if s < best - 1e-9:
                        best, current = s, trial
        ypath.write_text(text_for(current, mark=True))
    except Exception:
        ypath.write_text(original)
        raise
    table = pd.DataFrame([{"parameter": p, "before": v, "after": current[p], "low": lo, "high": hi,
                           "moved": not math.isclose(v, current[p], rel_tol=1e-9)}
                          for p, (v, lo, hi) in specs.items()])
    assert ((table["after"] >= table["low"]) & (table["after"] <= table["high"])).all()
    return FitResult(dataset_dir=out, table=table, objective_before=before, objective_after=best, trials=trials)


def _set_value_only(text: str, name: str, value: float, low: float, high: float) -> str:
    """Trial value (no `calibrated` note); refuses a value outside [low, high]."""
    if not low - 1e-12 <= value <= high + 1e-12:
        raise ValueError(f"{name}: {value} is outside its range [{low}, {high}]")
    new = set_parameter_text(text, name, value, low, high)
    return new.replace(f", calibrated: {{range: [{_fmt(low)}, {_fmt(high)}], report: {REPORT_REF}}}", "", 1)


# ----------------------------------------------------------------------------------------------- report

def _md_table(df: pd.DataFrame, floatfmt: str = ".1f") -> str:
    if not len(df):
        return "_none_"
    clean = df.astype(object).where(df.notna(), None)  # blank cells, not 'nan'
    return clean.to_markdown(index=False, floatfmt=floatfmt, missingval="")


def render_markdown(df: pd.DataFrame, summary: pd.DataFrame, moved: pd.DataFrame | None = None,
                    observed_path: str = "calibration/observed.csv", written: bool = True,
                    params: dict | None = None) -> str:
    """The 'Transit times and distances' section of docs/validation.md."""
    n_fit, n_val = int((df["set"] == "fit").sum()), int((df["set"] == "validation").sum())
    lines = ["## Transit times and distances", "",
             f"Generated by `python tools/calibrate.py --out docs/validation.md` from `{observed_path}` "
             f"({len(df)} published observations: {n_fit} in the fitting set, {n_val} in the validation set). "
             "Each row is planned with `beltroad.service.plan(..., alternatives=3)`; the route used is the "
             "alternative of the observation's main mode passing most of its `route_via` countries, passages "
             "and corridors (`route_match`). The model value is taken on the observation's measure: "
             "door-to-door = the route's total; terminal-to-terminal and border-to-border = the total minus the "
             "customs clearance and the road legs at either end (or `terminal_to_terminal_days` when the model "
             "provides it); port-to-port = first to last sea/ferry leg. Error = model - observed; "
             "% error = 100 x error / observed. 'band' = inside the published low-high range. Most published rail "
             "and liner figures are departure-to-arrival times; the model's terminal-to-terminal also holds the "
             "origin terminal's handling and departure wait, so `model_running_days` (first to last moving leg, "
             "in the per-row output of `evaluate`) is given beside it for reading, not for scoring.", "",
             "Sets: fixed by `assign_sets` (SHA-256 of the id below 0.4 -> validation, each corridor of two or "
             "more rows given both sets); "
             "never changed to improve a score. Observations marked *in-sample* in `notes` were also used to derive "
             "a parameter and say little about predictive skill.", ""]
    for set_name, title in (("fit", "Fitting set"), ("validation", "Validation set"), ("all", "All observations")):
        s = summary[summary["set"] == set_name]
        if not len(s):
            continue
        overall = s[s["by"] == "all"].iloc[0]
        lines += [f"### {title}", "",
                  f"Median absolute % error **{overall['median_abs_pct_error']:.1f} %**, share within ±20 % "
                  f"**{100 * overall['share_within_20pct']:.0f} %** ({int(overall['n_evaluated'])} of "
                  f"{int(overall['n'])} rows evaluated).", ""]
        for by in ("mode", "corridor", "measure"):
            t = s[s["by"] == by][["group", "n", "median_abs_pct_error", "share_within_20pct", "median_pct_error",
                                  "share_within_band", "median_abs_distance_pct_error"]].rename(columns={
                                      "group": by, "median_abs_pct_error": "median abs % err",
                                      "share_within_20pct": "share ±20%", "median_pct_error": "median % err",
                                      "share_within_band": "share in band",
                                      "median_abs_distance_pct_error": "median abs dist % err"})
            lines += [f"By {by}:", "", _md_table(t, ".2f"), ""]
    lines += ["### Parameters moved by calibration", ""]
    if params is not None:
        ranged = fittable_parameters(params)
        lines += ["Parameters with a sourced `low`/`high` range in parameters.yaml (the only ones a fit may move): "
                  + (", ".join(f"`{n}` [{_fmt(lo)}, {_fmt(hi)}]" for n, lo, hi in ranged) or "none") + ".", ""]
    if moved is None or not len(moved) or not moved["moved"].any():
        lines += ["None. Calibration may only choose a value inside a parameter's sourced `low`/`high` range in "
                  "`parameters.yaml`; " + ("the parameters fitted in this run did not improve the fitting set, so "
                                           "they keep their sourced defaults." if moved is not None and len(moved)
                                           else "no fit was run for this report.")
                  + " Fitting: `python tools/calibrate.py --fit PARAM ... [--write]`.", ""]
        if moved is not None and len(moved):
            lines += [_md_table(moved, ".4g"), ""]
    else:
        if not written:
            lines += ["Proposed by the fit, **not written** to the shipped parameters.yaml (run with `--write`); "
                      "the tables above use the shipped values.", ""]
        lines += [_md_table(moved, ".4g"), ""]
    cols = ["id", "set", "origin", "destination", "mode", "measure", "observed_days", "observed_low",
            "observed_high", "model_days", "error_days", "pct_error", "within_band", "observed_km", "model_km",
            "distance_pct_error", "route_match", "route_summary", "problem"]
    table = df[cols].assign(within_band=df["within_band"].map({True: "yes", False: "no"}))
    table = table.rename(columns={"observed_days": "obs d", "observed_low": "low", "observed_high": "high",
                                     "model_days": "model d", "error_days": "err d", "pct_error": "% err",
                                     "within_band": "band", "observed_km": "obs km", "model_km": "model km",
                                     "distance_pct_error": "dist % err"})
    lines += ["### Per observation", "", _md_table(table, ".1f"), ""]
    return "\n".join(lines)


SECTION_START = "<!-- calibration:transit-times:start -->"
SECTION_END = "<!-- calibration:transit-times:end -->"


def write_section(doc_path: str | Path, section: str) -> Path:
    """Replace (or append) the generated section of docs/validation.md, leaving any other text alone."""
    p = Path(doc_path)
    block = f"{SECTION_START}\n{section.rstrip()}\n{SECTION_END}\n"
    if p.exists():
        text = p.read_text()
        if SECTION_START in text and SECTION_END in text:
            a, b = text.index(SECTION_START), text.index(SECTION_END) + len(SECTION_END)
            text = text[:a] + block.rstrip("\n") + text[b:]
        else:
            text = text.rstrip("\n") + "\n\n" + block
    else:
        text = "# Validation\n\nHow well the model reproduces published observations.\n\n" + block
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def write_report_json(path: str | Path, summary: pd.DataFrame, moved: pd.DataFrame | None = None) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(report_dict(summary, moved), indent=2) + "\n")
    return p


__all__ = ["COLUMNS", "FitResult", "assign_sets", "evaluate", "fit", "load_observed", "measure_value",
           "parameter_range", "pick_route", "render_markdown", "report_dict", "set_parameter_text", "summarise",
           "write_report_json", "write_section"]


def choice_agreement(objective: str, observed: pd.DataFrame | None = None, *, session=None,
                     sets: str | Iterable[str] | None = "fit") -> pd.DataFrame:
    """Does the planner's unconstrained best route under `objective` take the observed mode and pass the
    observed corridor tokens?

    The observations are published services, each a choice a shipper made for that trip, so the share of
    agreement tells which objective reproduces observed choices best (used to pick the default objective).

    Parameters
    ----------
    objective : str
        'time', 'cost', 'co2' or 'generalized'.
    observed : DataFrame, optional
        Observations (default: calibration/observed.csv).
    session : Session, optional
        The session to plan with (default: the default session).
    sets : str or iterable of str, optional
        'fit' (the default), 'validation' or 'all'.

    Returns
    -------
    DataFrame
        One row per observation with a single main mode (rail, sea or road): `id`, `mode`, `agrees`,
        `model_mode` and `why` (what differs).
    """
    from beltroad.routing.session import default_session

    s = session or default_session()
    obs = load_observed() if observed is None else observed
    if sets not in (None, "all"):
        wanted = {sets} if isinstance(sets, str) else set(sets)
        obs = obs[obs["set"].isin(wanted)]
    obs = obs[obs["mode"].isin(["rail", "sea", "road"])]
    places = _resolve_all(list(obs["origin"]) + list(obs["destination"]), s)
    rows = []
    for r in obs.itertuples(index=False):
        o, d = places.get(r.origin), places.get(r.destination)
        if isinstance(o, Exception) or isinstance(d, Exception):
            continue
        try:
            best = s.plan(o, d, objective=objective, alternatives=1).routes[0]
        except Exception as exc:  # an unreachable row counts as a disagreement, with its reason
            rows.append({"id": r.id, "mode": r.mode, "agrees": False, "model_mode": "", "why": str(exc)[:80]})
            continue
        want = set(via_tokens(r.route_via))
        passes = want <= route_tokens(best)
        rows.append({"id": r.id, "mode": r.mode, "agrees": bool(best.main_mode == r.mode and passes),
                     "model_mode": best.main_mode, "why": "" if passes else "route differs"})
    return pd.DataFrame(rows)
