"""Skim two scenarios over a city set and turn the time changes into trade-cost changes (`compare`)."""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from beltroad.analysis.changes import fixed_mode_groups, aggregate, compare_skims, corridor_economies
from beltroad.analysis.comparison import Comparison
from beltroad.data.cities import city_set, economies
from beltroad.places import Place
from beltroad.routing.engine import Access
from beltroad.routing.skim import skim

FIXED_MODES = ("rail", "sea", "road")


def fixed_mode_change(net, states: tuple, places: list[Place], base_pairs: pd.DataFrame, access: Access,
                      objective: str = "time") -> np.ndarray:
    """Change in days when a shipment keeps its base main-haul mode (the World Bank study's lower bound, A7.08).

    For each main mode, both scenarios are skimmed with the other main-haul modes removed; a pair's change is
    the change of the skim of its base main mode (the caller bounds it by the free-switching change).
    Pairs whose mode is unreachable in either stay NaN.
    """
    from beltroad.routing.planner import Constraints, constraint_mask

    change = np.full(len(base_pairs), np.nan)
    for mode in FIXED_MODES:
        rows = (base_pairs["main_mode"] == mode).to_numpy()
        if not rows.any():
            continue
        mask = constraint_mask(net, Constraints(mode=mode))
        a, b = (skim(net, st, places, objective=objective, access=access, mask=mask) for st in states)
        change[rows] = (b["transit_days"] - a["transit_days"]).to_numpy()[rows]
    return change


def compare(base: str = "baseline", scenario: str = "no-russia-belarus-transit", cities: str | list[Place] = "world-1000",
            objective: str = "time", *, session, progress: Callable[[str, int, int], None] | None = None,
            bounds: bool = False, accounting: str = "beltroad", groups: str = "default") -> Comparison:
    """Skim both scenarios on the city set and aggregate the changes (DataFrames for notebooks).

    The default change lets shipments switch to the best mode after the change (the World Bank study's upper
    bound); `bounds=True` adds the fixed-mode lower bound (`*_fixed_mode` columns and group rows).
    Every pair also carries the papers' accounting (analysis.worldbank.add_accountings); `accounting` names
    the one the headline leads with, and `groups="world-bank"` makes the headline the World Bank's groups
    (world, the 71 BRI economies, non-BRI, six corridors, Maritime Silk Road).
    """
    from beltroad.analysis import worldbank as wb

    if accounting not in wb.ACCOUNTINGS + ("both",):
        raise ValueError(f"unknown accounting '{accounting}' (beltroad, papers, both)")
    if groups not in wb.GROUP_SETS:
        raise ValueError(f"unknown group set '{groups}' ({', '.join(wb.GROUP_SETS)})")
    s = session  # a beltroad.service.Session (analysis does not reach up to the service layer for one)
    places = city_set(cities, s.gazetteer) if isinstance(cities, str) else list(cities)
    net = s.network
    access = Access(net)
    frames = []
    for name in (base, scenario):
        state = s.state(name)
        cb = (lambda done, total, name=name: progress(name, done, total)) if progress else None
        frames.append(skim(net, state, places, objective=objective, access=access, progress=cb))
    vot = net.params["value_of_time"]
    pct = float(vot["ad_valorem_pct_per_day"]["value"])
    pairs = compare_skims(frames[0], frames[1], pct)
    base_modes = frames[0][["main_mode"]]  # all the fixed-mode bound needs of the base skim
    del frames  # the two skims (~110 MB each at 1M pairs) are in `pairs` now: free them before the columns grow
    change = pairs["transit_days_change"].to_numpy()
    pairs["trade_cost_change_pct_low"] = change * float(vot["ad_valorem_pct_per_day"]["low"])
    pairs["trade_cost_change_pct_high"] = change * float(vot["ad_valorem_pct_per_day"]["high"])
    for sector, entry in (vot.get("by_sector") or {}).items():  # sector values where the data supports them
        pairs[f"trade_cost_change_pct_{sector}"] = change * float(entry["value"])
    if bounds:
        states = (s.state(base), s.state(scenario))
        fixed = fixed_mode_change(net, states, places, base_modes, access, objective)
        # no switching can never do better than free switching: the bound is the larger of the two changes
        pairs["transit_days_change_fixed_mode"] = np.fmax(fixed, pairs["transit_days_change"].to_numpy())
        pairs["trade_cost_change_pct_fixed_mode"] = pairs["transit_days_change_fixed_mode"] * pct
    pairs = wb.add_accountings(pairs, pct, float(vot["ad_valorem_pct_per_day"]["low"]),
                               float(vot["ad_valorem_pct_per_day"]["high"]))
    if bounds:
        pairs["transit_days_change_fixed_mode_pct"] = (100.0 * pairs["transit_days_change_fixed_mode"]
                                                       / pairs["transit_days_base"])
    eco = economies()
    group_set = groups
    cp, econ, groups, corr, regions = aggregate(pairs, eco, corridor_economies(net.links, net.places))
    if bounds:
        groups = fixed_mode_groups(pairs, eco, groups)
    if group_set == "world-bank":
        groups = wb.world_bank_groups(pairs, eco)
    meta = {"base": base, "scenario": scenario, "objective": objective, "bounds": bounds,
            "cities": cities if isinstance(cities, str) else "custom", "n_cities": len(places),
            "city_pairs": int(len(pairs)),
            "unreachable_pairs_base": int((~pairs["reachable_base"]).sum()),
            "unreachable_pairs_scenario": int((~pairs["reachable_scenario"]).sum()),
            "value_of_time": {"ad_valorem_pct_per_day": pct, "low": vot["ad_valorem_pct_per_day"]["low"],
                              "high": vot["ad_valorem_pct_per_day"]["high"],
                              "source": vot["ad_valorem_pct_per_day"]["source"],
                              "by_sector": vot.get("by_sector", {})},
            "averaging": "simple means over city pairs reachable in both scenarios; economies as exporter and importer; "
                         "a corridor averages the international pairs between economies its links cross",
            "dataset_hash": net.content_hash, "accounting": accounting, "groups": group_set,
            "accounting_note": "trade_cost_change_pct (= trade_cost_change_pp) is change in days x %/day: percentage "
                               "points of cargo value. trade_cost_rel_change_pct is the relative change of the "
                               "time-related trade-cost factor 1 + a*days in the papers' accounting (Hummels & Schaur "
                               "2013, a = %/day / 100). papers_days: Reed & Trubetskoy (2019) border accounting (each "
                               "land crossing at the exporter's Doing Business export time, no port waiting, no end "
                               "customs); nofixed_days: no end customs and no port dwell. The fixed-mode bound is "
                               "beltroad's own definition."}
    return Comparison(base=base, scenario=scenario, objective=objective, pairs=pairs, country_pairs=cp,
                      economies=econ, groups=groups, corridors=corr, region_pairs=regions, metadata=meta)


def compare_economies(base: str, scenario: str, cities: str = "world-200", *, session) -> pd.DataFrame:
    """Per-economy table (iso3, name, change_days, change_pct, trade_cost_change_pct) for the web face."""
    c = compare(base, scenario, cities=cities, session=session)
    cols = [x for x in ("iso3", "name", "region", "bri_member", "change_days", "change_pct", "trade_cost_change_pct")
            if x in c.economies.columns]
    return c.economies[cols]
