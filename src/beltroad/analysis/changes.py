"""City-pair changes between two skims and their averages by country pair, economy, group, corridor, region.

Averages are simple means over city pairs reachable in both scenarios, as the World Bank study reports
averages of city-pair changes (A7.05).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from beltroad.analysis.groupmeans import group_mean, group_size
from beltroad.analysis.memory import release_freed_memory
from beltroad.analysis.pairs import PairTable

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


def aggregate(pairs: pd.DataFrame | PairTable, eco: pd.DataFrame, corridors: dict[str, set[str]] | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Country-pair, per-economy (as exporter and importer), group, corridor and region-pair averages.

    A corridor's change is the mean over city pairs whose two economies both lie on the corridor. Averages
    take pairs reachable in both scenarios. Each averaged column is read once over all pairs (a `PairTable`
    computes a derived one then) and averaged over every grouping before the next is read; the rows left out
    carry group label -1 (`groupmeans`), so no frame of the selected rows is built. Same values as pandas'
    groupby means on the selected rows.

    Parameters
    ----------
    pairs : pandas.DataFrame or PairTable
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
    means = ["transit_days_base", "transit_days_scenario", "transit_days_change", "transit_days_change_pct",
             "trade_cost_change_pct"]
    if isinstance(pairs, PairTable):
        def column(name):
            return pairs.column(name)

        def key(name):
            return pd.Series(pairs.column(name), copy=False)
    else:
        def column(name):
            return pairs[name].to_numpy()

        def key(name):
            return pairs[name].reset_index(drop=True)
    ok = np.asarray(column("reachable_base") & column("reachable_scenario"), dtype=bool)
    o_raw, d_raw = key("origin_country"), key("destination_country")
    o_key, d_key = _as_categorical(o_raw), _as_categorical(d_raw)
    o_code, d_code = o_key.cat.codes.to_numpy(), d_key.cat.codes.to_numpy()
    reachable = ok  # the group rows' selection; pandas' groupby also drops missing keys
    ok = ok & (o_code >= 0) & (d_code >= 0)
    o_names = np.asarray(o_key.cat.categories, dtype=object).astype(str)
    d_names = np.asarray(d_key.cat.categories, dtype=object).astype(str)
    n_o, n_d = len(o_names), len(d_names)
    width = np.int32 if n_o * n_d < 2**31 else np.int64
    # labels of the four groupings, one small integer a pair (-1: left out); the observed groups are numbered
    # in the order pandas sorts them. Built from per-group tables, so few full-length temporaries.
    country_pair = o_code.astype(width) * n_d + d_code
    cp_used = np.flatnonzero(np.bincount(country_pair[ok], minlength=1))  # observed pairs, (origin, destination)
    cp_label = _labels(country_pair, cp_used, max(n_o * n_d, 1), ok)
    del country_pair
    o_used = np.flatnonzero(np.bincount(o_code[ok], minlength=1))
    o_label = _labels(o_code, o_used, max(n_o, 1), ok)
    d_used = np.flatnonzero(np.bincount(d_code[ok], minlength=1))
    d_label = _labels(d_code, d_used, max(n_d, 1), ok)
    region = dict(zip(eco["iso3"], eco["region"])) if len(eco) else {}
    # region pair of each observed country pair: label each (origin region, destination region) once, numbered
    # as the labels sort (as a groupby on the strings would order them)
    o_reg = [_region_of(region, c) for c in o_names]
    d_reg = [_region_of(region, c) for c in d_names]
    reg_names, reg_code = np.unique(np.array(o_reg + d_reg, dtype=str), return_inverse=True)
    n_reg = max(1, len(reg_names))
    cp_region = reg_code[: len(o_reg)][cp_used // n_d] * n_reg + reg_code[len(o_reg):][cp_used % n_d]
    used = np.flatnonzero(np.bincount(cp_region, minlength=n_reg * n_reg))
    labels = np.array([f"{reg_names[u // n_reg]} -> {reg_names[u % n_reg]}" for u in used], dtype=object)
    order = np.argsort(labels, kind="stable")
    lookup = np.full(n_reg * n_reg, -1, dtype=np.int64)
    lookup[used[order]] = np.arange(len(used))
    reg_label = _small(np.append(lookup[cp_region], -1), len(used))[cp_label]  # label -1 picks the -1 appended
    reg_labels = labels[order].astype(str)
    # groups (world, BRI economies, non-BRI by exporter) and corridors as row selections
    bri = set(eco.loc[eco["bri_member"], "iso3"]) if len(eco) else set()
    in_bri = np.isin(o_names, list(bri))[o_code] if n_o else np.zeros(len(ok), dtype=bool)  # (-1: last, as before)
    # from here on, only the pairs reachable in both (the rows pandas grouped): each column is compressed to
    # them once, the labels and selections are over them
    in_bri = in_bri[reachable]
    selections = {"world": np.ones(len(in_bri), dtype=bool), "bri_economies": in_bri, "non_bri_economies": ~in_bri}
    del in_bri
    cp_label, o_label, d_label, reg_label = (lab[reachable] for lab in (cp_label, o_label, d_label, reg_label))
    d_as_o = pd.Index(o_names).get_indexer(d_names)  # destination codes in the origin's coding (-1: none)
    international = np.arange(n_o)[:, None] != d_as_o[None, :]
    corr_sel = {}  # the corridor's rows (indices: a corridor holds few pairs), from its observed country pairs
    for name, members in sorted((corridors or {}).items()):
        on = np.isin(o_names, list(members))[:, None] & np.isin(d_names, list(members))[None, :] & international
        rows = np.flatnonzero(np.append(on.ravel()[cp_used], False)[cp_label])
        if len(rows):
            corr_sel[name] = rows.astype(np.int32) if len(ok) < 2**31 else rows
    groupings = {"cp": (cp_label, len(cp_used)), "exp": (o_label, len(o_used)), "imp": (d_label, len(d_used)),
                 "reg": (reg_label, len(used))}
    release_freed_memory()  # the full-length temporaries of the labels, before the columns are read
    out = {g: {} for g in groupings}
    group_rows = {label: {} for label in selections}
    corr_rows = {name: {} for name in corr_sel}
    for k in means:  # one column at a time
        values = np.asarray(column(k), dtype=float)[reachable]
        for g, (lab, n) in groupings.items():
            out[g][k] = group_mean(lab, values, n)
        for name, rows in corr_sel.items():
            corr_rows[name][k] = _nanmean(values[rows])
        for label, sel in sorted(selections.items(), key=lambda item: item[0] == "world"):  # world last
            if k == "transit_days_change":
                group_rows[label]["share_of_pairs_faster"] = \
                    float((values[sel] < -1e-6).mean()) if sel.any() else np.nan
            # the world's rows are all of them: averaged last, in place
            group_rows[label][k] = _nanmean(values if label == "world" else values[sel])
        del values
        release_freed_memory()  # this column's copies, before the next is computed
    for g, (lab, n) in groupings.items():
        out[g]["city_pairs"] = group_size(lab, n)
    cp = pd.DataFrame({"origin_country": _group_index(o_raw, o_key, cp_used // n_d, None),
                       "destination_country": _group_index(d_raw, d_key, cp_used % n_d, None), **out["cp"]})
    exp = pd.DataFrame(out["exp"], index=_group_index(o_raw, o_key, o_used, "origin_country"))
    imp = pd.DataFrame(out["imp"], index=_group_index(d_raw, d_key, d_used, "destination_country"))
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
    groups_df = pd.DataFrame([{"group": label, "city_pairs": int(np.count_nonzero(sel)),
                               **{k: group_rows[label][k] for k in means},
                               "share_of_pairs_faster": group_rows[label]["share_of_pairs_faster"]}
                              for label, sel in selections.items()])
    regions = pd.DataFrame({"region_pair": reg_labels, **out["reg"]})
    regions = regions.sort_values("transit_days_change_pct")
    rows = [{"corridor": name, "economies": "-".join(sorted(corridors[name])), "city_pairs": len(idx),
             **corr_rows[name]} for name, idx in corr_sel.items()]
    corr = pd.DataFrame(rows, columns=["corridor", "economies", "city_pairs"] + means)
    corr = corr.sort_values("transit_days_change_pct")
    return cp, econ, groups_df, corr, regions


def _small(a: np.ndarray, n: int) -> np.ndarray:
    """Group labels in the smallest integer type that holds 0..n-1 and -1."""
    return a.astype(np.int16 if n < 2**15 else np.int32)


def _labels(code: np.ndarray, used: np.ndarray, size: int, ok: np.ndarray) -> np.ndarray:
    """Group label of each row: the position of its code among the observed codes `used`, -1 where not `ok`."""
    dense = np.full(size, -1, dtype=np.int64)
    dense[used] = np.arange(len(used))
    out = _small(dense, len(used))[code]
    out[~ok] = -1
    return out


def _as_categorical(col: pd.Series) -> pd.Series:
    """A key column as a categorical (a skim's keys already are; text is coded with its values sorted, the
    order a groupby on it gives)."""
    return col if isinstance(col.dtype, pd.CategoricalDtype) else col.astype("category")


def _group_index(raw: pd.Series, key: pd.Series, used: np.ndarray, name: str | None):
    """The keys pandas' groupby on `raw` gives for the observed codes `used` of `key` (its categorical):
    categorical for a categorical column, else the values themselves."""
    if isinstance(raw.dtype, pd.CategoricalDtype):
        cat = pd.Categorical.from_codes(used, dtype=key.dtype)
        return pd.CategoricalIndex(cat, name=name) if name else cat
    values = key.cat.categories[used]
    return values.rename(name) if name else values


def _nanmean(values: np.ndarray) -> float:
    """`Series.mean()` of a float array (NaN skipped; NaN when none is left), with the same sum.
    `values` is the caller's own copy: its NaNs are zeroed in place (what `np.nansum` does on a copy)."""
    missing = np.isnan(values)
    n = len(values) - int(missing.sum())
    values[missing] = 0.0
    return values.sum() / n if n else np.nan


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
