"""City-pair changes between two skims and their averages by country pair, economy, group, corridor, region.

Averages are simple means over city pairs reachable in both scenarios, as the World Bank study reports
averages of city-pair changes (A7.05).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = ["origin", "origin_country", "destination", "destination_country"]


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
    for col in ("transit_days", "cost_usd", "distance_km", "co2_kg"):
        m[f"{col}_change"] = m[f"{col}_scenario"] - m[f"{col}_base"]
        m[f"{col}_change_pct"] = 100.0 * m[f"{col}_change"] / m[f"{col}_base"]
    m["trade_cost_change_pct"] = m["transit_days_change"] * pct_per_day
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
    groups = []
    for label, sel in (("world", both), ("bri_economies", both[both["origin_country"].isin(bri)]),
                       ("non_bri_economies", both[~both["origin_country"].isin(bri)])):
        groups.append({"group": label, "city_pairs": len(sel),
                       "transit_days_base": sel["transit_days_base"].mean(),
                       "transit_days_scenario": sel["transit_days_scenario"].mean(),
                       "transit_days_change": sel["transit_days_change"].mean(),
                       "transit_days_change_pct": sel["transit_days_change_pct"].mean(),
                       "trade_cost_change_pct": sel["trade_cost_change_pct"].mean(),
                       "share_of_pairs_faster": float((sel["transit_days_change"] < -1e-6).mean()) if len(sel) else np.nan})
    groups_df = pd.DataFrame(groups)
    region = dict(zip(eco["iso3"], eco["region"])) if len(eco) else {}
    # as plain strings: a categorical country column maps 1:1 onto regions when the cities span few of them
    b2 = both.assign(corridor=both["origin_country"].astype(str).map(region).fillna("other") + " -> "
                     + both["destination_country"].astype(str).map(region).fillna("other"))
    regions = b2.groupby("corridor").agg(cols).rename(columns={"origin": "city_pairs"}).reset_index()
    regions = regions.rename(columns={"corridor": "region_pair"}).sort_values("transit_days_change_pct")
    rows = []
    for name, members in sorted((corridors or {}).items()):
        sel = both[both["origin_country"].isin(members) & both["destination_country"].isin(members)
                   & (both["origin_country"] != both["destination_country"])]
        if len(sel):
            rows.append({"corridor": name, "economies": "-".join(sorted(members)), "city_pairs": len(sel),
                         **{k: sel[k].mean() for k in cols if k != "origin"}})
    corr = pd.DataFrame(rows, columns=["corridor", "economies", "city_pairs"] + [k for k in cols if k != "origin"])
    corr = corr.sort_values("transit_days_change_pct")
    return cp, econ, groups_df, corr, regions


def fixed_mode_groups(pairs: pd.DataFrame, eco: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """The group rows with the fixed-mode bound beside them (world, BRI and non-BRI economies by exporter)."""
    both = pairs[pairs["reachable_base"] & pairs["reachable_scenario"]]
    bri = set(eco.loc[eco["bri_member"], "iso3"]) if len(eco) else set()
    sel = {"world": both, "bri_economies": both[both["origin_country"].isin(bri)],
           "non_bri_economies": both[~both["origin_country"].isin(bri)]}
    groups = groups.copy()
    groups["transit_days_change_fixed_mode"] = [sel[g]["transit_days_change_fixed_mode"].mean() for g in groups["group"]]
    groups["trade_cost_change_pct_fixed_mode"] = [sel[g]["trade_cost_change_pct_fixed_mode"].mean() for g in groups["group"]]
    return groups
