"""The energy dataset: pipelines, terminals, access points, balances and shipping parameters.

Tables live as CSV next to this module (they diff well); every row cites source ids that must resolve in
`beltroad/data/network/sources/*.csv`. `load_energy_data` checks that, and that every node, country and
date is well formed, so a broken edit fails loudly with the file, row and column named.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from beltroad.data.countries import ISO3TO2
from beltroad.data.sources import citation_problems

DATA_DIR = Path(__file__).resolve().parent / "data"
SOURCES_DIR = Path(__file__).resolve().parent.parent / "data" / "network" / "sources"

# EU27 as one bloc: demand and embargoes are stated for the bloc (members listed so terminals map to it)
EU27 = frozenset("AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT ROU "
                 "SVK SVN ESP SWE".split())
BCM_PER_MT_LNG = 1.36       # E-CONV
MT_PER_MBD = 49.8           # E-CONV (1 mb/d of crude in Mt/yr)
PIPELINE_STATUSES = {"operating", "halted", "destroyed", "never_operated", "planned", "stalled", "shelved",
                     "mothballed", "under_construction"}
COMMODITIES = ("crude", "gas", "lng")


class EnergyDataError(ValueError):
    """A table of the energy dataset is malformed; the message names file, row and column."""


@dataclass(frozen=True)
class EnergyData:
    nodes: pd.DataFrame
    pipelines: pd.DataFrame
    terminals: pd.DataFrame
    capacity_groups: pd.DataFrame
    access: pd.DataFrame
    balances: pd.DataFrame
    vessels: pd.DataFrame
    parameters: dict[str, float]
    observed: pd.DataFrame
    sources: pd.DataFrame


def economy_of(country: str) -> str:
    """Economy a country belongs to in the balances: EU members map to the EU bloc."""
    return "EU" if country in EU27 else country


def _read(name: str) -> pd.DataFrame:
    path = DATA_DIR / name
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # pragma: no cover - a corrupt shipped file
        raise EnergyDataError(f"{path.name}: cannot be read ({exc})") from exc


def _fail(table: str, idx: int, column: str, msg: str) -> None:
    raise EnergyDataError(f"{table}.csv row {idx + 2}, column '{column}': {msg}")


def _num(df: pd.DataFrame, table: str, column: str, required: bool = False) -> pd.Series:
    out = pd.to_numeric(df[column].replace("", None), errors="coerce")
    bad = df[column].ne("") & out.isna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        _fail(table, i, column, f"'{df[column].iloc[i]}' is not a number")
    if required and out.isna().any():
        i = int(out.isna().to_numpy().nonzero()[0][0])
        _fail(table, i, column, "value required")
    return out


def _dates(df: pd.DataFrame, table: str, columns: tuple[str, ...]) -> None:
    for col in columns:
        for i, v in enumerate(df[col]):
            if not v:
                continue
            if len(v) == 4 and v.isdigit():
                continue
            try:
                dt.date.fromisoformat(v)
            except ValueError:
                _fail(table, i, col, f"'{v}' is not a date (YYYY-MM-DD or YYYY)")


def parse_date(value: str) -> dt.date | None:
    """A table date ('YYYY-MM-DD' or 'YYYY' = 1 January) or None when blank."""
    if not value:
        return None
    if len(value) == 4:
        return dt.date(int(value), 1, 1)
    return dt.date.fromisoformat(value)


@lru_cache(maxsize=1)
def load_energy_data() -> EnergyData:
    """Read and check every energy table once per process."""
    src_frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(SOURCES_DIR.glob("*.csv"))]
    sources = pd.concat(src_frames, ignore_index=True)
    known = set(sources["id"])
    iso = set(ISO3TO2)  # the country list the rest of the package uses

    tables = {name: _read(f"{name}.csv") for name in ("nodes", "pipelines", "terminals", "capacity_groups", "access",
                                                       "balances", "vessels", "parameters", "observed")}
    nodes, pipelines, terminals, groups, access, balances, vessels, params, observed = tables.values()
    for name, df in tables.items():
        if "source" not in df.columns:
            raise EnergyDataError(f"{name}.csv: no 'source' column")
        for i, s in enumerate(df["source"]):
            for problem in citation_problems(s, known):
                _fail(name, i, "source", problem)

    if nodes["id"].duplicated().any():
        _fail("nodes", int(nodes["id"].duplicated().to_numpy().nonzero()[0][0]), "id", "duplicate id")
    for i, c in enumerate(nodes["country"]):
        if c not in iso:
            _fail("nodes", i, "country", f"'{c}' is not an ISO 3166-1 alpha-3 code")
    nodes["lon"] = _num(nodes, "nodes", "lon", required=True)
    nodes["lat"] = _num(nodes, "nodes", "lat", required=True)
    node_ids = set(nodes["id"])

    if pipelines["id"].duplicated().any():
        _fail("pipelines", int(pipelines["id"].duplicated().to_numpy().nonzero()[0][0]), "id", "duplicate id")
    for i, r in pipelines.iterrows():
        if r["commodity"] not in ("crude", "gas"):
            _fail("pipelines", i, "commodity", f"'{r['commodity']}' is not crude or gas")
        if r["status"] not in PIPELINE_STATUSES:
            _fail("pipelines", i, "status", f"'{r['status']}' is not one of {', '.join(sorted(PIPELINE_STATUSES))}")
        route = r["route"].split(">")
        if len(route) < 2:
            _fail("pipelines", i, "route", "needs at least two nodes separated by '>'")
        for n in route:
            if n not in node_ids:
                _fail("pipelines", i, "route", f"unknown node '{n}'")
        for c in r["countries"].split(";"):
            if c not in iso:
                _fail("pipelines", i, "countries", f"'{c}' is not an ISO3 code")
        for step in [x for x in r["capacity_by_year"].split(";") if x]:
            y, _, v = step.partition(":")
            try:
                int(y), float(v)
            except ValueError:
                _fail("pipelines", i, "capacity_by_year", f"'{step}' is not 'year:value'")
        if r["capacity_unit"] not in ("bcm/yr", "Mt/yr"):
            _fail("pipelines", i, "capacity_unit", "must be bcm/yr or Mt/yr")
    pipelines["capacity"] = _num(pipelines, "pipelines", "capacity", required=True)
    pipelines["length_km"] = _num(pipelines, "pipelines", "length_km")
    _dates(pipelines, "pipelines", ("opened", "halted", "destroyed", "planned"))

    for i, r in terminals.iterrows():
        if r["node"] not in node_ids:
            _fail("terminals", i, "node", f"unknown node '{r['node']}'")
        if r["commodity"] not in ("crude", "lng") or r["direction"] not in ("export", "import"):
            _fail("terminals", i, "commodity", "commodity must be crude|lng and direction export|import")
    terminals["capacity"] = _num(terminals, "terminals", "capacity")
    _dates(terminals, "terminals", ("opened", "halted"))
    groups["capacity"] = _num(groups, "capacity_groups", "capacity", required=True)
    _dates(groups, "capacity_groups", ("date_from",))

    for i, r in access.iterrows():
        if r["node"] not in node_ids:
            _fail("access", i, "node", f"unknown node '{r['node']}'")
        if r["role"] not in ("supply", "demand"):
            _fail("access", i, "role", "must be supply or demand")
        if r["hub"] and r["hub"] not in node_ids:
            _fail("access", i, "hub", f"unknown node '{r['hub']}'")
    balances["value"] = _num(balances, "balances", "value", required=True)
    balances["year"] = _num(balances, "balances", "year", required=True).astype(int)
    for i, r in balances.iterrows():
        if r["bound"] not in ("fixed", "max"):
            _fail("balances", i, "bound", "must be fixed or max")
        key = (r["economy"], r["pool"], r["role"])
        if not ((access["economy"] == key[0]) & (access["pool"] == key[1]) & (access["role"] == key[2])).any():
            _fail("balances", i, "economy", f"no access node for {key[0]} {key[1]} {key[2]} in access.csv")
    for col in ("speed_kn", "cargo_t", "cost_usd_per_tkm", "co2_kg_per_tkm"):
        vessels[col] = _num(vessels, "vessels", col)
    pvals = _num(params, "parameters", "value", required=True)
    parameters = dict(zip(params["name"], pvals.astype(float)))
    observed["value"] = _num(observed, "observed", "value", required=True)
    return EnergyData(nodes=nodes, pipelines=pipelines, terminals=terminals, capacity_groups=groups,
                      access=access, balances=balances, vessels=vessels, parameters=parameters,
                      observed=observed, sources=sources)
