"""Impact analysis: skim two scenarios over a city set and turn time changes into trade-cost changes.

Trade-cost change (ad valorem %) = change in transit days x value of one day in transit, after Hummels &
Schaur (2013): the per-day ad valorem equivalent in parameters.yaml (`value_of_time`), with its low/high
bounds and sector values reported beside the default. Averages are simple means over city pairs, as the
World Bank study reports averages of city-pair changes (A7.05).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from beltroad.analysis.worldbank import _codes, _names
from beltroad.data.cities import city_set, economies
from beltroad.places import Place
from beltroad.routing.engine import Access
from beltroad.routing.skim import skim

KEYS = ["origin", "origin_country", "destination", "destination_country"]


@dataclass
class Comparison:
    base: str
    scenario: str
    objective: str
    pairs: pd.DataFrame
    country_pairs: pd.DataFrame
    economies: pd.DataFrame
    groups: pd.DataFrame
    corridors: pd.DataFrame
    region_pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    metadata: dict = field(default_factory=dict)

    def write(self, out_dir: str | Path, pairs_csv: bool = False) -> Path:
        """Write tables, metadata and report into `out_dir` atomically: all of this run, or the previous result.

        Every table goes to Parquet; the aggregates also to CSV. The city-pair table (1M rows for world-1000,
        ~500 MB as text) goes to CSV only with `pairs_csv`, through pyarrow's CSV writer."""
        from beltroad.io.atomic import atomic_dir
        from beltroad.io.report import write_report

        out = Path(out_dir)
        with atomic_dir(out) as tmp:
            for name in ("pairs", "country_pairs", "economies", "groups", "corridors", "region_pairs"):
                df = getattr(self, name)
                _write_parquet(df, tmp / f"{name}.parquet")
                if name != "pairs":
                    df.to_csv(tmp / f"{name}.csv", index=False)
                elif pairs_csv:
                    _write_csv_arrow(df, tmp / "pairs.csv")
            (tmp / "metadata.json").write_text(json.dumps(self.metadata, indent=2, default=str))
            write_report(self, tmp)
        return out


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    """`df.to_parquet(path, index=False)` through pyarrow directly, dictionary-encoding only the label columns
    (categorical or text): trying a dictionary on every float column first cost ~0.4 s of the 1M-pair table's
    1 s. Same file contents as read back (pandas metadata included)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    labels = [f.name for f in table.schema if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
              or pa.types.is_large_string(f.type)]
    pq.write_table(table, path, use_dictionary=labels or False)


def _write_csv_arrow(df: pd.DataFrame, path: Path) -> None:
    """A large table to CSV with pyarrow's writer (C++, in batches): pandas' `to_csv` formats 1M rows in Python
    for ~18 s. Booleans are written true/false, missing numbers as empty fields."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(df, preserve_index=False)
    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    pacsv.write_csv(pa.table(cols, names=table.column_names), path)


def _join_pairs(base_df: pd.DataFrame, scen_df: pd.DataFrame) -> pd.DataFrame:
    """`base_df.merge(scen_df, on=KEYS, suffixes=("_base", "_scenario"))`; two skims of the same places list
    their pairs in the same order, so then the columns are put side by side without a join on 1M rows."""
    same = (list(base_df.columns) == list(scen_df.columns) and len(base_df) == len(scen_df)
            and all(base_df[k].equals(scen_df[k]) for k in KEYS) and not base_df[KEYS].duplicated().any())
    if not same:
        return base_df.merge(scen_df, on=KEYS, suffixes=("_base", "_scenario"))
    rest = [c for c in base_df.columns if c not in KEYS]
    m = pd.concat([base_df[KEYS], base_df[rest].add_suffix("_base"), scen_df[rest].add_suffix("_scenario")], axis=1)
    return m.reset_index(drop=True)


def compare_skims(base_df: pd.DataFrame, scen_df: pd.DataFrame, pct_per_day: float) -> pd.DataFrame:
    """City-pair changes; pairs unreachable in either scenario keep NaN changes and a flag."""
    m = _join_pairs(base_df, scen_df)
    for col in ("transit_days", "cost_usd", "distance_km", "co2_kg"):  # on arrays: pandas' per-op checks cost more
        base, scen = m[f"{col}_base"].to_numpy(dtype=float), m[f"{col}_scenario"].to_numpy(dtype=float)
        change = scen - base
        with np.errstate(divide="ignore", invalid="ignore"):
            m[f"{col}_change"], m[f"{col}_change_pct"] = change, 100.0 * change / base
    m["trade_cost_change_pct"] = m["transit_days_change"].to_numpy() * pct_per_day
    m["mode_switch"] = m["main_mode_base"].astype(str) + "->" + m["main_mode_scenario"].astype(str)
    m["newly_unreachable"] = m["reachable_base"] & ~m["reachable_scenario"]
    m["newly_reachable"] = ~m["reachable_base"] & m["reachable_scenario"]
    return m


