"""Energy corridors: where crude oil and natural gas flow by pipeline, tanker and LNG carrier.

Python API (DataFrames):

    >>> import beltroad.energy as energy
    >>> r = energy.flows("energy-2021", "crude")          # FlowResult: corridors, od, sea_legs, ...
    >>> c = energy.compare("energy-2021", "eu-embargo", "crude")   # dict of DataFrames

A web layer is not part of this package yet (the web issue will add an "Energy" layer reading
`flows(...).corridors` and `.sea_legs`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from beltroad.energy.data import EnergyData, EnergyDataError, load_energy_data
from beltroad.energy.model import EnergyModelError, FlowResult, solve
from beltroad.energy.scenario import EnergyScenario, ScenarioError, load_scenario, preset_names

__all__ = ["flows", "compare", "validate", "load_scenario", "preset_names", "load_energy_data", "FlowResult",
           "EnergyScenario", "EnergyData", "ScenarioError", "EnergyModelError", "EnergyDataError", "COMMODITIES"]

COMMODITIES = ("crude", "gas", "lng")


def _scenario(s: str | Path | EnergyScenario) -> EnergyScenario:
    return s if isinstance(s, EnergyScenario) else load_scenario(s)


def _check_commodity(commodity: str) -> str:
    c = str(commodity).strip().lower()
    if c not in COMMODITIES:
        raise EnergyModelError(f"unknown commodity '{commodity}' (choose crude, gas or lng)")
    return c


def flows(scenario: str | Path | EnergyScenario, commodity: str = "crude") -> FlowResult:
    """Solve the min-cost flow of `commodity` under a preset name, YAML file or scenario object."""
    return solve(_scenario(scenario), _check_commodity(commodity))


def compare(base: str | Path | EnergyScenario, scen: str | Path | EnergyScenario,
            commodity: str = "crude") -> dict:
    """Flows of two scenarios side by side: od shifts, corridor changes, shipping totals (DataFrames)."""
    commodity = _check_commodity(commodity)
    a, b = flows(base, commodity), flows(scen, commodity)
    key = ["origin", "pool", "destination"]
    od = a.od[key + ["flow", "by_sea"]].merge(b.od[key + ["flow", "by_sea"]], on=key, how="outer",
                                               suffixes=("_base", "_scen")).fillna(0.0)
    od["change"] = od["flow_scen"] - od["flow_base"]
    od = od.sort_values("change", key=abs, ascending=False).reset_index(drop=True)
    cor = a.corridors[["corridor", "name", "flow", "capacity"]].merge(
        b.corridors[["corridor", "flow", "utilisation", "mode"]], on="corridor", how="outer",
        suffixes=("_base", "_scen")).fillna({"flow_base": 0.0, "flow_scen": 0.0})
    cor["change"] = cor["flow_scen"] - cor["flow_base"]
    cor = cor.sort_values("change", key=abs, ascending=False).reset_index(drop=True)
    chk = a.chokepoints.merge(b.chokepoints, on="passage", how="outer", suffixes=("_base", "_scen")).fillna(0.0)
    chk["change"] = chk["flow_scen"] - chk["flow_base"]
    keys = [k for k in a.summary if isinstance(a.summary[k], (int, float)) and not isinstance(a.summary[k], bool)]
    summ = pd.DataFrame({"metric": keys, "base": [a.summary[k] for k in keys], "scenario": [b.summary.get(k) for k in keys]})
    summ["change"] = summ["scenario"] - summ["base"]
    return {"base": a, "scenario": b, "od": od, "corridors": cor, "chokepoints": chk, "summary": summ}


def validate() -> pd.DataFrame:
    """Modelled vs observed flows (observed.csv) with the error of each."""
    data = load_energy_data()
    cache: dict = {}
    out = []
    for _, r in data.observed.iterrows():
        key = (r["scenario"], r["commodity"])
        if key not in cache:
            cache[key] = flows(r["scenario"], r["commodity"])
        res = cache[key]
        if r["kind"] == "corridor":
            ids = r["corridor"].split(";")
            model, names = 0.0, []
            for ident in ids:   # 'P21' (largest segment flow) or 'P21@A>B' (flow on one segment)
                pid, _, seg = ident.partition("@")
                row = res.corridors[res.corridors["corridor"].eq(pid)]
                names.append(f"{pid} {row['name'].iloc[0] if len(row) else ''}" + (f" ({seg})" if seg else ""))
                if seg:
                    a, _, b = seg.partition(">")
                    sg = res.segments
                    model += float(sg.loc[sg["corridor"].eq(pid) & sg["tail"].eq(a) & sg["head"].eq(b), "flow"].sum())
                else:
                    model += float(row["flow"].sum())
            what = " + ".join(names)
        else:
            od = res.od[res.od["origin"].eq(r["origin"]) & res.od["destination"].eq(r["destination"])]
            if r["mode"] == "sea":
                model = float(od["by_sea"].sum())
            elif r["mode"] == "pipeline":
                model = float((od.loc[od["pool"].ne("lng"), "flow"] - od.loc[od["pool"].ne("lng"), "by_sea"]).sum())
            else:
                model = float(od["flow"].sum())
            what = f"{r['origin']} -> {r['destination']} ({r['mode']})"
        obs = float(r["value"])
        out.append({"id": r["id"], "scenario": r["scenario"], "commodity": r["commodity"], "flow": what,
                    "observed": obs, "modelled": model, "unit": r["unit"], "error": model - obs,
                    "error_pct": 100.0 * (model - obs) / obs if obs else float("nan"), "source": r["source"],
                    "note": r["note"]})
    return pd.DataFrame(out)
