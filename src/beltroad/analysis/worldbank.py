"""The World Bank BRI studies' footing: their city set, groups, corridors and time/trade-cost accounting.

de Soyres, Mulabdic, Murray, Rocha & Ruta (2019; PRWP 8614, IFDP 1274) compute shipment times between
1,000 cities in 191 economies before and after BRI projects (A7.04, A7.05) and turn the time changes into
trade-cost changes with Hummels & Schaur's (2013) ad valorem value of a day (A7.06, A7.07). Reed &
Trubetskoy (2019, PRWP 8815) supply the project list and count border time once per crossing, on the
export side, with no port waiting. This module rebuilds those choices on beltroad's network so that
`compare --accounting papers --groups world-bank` can be read beside the papers.

What is verified and what is not (docs/validation.md): the city-set size, the 71-economy group and the
corridor names are the papers'; the corridor memberships below are beltroad's reading of the corridor
names; the papers' lower/upper-bound definitions are not verified, so the fixed-mode bound stays
labelled as beltroad's own.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from beltroad.places.cities import economies

ACCOUNTINGS = ("beltroad", "papers")
GROUP_SETS = ("default", "world-bank")

# The six economic corridors named by the World Bank BRI studies (S-DSMMRR2019) plus the Maritime Silk Road.
# Membership: the economies each corridor's name lists or its usual route crosses (beltroad's reading; the
# papers' own membership table has not been verified).
CORRIDORS: dict[str, frozenset[str]] = {
    "China–Mongolia–Russia": frozenset({"CHN", "MNG", "RUS"}),
    "New Eurasian Land Bridge": frozenset({"CHN", "KAZ", "RUS", "BLR", "POL", "DEU", "NLD"}),
    "China–Central Asia–West Asia": frozenset({"CHN", "KAZ", "KGZ", "TJK", "UZB", "TKM", "IRN", "TUR"}),
    "China–Indochina Peninsula": frozenset({"CHN", "VNM", "LAO", "KHM", "THA", "MYS", "SGP", "MMR"}),
    "China–Pakistan": frozenset({"CHN", "PAK"}),
    "Bangladesh–China–India–Myanmar": frozenset({"BGD", "CHN", "IND", "MMR"}),
    # ports of call of the 21st-century Maritime Silk Road as usually drawn: China – South-East Asia – South
    # Asia – East Africa – Red Sea – Mediterranean
    "Maritime Silk Road": frozenset({"CHN", "VNM", "MYS", "SGP", "IDN", "LKA", "IND", "PAK", "KEN", "DJI",
                                     "EGY", "GRC", "ITA"}),
}


def wb_bri_economies(eco: pd.DataFrame) -> set[str]:
    """The World Bank's 71 BRI economies (S-ECO-WB71; `wb_bri_2019` in economies.csv).

    Parameters
    ----------
    eco : pandas.DataFrame
        The economy table.

    Returns
    -------
    set of str
        ISO3 codes.

    Raises
    ------
    ValueError
        If the table has no `wb_bri_2019` column.
    """
    if "wb_bri_2019" not in eco.columns:
        raise ValueError("economies.csv has no wb_bri_2019 column: the World Bank group needs it")
    return set(eco.loc[eco["wb_bri_2019"], "iso3"])


ACCOUNTING_COLUMNS = ("nofixed_days_base", "papers_days_base", "nofixed_days_scenario", "papers_days_scenario",
                      "papers_days_change", "papers_days_change_pct", "nofixed_days_change", "nofixed_days_change_pct",
                      "trade_cost_rel_change_pct", "trade_cost_rel_change_pct_low", "trade_cost_rel_change_pct_high",
                      "trade_cost_change_pp")


def add_accountings(pairs: pd.DataFrame, pct_per_day: float, low: float, high: float) -> pd.DataFrame:
    """Papers' time accounting and relative trade-cost changes beside beltroad's own columns (in place).

    * `papers_days` — Reed & Trubetskoy's (2019) time accounting, read from their replication code: every
      land border crossing costs the exporting side's Doing Business export time (import time left out so a
      crossing is counted once), port waiting is 0 and there are no end-of-trip customs. Here: beltroad's
      route and moving/handling time, with its border dwell, end customs and port dwell replaced so.
    * `nofixed_days` — beltroad's time without end customs and port dwell (en-route border dwell kept).
    * `trade_cost_rel_change_pct` — relative change of the time-related trade-cost factor, each day in transit
      an ad valorem equivalent of `pct_per_day` % (Hummels & Schaur 2013): 100 x ((1 + a·d1) / (1 + a·d0) - 1)
      with a = pct/100 and d the papers' days; `_low`/`_high` with the 0.6 and 2.1 %/day bounds.
    * `trade_cost_change_pp` — the former `trade_cost_change_pct`: change in days x %/day, i.e. percentage
      points of cargo value (not a relative change).

    The formulas live in analysis.pairs (a compare computes these columns only when read, per block of rows).

    Parameters
    ----------
    pairs : pandas.DataFrame
        Joined pairs with the skims' `_base`/`_scenario` columns.
    pct_per_day, low, high : float
        Value of a day in transit (% of cargo value) and its bounds.

    Returns
    -------
    pandas.DataFrame
        `pairs`, with the ACCOUNTING_COLUMNS added.
    """
    from beltroad.analysis.pairs import PairTable

    table = PairTable(pairs, pct_per_day, low, high)
    block = table.frame(ACCOUNTING_COLUMNS)
    for name in ACCOUNTING_COLUMNS:
        pairs[name] = block[name].to_numpy()
    return pairs


GROUP_COLUMNS = {
    "transit_days_base": "mean", "transit_days_scenario": "mean", "transit_days_change_pct": "mean",
    "papers_days_base": "mean", "papers_days_change_pct": "mean", "nofixed_days_change_pct": "mean",
    "trade_cost_rel_change_pct": "mean", "trade_cost_rel_change_pct_low": "mean",
    "trade_cost_rel_change_pct_high": "mean", "trade_cost_change_pp": "mean",
}


def world_bank_groups(pairs, eco: pd.DataFrame) -> pd.DataFrame:
    """World, the 71 BRI economies, non-BRI, the six corridors and the Maritime Silk Road.

    Means over city pairs reachable in both scenarios. BRI / non-BRI by the origin (exporting) economy; a
    corridor averages the international pairs whose two economies both belong to it. `pairs`: a DataFrame or
    an analysis.pairs.PairTable (then each column is computed, averaged and let go in turn).

    Parameters
    ----------
    pairs : pandas.DataFrame or PairTable
        The city pairs.
    eco : pandas.DataFrame
        The economy table (with `wb_bri_2019`).

    Returns
    -------
    pandas.DataFrame
        One row per group and corridor: `group`, `kind`, `city_pairs` and the GROUP_COLUMNS means.

    Raises
    ------
    ValueError
        If the economy table has no `wb_bri_2019` column.
    """
    from beltroad.analysis.changes import _nanmean
    from beltroad.analysis.pairs import PairTable

    keys = ["reachable_base", "reachable_scenario", "origin_country", "destination_country"]
    lazy = isinstance(pairs, PairTable)
    frame = pairs.frame(keys) if lazy else pairs
    ok = (frame["reachable_base"] & frame["reachable_scenario"]).to_numpy()
    bri = wb_bri_economies(eco)
    o, d = _codes(frame["origin_country"]), _codes(frame["destination_country"])
    in_bri = _member(frame["origin_country"], bri)[o]
    sel = {"world": ok, "BRI economies (World Bank list; 69 of 71 identified)": ok & in_bri,
           "non-BRI economies": ok & ~in_bri}
    # international pairs from a table over the two codings (not 1M names a side: 16 MB of pointers)
    o_names, d_names = _names(frame["origin_country"]), _names(frame["destination_country"])
    d_as_o = pd.Index(o_names).get_indexer(d_names)  # a destination's code in the origin's coding (-1: none)
    d_as_o = np.where(d_as_o < 0, -2 - np.arange(len(d_names)), d_as_o)  # unmatched names equal no origin
    international = np.arange(len(o_names))[:, None] != d_as_o[None, :]
    for name, members in CORRIDORS.items():
        on = _member(frame["origin_country"], members)[:, None] & _member(frame["destination_country"], members)[None, :]
        sel[name] = ok & (on & international)[o, d]
    cols = [c for c in GROUP_COLUMNS if c in pairs.columns] + \
        [c for c in ("transit_days_change_fixed_mode_pct",) if c in pairs.columns]
    means: dict[str, dict[str, float]] = {}
    for c in cols:  # one column at a time: at 1M pairs each is 8 MB
        values = np.asarray(pairs.column(c) if lazy else pairs[c].to_numpy(dtype=float), dtype=float)
        # `np.nanmean` on each selection, its NaNs zeroed in the selection's own copy (one 8 MB copy less)
        means[c] = {name: float(_nanmean(values[m])) if m.any() else np.nan for name, m in sel.items()}
        del values
    rows = []
    for name, m in sel.items():
        rows.append({"group": name, "kind": "corridor" if name in CORRIDORS else "group", "city_pairs": int(m.sum()),
                     **{c: means[c][name] for c in cols}})
    return pd.DataFrame(rows)


def _codes(col: pd.Series) -> np.ndarray:
    return col.cat.codes.to_numpy() if isinstance(col.dtype, pd.CategoricalDtype) else pd.factorize(col)[0]


def _names(col: pd.Series) -> np.ndarray:
    cats = col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else pd.factorize(col)[1]
    return np.asarray(cats, dtype=object).astype(str)


def _member(col: pd.Series, members: set[str] | frozenset[str]) -> np.ndarray:
    """Per category (or factorized value) of `col`: is it one of `members`?"""
    return np.isin(_names(col), list(members))


def accounting_groups(comparison) -> pd.DataFrame:
    """The comparison's group rows with both accountings' means (what `compare --accounting` prints).

    World-bank groups already carry them (`world_bank_groups`). The default groups (world, BRI and non-BRI
    economies by exporter, as `analysis.changes.aggregate` selects them) get each group's own means over the
    pairs reachable in both scenarios, read one pair column at a time (`Comparison.pair_column`), so the full
    1M-row pair table is never built.

    Parameters
    ----------
    comparison : beltroad.analysis.comparison.Comparison
        The result of `analysis.compare`.

    Returns
    -------
    pandas.DataFrame
        `comparison.groups` with the `GROUP_COLUMNS` it lacked, one value per group row.

    Raises
    ------
    ValueError
        If a default group row is not world, bri_economies or non_bri_economies.
    """
    from beltroad.analysis.changes import _nanmean

    g = comparison.groups
    missing = [k for k in GROUP_COLUMNS if k not in g.columns and k in comparison.pair_table.columns]
    if not missing:
        return g
    ok = comparison.pair_column("reachable_base") & comparison.pair_column("reachable_scenario")
    origin = pd.Series(comparison.pair_column("origin_country"))[ok]
    eco = economies()
    bri = set(eco.loc[eco["bri_member"], "iso3"]) if len(eco) else set()  # as `aggregate` selects them
    in_bri = _member(origin, bri)[_codes(origin)]
    sel = {"world": np.ones(len(origin), dtype=bool), "bri_economies": in_bri, "non_bri_economies": ~in_bri}
    unknown = set(g["group"]) - set(sel)
    if unknown:
        raise ValueError(f"no selection for group rows {sorted(unknown)}")
    out = g.copy()
    for k in missing:  # one column at a time: at 1M pairs each is 8 MB
        values = np.asarray(comparison.pair_column(k), dtype=float)[ok]
        out[k] = [_nanmean(values[sel[name]]) for name in g["group"]]
    return out
