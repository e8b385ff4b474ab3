"""Skim two scenarios over a city set and turn the time changes into trade-cost changes (`compare`)."""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from beltroad.analysis.changes import _join_pairs, aggregate, corridor_economies, fixed_mode_groups
from beltroad.analysis.comparison import Comparison
from beltroad.analysis.memory import release_freed_memory
from beltroad.analysis.pairs import PairTable, as_codes
from beltroad.places.cities import city_set, economies
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

    Parameters
    ----------
    net : beltroad.network.Network
        The network.
    states : tuple
        Scenario states of the base and the scenario.
    places : list of Place
        The city set, in the skims' order.
    base_pairs : pandas.DataFrame
        The base skim's pairs (its `main_mode` column is read).
    access : beltroad.routing.engine.Access
        The cities' access links (shared with the other skims).
    objective : str
        What the searches minimise (time, cost, generalized, co2).

    Returns
    -------
    numpy.ndarray
        Change in days per pair (NaN where the base mode is unreachable in either scenario).
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
    Every pair also carries the papers' accounting (analysis.worldbank.add_accountings; computed when read:
    analysis.pairs), and the result holds only the skims' own columns until a table is read or written
    (`Comparison.pairs`, `Comparison.write`); `accounting` names
    the one the headline leads with, and `groups="world-bank"` makes the headline the World Bank's groups
    (world, the 71 BRI economies, non-BRI, six corridors, Maritime Silk Road).

    Parameters
    ----------
    base, scenario : str
        Scenario names (`beltroad scenarios`).
    cities : str or list of Place
        A named city set (world-1000, world-200, bri, world-bank-1000), a CSV path, or places.
    objective : str
        What the skims minimise.
    session : beltroad.service.Session
        Network, scenario states and gazetteer (the gazetteer is loaded only for a CSV of place names).
    progress : callable, optional
        `progress(scenario, done, total)` while skimming.
    bounds : bool
        Add the fixed-mode lower bound.
    accounting : {'beltroad', 'papers', 'both'}
        The accounting the headline leads with.
    groups : {'default', 'world-bank'}
        The group rows of the headline.

    Returns
    -------
    Comparison
        Pair table (derived columns computed when read), country-pair, economy, group, corridor and
        region-pair tables, and metadata.

    Raises
    ------
    ValueError
        If `accounting`, `groups` or the city set is unknown or invalid, or a scenario is unknown
        (`beltroad.scenario.files.ScenarioError`, a ValueError).
    """
    from beltroad.analysis import worldbank as wb

    if accounting not in wb.ACCOUNTINGS + ("both",):
        raise ValueError(f"unknown accounting '{accounting}' (beltroad, papers, both)")
    if groups not in wb.GROUP_SETS:
        raise ValueError(f"unknown group set '{groups}' ({', '.join(wb.GROUP_SETS)})")
    s = session  # a beltroad.service.Session (analysis does not reach up to the service layer for one)
    places = city_set(cities, lambda: s.gazetteer) if isinstance(cities, str) else list(cities)  # named sets: no gazetteer
    net = s.network
    access = Access(net)
    frames = []
    for name in (base, scenario):
        state = s.state(name)
        cb = (lambda done, total, name=name: progress(name, done, total)) if progress else None
        frame = skim(net, state, places, objective=objective, access=access, progress=cb)
        frame["main_mode"] = as_codes(frame["main_mode"])  # 1 MB, not 11 MB, while the next skim runs
        frames.append(frame)
        release_freed_memory()  # the skim's working arrays: else the next stage stacks on their high mark
    vot = net.params["value_of_time"]
    per_day = vot["ad_valorem_pct_per_day"]
    pct, low, high = float(per_day["value"]), float(per_day["low"]), float(per_day["high"])
    source = _join_pairs(frames[0], frames[1])  # the skims' own columns: everything else is computed when read
    base_modes = frames[0][["main_mode"]]  # all the fixed-mode bound needs of the base skim
    del frames  # `source` shares their columns
    fixed = None
    if bounds:
        states = (s.state(base), s.state(scenario))
        fixed = fixed_mode_change(net, states, places, base_modes, access, objective)
    del base_modes
    sectors = {k: float(v["value"]) for k, v in (vot.get("by_sector") or {}).items()}  # where the data supports them
    table = PairTable(source, pct, low, high, sectors, fixed, text=("main_mode_base", "main_mode_scenario"))
    del source
    eco = economies()
    group_set = groups
    reachable_base, reachable_scenario = table.column("reachable_base"), table.column("reachable_scenario")
    # one column at a time over all pairs, unreachable pairs labelled out (no frame of the selected rows)
    cp, econ, groups, corr, regions = aggregate(table, eco, corridor_economies(net.links, net.places))
    release_freed_memory()
    if bounds:
        groups = fixed_mode_groups(table.frame(["reachable_base", "reachable_scenario", "origin_country",
                                                "transit_days_change_fixed_mode", "trade_cost_change_pct_fixed_mode"]),
                                   eco, groups)
    if group_set == "world-bank":
        groups = wb.world_bank_groups(table, eco)
        release_freed_memory()
    meta = {"base": base, "scenario": scenario, "objective": objective, "bounds": bounds,
            "cities": cities if isinstance(cities, str) else "custom", "n_cities": len(places),
            "city_pairs": int(len(table)),
            "unreachable_pairs_base": int((~reachable_base).sum()),
            "unreachable_pairs_scenario": int((~reachable_scenario).sum()),
            "value_of_time": {"ad_valorem_pct_per_day": pct, "low": per_day["low"], "high": per_day["high"],
                              "source": per_day["source"],
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
    return Comparison(base=base, scenario=scenario, objective=objective, pair_table=table, country_pairs=cp,
                      economies=econ, groups=groups, corridors=corr, region_pairs=regions, metadata=meta)


def compare_economies(base: str, scenario: str, cities: str = "world-200", *, session) -> pd.DataFrame:
    """Per-economy table (iso3, name, change_days, change_pct, trade_cost_change_pct) for the web face.

    Parameters
    ----------
    base, scenario : str
        Scenario names.
    cities : str
        A named city set.
    session : beltroad.service.Session
        Network and scenario states.

    Returns
    -------
    pandas.DataFrame
        One row per economy.
    """
    c = compare(base, scenario, cities=cities, session=session)
    cols = [x for x in ("iso3", "name", "region", "bri_member", "change_days", "change_pct", "trade_cost_change_pct")
            if x in c.economies.columns]
    return c.economies[cols]