def corridor_economies(links: pd.DataFrame, places: pd.DataFrame) -> dict[str, set[str]]:
    """Economies each dataset corridor runs through: the countries of its links' end nodes."""
    country = places.drop_duplicates("id").set_index("id")["country"]
    out: dict[str, set[str]] = {}
    for r in links[["corridor", "from", "to"]].itertuples(index=False):
        for corr in str(r.corridor).split(";"):
            if corr:
                out.setdefault(corr, set()).update(c for c in (country.get(r[1]), country.get(r[2])) if c)
    return out


def aggregate(pairs: pd.DataFrame, eco: pd.DataFrame, corridors: dict[str, set[str]] | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Country-pair, per-economy (as exporter and importer), group, corridor and region-pair averages.

    A corridor's change is the mean over city pairs whose two economies both lie on the corridor.
    """
    cols = {"transit_days_base": "mean", "transit_days_scenario": "mean", "transit_days_change": "mean",
            "transit_days_change_pct": "mean", "trade_cost_change_pct": "mean", "origin": "size"}
    keep = list(dict.fromkeys(KEYS + list(cols) + [c for c in pairs.columns if c.endswith("_fixed_mode")]))
    both = pairs.loc[pairs["reachable_base"] & pairs["reachable_scenario"], keep]  # only the columns aggregated
    cp = (both.groupby(["origin_country", "destination_country"]).agg(cols)
          .rename(columns={"origin": "city_pairs"}).reset_index())
    exp = both.groupby("origin_country").agg(cols).rename(columns={"origin": "city_pairs"})
    imp = both.groupby("destination_country").agg(cols).rename(columns={"origin": "city_pairs"})
    econ = exp.add_suffix("_as_exporter").join(imp.add_suffix("_as_importer"), how="outer")
    econ.index.name = "iso3"
    econ = econ.reset_index()
    econ["change_days"] = econ[["transit_days_change_as_exporter", "transit_days_change_as_importer"]].mean(axis=1)
    econ["change_pct"] = econ[["transit_days_change_pct_as_exporter", "transit_days_change_pct_as_importer"]].mean(axis=1)
    econ["trade_cost_change_pct"] = econ[["trade_cost_change_pct_as_exporter",
                                          "trade_cost_change_pct_as_importer"]].mean(axis=1)
    if len(eco):
        keep = [c for c in ("iso3", "name", "region", "bri_member", "wb_bri_2019", "mou_year") if c in eco.columns]
        econ = econ.merge(eco[keep], on="iso3", how="left")
    else:
        econ["name"], econ["region"], econ["bri_member"] = econ["iso3"], "", False
    econ = econ.sort_values("change_pct")
    # groups: world, BRI economies, non-BRI (by exporter)
    bri = set(eco.loc[eco["bri_member"], "iso3"]) if len(eco) else set()
    # membership tests on the country codes (one test per country, then a gather), not isin on 1M strings
    o_code, d_code = _codes(both["origin_country"]), _codes(both["destination_country"])
    o_names, d_names = _names(both["origin_country"]), _names(both["destination_country"])
    in_bri = np.isin(o_names, list(bri))[o_code]
    d_as_o = pd.Index(o_names).get_indexer(d_names)  # destination codes in the origin's coding (-1: none)
    means = [k for k in cols if k != "origin"]
    values = {k: both[k].to_numpy(dtype=float) for k in means}  # selections by boolean masks on arrays, not frames
    groups = []
    for label, sel in (("world", np.ones(len(both), dtype=bool)), ("bri_economies", in_bri),
                       ("non_bri_economies", ~in_bri)):
        n_sel = int(sel.sum())
        groups.append({"group": label, "city_pairs": n_sel, **{k: _nanmean(values[k][sel]) for k in means},
                       "share_of_pairs_faster": float((values["transit_days_change"][sel] < -1e-6).mean())
                       if n_sel else np.nan})
    groups_df = pd.DataFrame(groups)
    region = dict(zip(eco["iso3"], eco["region"])) if len(eco) else {}
    # region pair of every row from its country codes: label each (origin region, destination region) once,
    # group on a categorical with the labels sorted (as a groupby on the strings would order them)
    o_reg = [_region_of(region, c) for c in o_names]
    d_reg = [_region_of(region, c) for c in d_names]
    reg_names, reg_code = np.unique(np.array(o_reg + d_reg, dtype=str), return_inverse=True)
    n_reg = max(1, len(reg_names))
    pair_code = reg_code[: len(o_reg)][o_code] * n_reg + reg_code[len(o_reg):][d_code]
    used = np.flatnonzero(np.bincount(pair_code, minlength=n_reg * n_reg))
    labels = np.array([f"{reg_names[u // n_reg]} -> {reg_names[u % n_reg]}" for u in used], dtype=object)
    order = np.argsort(labels, kind="stable")
    lookup = np.full(n_reg * n_reg, -1, dtype=np.int64)
    lookup[used[order]] = np.arange(len(used))
    b2 = both.assign(corridor=pd.Categorical.from_codes(lookup[pair_code], categories=labels[order].astype(str)))
    regions = b2.groupby("corridor", observed=True).agg(cols).rename(columns={"origin": "city_pairs"}).reset_index()
    regions["corridor"] = regions["corridor"].astype(str)
    regions = regions.rename(columns={"corridor": "region_pair"}).sort_values("transit_days_change_pct")
    rows = []
    for name, members in sorted((corridors or {}).items()):
        sel = (np.isin(o_names, list(members))[o_code] & np.isin(d_names, list(members))[d_code]
               & (o_code != d_as_o[d_code]))
        n_sel = int(sel.sum())
        if n_sel:
            rows.append({"corridor": name, "economies": "-".join(sorted(members)), "city_pairs": n_sel,
                         **{k: _nanmean(values[k][sel]) for k in means}})
    corr = pd.DataFrame(rows, columns=["corridor", "economies", "city_pairs"] + [k for k in cols if k != "origin"])
    corr = corr.sort_values("transit_days_change_pct")
    return cp, econ, groups_df, corr, regions


def _nanmean(values: np.ndarray) -> float:
    """`Series.mean()` of a float array (NaN skipped; NaN when none is left), with the same sum."""
    ok = ~np.isnan(values)
    n = int(ok.sum())
    return np.nansum(values) / n if n else np.nan


def _region_of(region: dict, iso3: str) -> str:
    """The region of an economy, "other" when unknown (as `Series.map(region).fillna("other")`)."""
    r = region.get(iso3)
    return "other" if r is None or r != r else r


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
    change = pairs["transit_days_change"].to_numpy()
    pairs["trade_cost_change_pct_low"] = change * float(vot["ad_valorem_pct_per_day"]["low"])
    pairs["trade_cost_change_pct_high"] = change * float(vot["ad_valorem_pct_per_day"]["high"])
    for sector, entry in (vot.get("by_sector") or {}).items():  # sector values where the data supports them
        pairs[f"trade_cost_change_pct_{sector}"] = change * float(entry["value"])
    if bounds:
        states = (s.state(base), s.state(scenario))
        fixed = fixed_mode_change(net, states, places, frames[0], access, objective)
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
        groups = _fixed_mode_groups(pairs, eco, groups)
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


def _fixed_mode_groups(pairs: pd.DataFrame, eco: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    both = pairs[pairs["reachable_base"] & pairs["reachable_scenario"]]
    bri = set(eco.loc[eco["bri_member"], "iso3"]) if len(eco) else set()
    sel = {"world": both, "bri_economies": both[both["origin_country"].isin(bri)],
           "non_bri_economies": both[~both["origin_country"].isin(bri)]}
    groups = groups.copy()
    groups["transit_days_change_fixed_mode"] = [sel[g]["transit_days_change_fixed_mode"].mean() for g in groups["group"]]
    groups["trade_cost_change_pct_fixed_mode"] = [sel[g]["trade_cost_change_pct_fixed_mode"].mean() for g in groups["group"]]
    return groups


def compare_economies(base: str, scenario: str, cities: str = "world-200", *, session) -> pd.DataFrame:
    """Per-economy table (iso3, name, change_days, change_pct, trade_cost_change_pct) for the web face."""
    c = compare(base, scenario, cities=cities, session=session)
    cols = [x for x in ("iso3", "name", "region", "bri_member", "change_days", "change_pct", "trade_cost_change_pct")
            if x in c.economies.columns]
    return c.economies[cols]


__all__ = ["Comparison", "aggregate", "compare", "compare_economies", "compare_skims"]
