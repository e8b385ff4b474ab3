"""City-pair changes between two skims and their averages by country pair, economy, group, corridor, region.

Averages are simple means over city pairs reachable in both scenarios, as the World Bank study reports
averages of city-pair changes (A7.05).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from beltroad.analysis.pairs import PairTable
from beltroad.analysis.worldbank import _codes, _names

KEYS = ["origin", "origin_country", "destination", "destination_country"]


def _join_pairs(base_df: pd.DataFrame, scen_df: pd.DataFrame) -> pd.DataFrame:
    """`base_df.merge(scen_df, on=KEYS, suffixes=("_base", "_scenario"))`; two skims of the same places list
    their pairs in the same order, so then the columns are put side by side without a join on 1M rows."""
    same = (list(base_df.columns) == list(scen_df.columns) and len(base_df) == len(scen_df)
            and all(base_df[k].equals(scen_df[k]) for k in KEYS) and _unique_keys(base_df))
    if not same:
        return base_df.merge(scen_df, on=KEYS, suffixes=("_base", "_scenario"))
    rest = [c for c in base_df.columns if c not in KEYS]
    m = pd.concat([base_df[KEYS], base_df[rest].add_suffix("_base"), scen_df[rest].add_suffix("_scenario")], axis=1)
    return m.reset_index(drop=True)


def _unique_keys(df: pd.DataFrame) -> bool:
    """No two rows share their KEYS. A skim's origin and destination are categoricals: when no (origin,
    destination) pair repeats, no row of four keys does; counting code pairs takes ~16 MB at 1M pairs, pandas'
    `duplicated` on the four columns ~40 MB."""
    o, d = df["origin"], df["destination"]
    if isinstance(o.dtype, pd.CategoricalDtype) and isinstance(d.dtype, pd.CategoricalDtype):
        oc, dc = o.cat.codes.to_numpy().astype(np.int64), d.cat.codes.to_numpy()
        n_o, n_d = len(o.cat.categories), len(d.cat.categories)
        if n_o * n_d <= 4 * len(df) + 1_000_000 and (oc >= 0).all() and (dc >= 0).all():
            if np.bincount(oc * n_d + dc).max(initial=0) <= 1:
                return True
    return not df[KEYS].duplicated().any()


def compare_skims(base_df: pd.DataFrame, scen_df: pd.DataFrame, pct_per_day: float) -> pd.DataFrame:
    """City-pair changes; pairs unreachable in either scenario keep NaN changes and a flag.

    Parameters
    ----------
    base_df, scen_df : pandas.DataFrame
        Skims of the same places (routing.skim.skim) in the base and the scenario.
    pct_per_day : float
        Value of a day in transit, % of cargo value.

    Returns
    -------
    pandas.DataFrame
        The joined pairs with the change columns up to `newly_reachable`.
    """
    table = PairTable(_join_pairs(base_df, scen_df), pct_per_day, pct_per_day, pct_per_day)
    return table.frame(table.columns[: table.columns.index("newly_reachable") + 1])


def corridor_economies(links: pd.DataFrame, places: pd.DataFrame) -> dict[str, set[str]]:
    """Economies each dataset corridor runs through: the countries of its links' end nodes.

    Parameters
    ----------
    links : pandas.DataFrame
        The network's links (`corridor`, `from`, `to`).
    places : pandas.DataFrame
        The network's places (`id`, `country`).

    Returns
    -------
    dict of str to set of str
        ISO3 codes per corridor name.
    """
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

    Parameters
    ----------
    pairs : pandas.DataFrame
        City pairs with KEYS, the reachable flags and the columns averaged.
    eco : pandas.DataFrame
        The economy table (data.cities.economies).
    corridors : dict of str to set of str, optional
        Economies per corridor (`corridor_economies`).

    Returns
    -------
    tuple of pandas.DataFrame
        Country pairs, economies, groups, corridors, region pairs.
    """
    cols = {"transit_days_base": "mean", "transit_days_scenario": "mean", "transit_days_change": "mean",
            "transit_days_change_pct": "mean", "trade_cost_change_pct": "mean", "origin": "size"}
    keep = list(dict.fromkeys(KEYS + list(cols) + [c for c in pairs.columns if c.endswith("_fixed_mode")]))
    ok = (pairs["reachable_base"] & pairs["reachable_scenario"]).to_numpy()
    both = pairs.loc[ok, keep] if not ok.all() else pairs[keep]  # only the columns aggregated (no copy when all are)
    cp = _country_pair_means(both, cols).rename(columns={"origin": "city_pairs"})
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
    # a corridor's pairs by a table over (origin, destination) country codes, then one gather per corridor
    n_d = len(d_names)
    country_pair = o_code.astype(np.int64 if len(o_names) * n_d >= 2**31 else np.int32) * n_d + d_code
    international = np.arange(len(o_names))[:, None] != d_as_o[None, :]
    for name, members in sorted((corridors or {}).items()):
        on = np.isin(o_names, list(members))[:, None] & np.isin(d_names, list(members))[None, :] & international
        sel = on.ravel()[country_pair]
        n_sel = int(sel.sum())
        if n_sel:
            rows.append({"corridor": name, "economies": "-".join(sorted(members)), "city_pairs": n_sel,
                         **{k: _nanmean(values[k][sel]) for k in means}})
    corr = pd.DataFrame(rows, columns=["corridor", "economies", "city_pairs"] + [k for k in cols if k != "origin"])
    corr = corr.sort_values("transit_days_change_pct")
    return cp, econ, groups_df, corr, regions


