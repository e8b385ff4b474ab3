"""Capacities of the links and passages that bind container flows, in TEU a year, with their sources.

`data/capacity.csv` lists each capacity element: a set of network links (or a sea passage) whose flow is
limited, the published capacity in its own unit, the TEU per unit used to convert it, year and source.
Flows scenarios (`data/scenarios.yaml`, or factors passed by the caller) scale capacities; the network
scenario loader is left untouched (its overrides forbid unknown keys).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from beltroad.network.build import LINK, ROAD, Network
from beltroad.data.sea import PASSAGES

DATA = Path(__file__).resolve().parent / "data"
PER_DAY = {"trains/day", "containers/day", "TEU/day", "ships/day", "wagons/day", "vehicles/day"}
PER_YEAR = {"TEU/yr", "wagons/yr", "t/yr", "Mt/yr"}


class FlowsError(ValueError):
    """Bad flows input (demand file, capacity factor, scenario): the message says what to fix."""


@dataclass
class CapacityElements:
    """Capacity elements mapped onto network edges (one row per element and direction)."""

    table: pd.DataFrame          # id, name, direction, capacity_teu_yr, service_teu, source, links, passage, ...
    edges: list[np.ndarray]      # network edge indices per row

    def __len__(self) -> int:
        return len(self.table)


def load_capacity_table(path: Path | None = None) -> pd.DataFrame:
    """The capacity table with capacities converted to TEU a year (both columns kept)."""
    df = pd.read_csv(path or DATA / "capacity.csv", dtype={"refs": str, "source": str})
    bad = ~df["capacity_unit"].isin(PER_DAY | PER_YEAR)
    if bad.any():
        raise FlowsError(f"capacity.csv: unknown capacity_unit {sorted(df.loc[bad, 'capacity_unit'])}")
    if df["source"].isna().any() or (df["source"].str.strip() == "").any():
        raise FlowsError("capacity.csv: every row needs a source")
    per_year = np.where(df["capacity_unit"].isin(PER_DAY), 365.0, 1.0)
    df["capacity_teu_yr"] = df["capacity"].astype(float) * df["teu_per_unit"].astype(float) * per_year
    return df


def scenario_factors(scenario: str, extra: dict[str, float] | None = None) -> dict[str, float]:
    """Capacity factors of a flows scenario (data/scenarios.yaml) updated with `extra`."""
    spec = yaml.safe_load((DATA / "scenarios.yaml").read_text()) or {}
    out = dict((spec.get(scenario) or {}).get("capacity_factor") or {})
    out.update(extra or {})
    for k, f in out.items():
        if not isinstance(f, (int, float)) or f < 0:
            raise FlowsError(f"capacity factor for '{k}' must be a number >= 0, got {f!r}")
    return out


def parse_factors(items: list[str] | None) -> dict[str, float]:
    """`ID=FACTOR` strings (CLI) to a dict, with a clear error for bad input."""
    out: dict[str, float] = {}
    for it in items or []:
        key, sep, val = it.partition("=")
        try:
            if not sep or not key:
                raise ValueError
            out[key.strip()] = float(val)
        except ValueError:
            raise FlowsError(f"capacity factor '{it}' is not ID=FACTOR (e.g. baku_alat=2)") from None
    return out


def capacity_elements(net: Network, factors: dict[str, float] | None = None,
                      table: pd.DataFrame | None = None) -> CapacityElements:
    """Map capacity rows to network edges; `factors` (by id or '*') scale the capacities.

    A link row with direction `each` gives two elements (link direction and reverse, each with the full
    capacity); `both` gives one element that counts both directions together."""
    df = load_capacity_table() if table is None else table
    factors = factors or {}
    unknown = set(factors) - set(df["id"]) - {"*"}
    if unknown:
        raise FlowsError(f"unknown capacity id(s) {sorted(unknown)}; known: {', '.join(df['id'])}")
    link_index = {lid: i for i, lid in enumerate(net.links["id"])}
    link_from = net.links["from"].to_numpy()
    place_ids = net.places["id"].to_numpy()
    src_place = np.where(net.vertex_place[net.src] >= 0, place_ids[np.maximum(net.vertex_place[net.src], 0)], "")
    rows, edges = [], []
    named = {s.strip() for k, refs in zip(df["kind"], df["refs"]) if k == "link" for s in str(refs).split(";")}
    for r in df.itertuples(index=False):
        f = float(factors.get(r.id, factors.get("*", 1.0)))
        cap = float(r.capacity_teu_yr) * f
        if r.kind == "road_border":  # one element per road border link of the country not named elsewhere
            if r.refs not in net.countries:
                raise FlowsError(f"capacity.csv row {r.id}: unknown country {r.refs}")
            ci = net.countries.index(r.refs)
            e_all = np.flatnonzero((net.kind == LINK) & (net.mode == ROAD) & net.border & (net.link >= 0)
                                   & ((net.country_from == ci) | (net.country_to == ci)) & (net.country_from != net.country_to))
            lids = net.links["id"].to_numpy()[net.link[e_all]]
            for lid in sorted(set(lids) - named):
                e = e_all[lids == lid]
                rows.append({"id": f"{r.id}:{lid}", "element": f"{r.id}:{lid}", "name": f"{lid} (road)",
                             "direction": "both", "capacity_teu_yr": cap, "factor": f,
                             "service_teu": float(r.teu_per_unit), "year": int(r.year), "source": r.source,
                             "n_edges": len(e), "links": lid, "passage": ""})
                edges.append(e)
            continue
        if r.kind == "passage":
            if r.refs not in PASSAGES:
                raise FlowsError(f"capacity.csv row {r.id}: unknown passage {r.refs}")
            bit = PASSAGES.index(r.refs)
            groups = {"both": np.flatnonzero((net.passage_bits >> bit) & 1 == 1)}
        else:
            ids = [s.strip() for s in str(r.refs).split(";") if s.strip()]
            missing = [s for s in ids if s not in link_index]
            if missing:
                raise FlowsError(f"capacity.csv row {r.id}: unknown link id(s) {missing}")
            li = np.array([link_index[s] for s in ids])
            e = np.flatnonzero(np.isin(net.link, li))
            if r.direction == "each":
                fwd = src_place[e] == link_from[net.link[e]]
                groups = {"fwd": e[fwd], "rev": e[~fwd]}
            else:
                groups = {"both": e}
        for d, e in groups.items():
            rows.append({"id": r.id if d == "both" else f"{r.id}:{d}", "element": r.id, "name": r.name,
                         "direction": d, "capacity_teu_yr": cap, "factor": f, "service_teu": float(r.teu_per_unit)
                         if r.capacity_unit in ("trains/day", "ships/day", "vehicles/day") else 107.9,
                         "year": int(r.year), "source": r.source, "n_edges": len(e),
                         "links": ";".join(sorted(set(net.links["id"].to_numpy()[net.link[e[net.link[e] >= 0]]]))),
                         "passage": r.refs if r.kind == "passage" else ""})
            edges.append(e)
    return CapacityElements(pd.DataFrame(rows), edges)
