"""Project appraisal: every BRI project in isolation and in complement (Reed & Trubetskoy, PRWP 8815).

In isolation, a project's effect is the change from the base network (every project of the inventory taken
out) to the base plus that project. In complement, it is the change from the full network (the scenario with
all projects, `bri-planned` by default) minus that project to the full network. Negative time and cost
changes and positive market-access changes are gains. A project item may bundle ids (`P05+P14`), appraised
together.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from beltroad.places import Place

from .metrics import THETA_SOURCE, market_access_theta
from .runner import CmpTask, Plan, RefTask, execute
from .states import StateSpec

RANK_METRICS = ("transit_days_change", "transit_days_change_pct", "cost_usd_change_pct", "trade_cost_change_pct",
                "market_access_change_pct", "pair_days_saved", "share_of_pairs_faster")


def parse_projects(text: str | Sequence[str] | None, inventory: Sequence[str]) -> list[tuple[str, ...]]:
    """'P01,P07,P05+P14' -> [('P01',), ('P07',), ('P05', 'P14')]; unknown ids raise ValueError."""
    if text is None:
        return [(p,) for p in inventory]
    items = text.split(",") if isinstance(text, str) else list(text)
    out = []
    for item in items:
        ids = tuple(x.strip().upper() for x in str(item).split("+") if x.strip())
        if not ids:
            continue
        bad = [x for x in ids if x not in inventory]
        if bad:
            raise ValueError(f"unknown project id(s) {', '.join(bad)}; the inventory has {inventory[0]}..{inventory[-1]}")
        out.append(ids)
    if not out:
        raise ValueError("no project ids given")
    return out


def label(item: tuple[str, ...]) -> str:
    return "+".join(item)


def fingerprint(obj: dict) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:24]


def places_signature(places: list[Place]) -> str:
    return fingerprint({"p": [(p.name, p.country, round(p.lat, 5), round(p.lon, 5), p.population) for p in places]})


def appraisal_plan(net, places: list[Place], items: list[tuple[str, ...]], *, scenario: str = "bri-planned",
                   objective: str = "time", params: dict[str, float] | None = None, draw: int | None = None,
                   prefix: str = "") -> Plan:
    """Reference skims (base, full) and two comparison tasks per project item."""
    inventory = sorted(net.projects["id"].astype(str).unique())
    params = dict(params or {})
    ptuple = tuple(sorted(params.items()))
    pct = params.get("value_of_time.ad_valorem_pct_per_day",
                     float(net.params["value_of_time"]["ad_valorem_pct_per_day"]["value"]))
    cargo = float(net.params["value_of_time"]["cargo_value_usd_per_teu"]["value"])
    theta = params.get("market_access.theta", market_access_theta(net))
    base = RefTask(f"{prefix}base", StateSpec(scenario, tuple(inventory), ptuple))
    full = RefTask(f"{prefix}full", StateSpec(scenario, (), ptuple))
    extra = (("draw", draw),) if draw is not None else ()
    cmps = []
    for item in items:
        lab = label(item)
        rest = tuple(p for p in inventory if p not in item)
        cmps.append(CmpTask(f"{prefix}isolation-{lab}", StateSpec(scenario, rest, ptuple), base.key,
                            (("project", lab), ("direction", "isolation")) + extra, pct_per_day=pct, cargo_usd=cargo,
                            theta=theta, ref_spec=base.spec))
        cmps.append(CmpTask(f"{prefix}complement-{lab}", StateSpec(scenario, tuple(item), ptuple), full.key,
                            (("project", lab), ("direction", "complement")) + extra, reverse=True, pct_per_day=pct,
                            cargo_usd=cargo, theta=theta, ref_spec=full.spec))
    return Plan(refs=[base, full], cmps=cmps)


@dataclass
class Appraisal:
    """Result of `appraise`: the ranking and the long table behind it (DataFrames for notebooks)."""

    ranking: pd.DataFrame
    rows: pd.DataFrame
    meta: dict = field(default_factory=dict)
    geometry: pd.DataFrame = field(default_factory=pd.DataFrame)  # project segments, for the map

    def table(self, level: str) -> pd.DataFrame:
        """Wide table of one level (group, economy, corridor, city): one row per project, direction and key."""
        sel = self.rows[self.rows["level"] == level]
        return (sel.pivot_table(index=["project", "direction", "key"], columns="metric", values="value",
                                aggfunc="first").reset_index().rename_axis(columns=None))

    @property
    def groups(self) -> pd.DataFrame:
        return self.table("group")

    @property
    def economies(self) -> pd.DataFrame:
        return self.table("economy")

    @property
    def corridors(self) -> pd.DataFrame:
        return self.table("corridor")

    @property
    def cities(self) -> pd.DataFrame:
        return self.table("city")

    def write(self, out_dir: str | Path) -> Path:
        """The five tables (parquet and csv), metadata.json, report.md and report.html in `out_dir`."""
        from .report import write_appraisal_report, write_tables

        tables = {"ranking": self.ranking, "groups": self.groups, "economies": self.economies,
                  "corridors": self.corridors, "cities": self.cities}
        out = write_tables(out_dir, tables, self.meta)
        write_appraisal_report(self, out)
        return out


def ranking_table(rows: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """One row per project: world/BRI/non-BRI changes in isolation and in complement, per USD bn where costed."""
    g = rows[rows["level"] == "group"]
    wide = g.pivot_table(index="project", columns=["direction", "key", "metric"], values="value", aggfunc="first")
    out = pd.DataFrame(index=wide.index)
    for d in ("isolation", "complement"):
        for m in RANK_METRICS:
            if (d, "world", m) in wide.columns:
                out[f"{d}_world_{m}"] = wide[(d, "world", m)]
        for grp in ("bri_economies", "non_bri_economies"):
            for m in ("transit_days_change_pct", "trade_cost_change_pct", "market_access_change_pct"):
                if (d, grp, m) in wide.columns:
                    out[f"{d}_{grp}_{m}"] = wide[(d, grp, m)]
    pr = projects.drop_duplicates("id").set_index("id")
    names, status, cost = [], [], []
    for lab in out.index:
        ids = lab.split("+")
        names.append(" + ".join(str(pr.at[i, "name"]) for i in ids if i in pr.index))
        status.append(";".join(str(pr.at[i, "status"]) for i in ids if i in pr.index))
        c = [pd.to_numeric(pr.at[i, "cost_usd_bn"], errors="coerce") if i in pr.index else np.nan for i in ids]
        cost.append(float(np.sum(c)) if all(np.isfinite(c)) else np.nan)
    out.insert(0, "name", names)
    out.insert(1, "status", status)
    out.insert(2, "cost_usd_bn", cost)
    for d in ("isolation", "complement"):
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{d}_pair_days_saved_per_usd_bn"] = out[f"{d}_world_pair_days_saved"] / out["cost_usd_bn"]
            out[f"{d}_market_access_change_pct_per_usd_bn"] = out[f"{d}_world_market_access_change_pct"] / out["cost_usd_bn"]
    out = out.reset_index().sort_values(["isolation_world_market_access_change_pct", "isolation_world_pair_days_saved"],
                                        ascending=False, na_position="last")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


def appraise(projects: str | Sequence[str] | None = None, cities: str | list[Place] = "world-1000", *,
             scenario: str = "bri-planned", objective: str = "time", out_dir: str | Path | None = None,
             scheduler: str | None = "inline", workers: int | None = None, session=None,
             progress: Callable[[int, int], None] | None = None, client=None) -> Appraisal:
    """Appraise projects in isolation and in complement on a city set; partitions go to `out_dir`/parts.

    scheduler: "inline" (this process, the API default), None (a dask LocalCluster, one worker per core),
    or a dask scheduler address. Without `out_dir`, a temporary folder holds the partitions.
    """
    from beltroad.places.cities import city_set
    from beltroad.routing.session import default_session

    s = session or default_session()
    net = s.network
    inventory = sorted(net.projects["id"].astype(str).unique())
    items = parse_projects(projects, inventory)
    load_scenario_checked(scenario)
    places = city_set(cities, s.gazetteer) if isinstance(cities, str) else list(cities)
    if len(places) < 2:
        raise ValueError("the city set needs at least two places")
    plan = appraisal_plan(net, places, items, scenario=scenario, objective=objective)
    meta = {"kind": "appraisal", "scenario": scenario, "objective": objective, "projects": [label(i) for i in items],
            "cities": cities if isinstance(cities, str) else "custom", "n_cities": len(places),
            "places": places_signature(places), "dataset_hash": net.content_hash}
    plan.meta = {**meta, "fingerprint": fingerprint(meta)}
    rows = execute(plan, net, places, out_dir, objective=objective, scheduler=scheduler, workers=workers,
                   progress=progress, client=client, scratch_prefix="beltroad-appraise-")
    ranking = ranking_table(rows, net.projects)
    meta.update({"tasks": len(plan.refs) + len(plan.cmps), "base": "all inventory projects taken out of " + scenario,
                 "market_access": {"theta": market_access_theta(net), "source": THETA_SOURCE,
                                   "size": "city population (GeoNames)"},
                 "value_of_time_pct_per_day": float(net.params["value_of_time"]["ad_valorem_pct_per_day"]["value"]),
                 "cargo_value_usd_per_teu": float(net.params["value_of_time"]["cargo_value_usd_per_teu"]["value"])})
    from .report import project_geometry

    return Appraisal(ranking=ranking, rows=rows, meta=meta, geometry=project_geometry(net))


def load_scenario_checked(name: str) -> None:
    from beltroad.scenario import load_scenario

    load_scenario(name)  # ScenarioError (a ValueError) names the problem


__all__ = ["Appraisal", "appraisal_plan", "appraise", "parse_projects", "ranking_table"]