def _country_pair_means(both: pd.DataFrame, cols: dict) -> pd.DataFrame:
    """`both.groupby(["origin_country", "destination_country"]).agg(cols).reset_index()`, grouped on one
    categorical of the observed country pairs (numbered in the order pandas sorts the two keys) instead of
    two: pandas' two-key grouping took ~57 MB at 1M pairs (a hash of the pairs), this ~15 MB. Same rows in
    the same order in each group, so the same sums and means."""
    o, d = both["origin_country"], both["destination_country"]
    if not (isinstance(o.dtype, pd.CategoricalDtype) and isinstance(d.dtype, pd.CategoricalDtype)) \
            or o.isna().any() or d.isna().any():
        return both.groupby(["origin_country", "destination_country"]).agg(cols).reset_index()
    n_d = len(d.cat.categories)
    width = np.int32 if len(o.cat.categories) * n_d < 2**31 else np.int64
    pair = o.cat.codes.to_numpy().astype(width) * n_d + d.cat.codes.to_numpy()
    used = np.flatnonzero(np.bincount(pair, minlength=1))  # observed pairs, sorted as (origin, destination)
    dense = np.full(len(o.cat.categories) * n_d, -1, dtype=width)
    dense[used] = np.arange(len(used), dtype=width)
    key = pd.Categorical.from_codes(dense[pair], categories=np.arange(len(used)))
    del pair, dense
    out = both.groupby(key, observed=True).agg(cols).reset_index(drop=True)
    out.insert(0, "destination_country", pd.Categorical.from_codes(used % n_d, dtype=d.dtype))
    out.insert(0, "origin_country", pd.Categorical.from_codes(used // n_d, dtype=o.dtype))
    return out


def _nanmean(values: np.ndarray) -> float:
    """`Series.mean()` of a float array (NaN skipped; NaN when none is left), with the same sum."""
    ok = ~np.isnan(values)
    n = int(ok.sum())
    return np.nansum(values) / n if n else np.nan


def _region_of(region: dict, iso3: str) -> str:
    """The region of an economy, "other" when unknown (as `Series.map(region).fillna("other")`)."""
    r = region.get(iso3)
    return "other" if r is None or r != r else r


def fixed_mode_groups(pairs: pd.DataFrame, eco: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """The group rows with the fixed-mode bound beside them (world, BRI and non-BRI economies by exporter).

    Parameters
    ----------
    pairs : pandas.DataFrame
        Pairs with the reachable flags, `origin_country` and the `*_fixed_mode` columns.
    eco : pandas.DataFrame
        The economy table.
    groups : pandas.DataFrame
        The group rows of `aggregate`.

    Returns
    -------
    pandas.DataFrame
        A copy of `groups` with the two fixed-mode columns.
    """
    both = pairs[pairs["reachable_base"] & pairs["reachable_scenario"]]
    bri = set(eco.loc[eco["bri_member"], "iso3"]) if len(eco) else set()
    sel = {"world": both, "bri_economies": both[both["origin_country"].isin(bri)],
           "non_bri_economies": both[~both["origin_country"].isin(bri)]}
    groups = groups.copy()
    groups["transit_days_change_fixed_mode"] = [sel[g]["transit_days_change_fixed_mode"].mean() for g in groups["group"]]
    groups["trade_cost_change_pct_fixed_mode"] = [sel[g]["trade_cost_change_pct_fixed_mode"].mean() for g in groups["group"]]
    return groups
