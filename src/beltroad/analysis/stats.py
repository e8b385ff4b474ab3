"""Counts of the dataset by mode, corridor and country (what `beltroad data stats` prints)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from beltroad.data.loader import Dataset

STATUSES = ("open", "under_construction", "planned")
LENGTH_BASES = ("published", "derived", "measured", "estimated")  # "measured": OSM lengths (on main)


@dataclass
class DatasetStats:
    """Summary tables of a dataset; every column is a count or km."""

    by_mode: pd.DataFrame       # mode, one count per status, km_open, one count per length basis
    by_corridor: pd.DataFrame   # corridor, links, rail, road, ferry, km
    by_country: pd.DataFrame    # country, nodes, one count per node kind (largest countries first)
    totals: dict


def dataset_stats(ds: Dataset, top_countries: int = 25) -> DatasetStats:
    """Counts by mode and status, by corridor, and by country and node kind.

    Parameters
    ----------
    ds : beltroad.data.loader.Dataset
        The loaded dataset.
    top_countries : int
        How many countries (most nodes first) the country table keeps.

    Returns
    -------
    DatasetStats
        The tables and totals.
    """
    links, nodes = ds.links, ds.nodes
    rows = []
    for mode, g in links.groupby("mode"):
        status, basis = g["status"].value_counts(), g["length_basis"].value_counts()
        rows.append({"mode": mode, **{s: int(status.get(s, 0)) for s in STATUSES},
                     "km_open": float(g.loc[g["status"].eq("open"), "length_km"].sum()),
                     **{f"length_{b}": int(basis.get(b, 0)) for b in LENGTH_BASES}})
    by_mode = pd.DataFrame(rows)
    corr = links.assign(corridor=links["corridor"].str.split(";")).explode("corridor")
    corr = corr[corr["corridor"].ne("")]
    rows = []
    for name, g in corr.groupby("corridor"):
        m = g["mode"].value_counts()
        rows.append({"corridor": name, "links": len(g), **{k: int(m.get(k, 0)) for k in ("rail", "road", "ferry")},
                     "km": float(g["length_km"].sum())})
    by_corridor = pd.DataFrame(rows)
    kinds = sorted(nodes["kind"].unique())
    counts = pd.crosstab(nodes["country"], nodes["kind"]).reindex(columns=kinds, fill_value=0)
    counts.insert(0, "nodes", counts.sum(axis=1))
    by_country = (counts.sort_values("nodes", ascending=False, kind="stable").head(top_countries)
                  .rename_axis(columns=None).reset_index())
    totals = {"nodes": len(nodes), "countries": int(nodes["country"].nunique()), "links": len(links),
              "crossings": len(ds.crossings), "gauge_changes": int((ds.crossings["kind"] == "gauge_change").sum()),
              "projects": len(ds.projects), "sources": len(ds.sources)}
    return DatasetStats(by_mode=by_mode, by_corridor=by_corridor, by_country=by_country, totals=totals)


__all__ = ["DatasetStats", "dataset_stats"]
