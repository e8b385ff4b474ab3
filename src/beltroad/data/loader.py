"""Load the embedded dataset (CSV tables split per region + parameters.yaml) into DataFrames.

Each row keeps the file and line it came from (`_file`, `_line`) so that validation messages can
point a data editor at the exact row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from beltroad.data.geo import haversine_km

from beltroad.data.paths import DATA_DIR, hash_dir  # noqa: F401 (re-exported)

NODE_COLUMNS = ["id", "name", "kind", "country", "lat", "lon", "locode", "aliases", "source", "notes"]
LINK_COLUMNS = [
    "id", "from", "to", "mode", "length_km", "length_basis", "class", "gauge_mm", "corridor", "status",
    "opened", "superseded", "project", "seasonal_closure", "source", "notes",
]
CROSSING_COLUMNS = [
    "id", "kind", "link", "node", "mode", "from_country", "to_country", "dwell_hours", "fee_usd",
    "gauge_from_mm", "gauge_to_mm", "gauge_change_hours", "gauge_change_usd", "capacity_per_day",
    "capacity_unit", "status", "opened", "source", "notes",
]
SOURCE_COLUMNS = ["id", "citation", "url"]
SPEED_COLUMNS = ["link", "speed_kmh", "source", "notes"]
# scheduled departures of container trains at a terminal (departures/*.csv): the wait for a train is half the headway
DEPARTURE_COLUMNS = ["node", "gauge_mm", "trains_per_week", "source", "notes"]
PROJECT_COLUMNS = ["id", "name", "countries", "mode", "status", "opened", "cost_usd_bn", "capacity", "notes", "source"]
# the container-port register (ports.csv): the ports that really handle containers, one row per terminal area
PORT_COLUMNS = [
    "locode", "name", "country", "lat", "lon", "role", "teu_thousand", "teu_year", "vessel_hours_in_port",
    "container_dwell_days", "max_vessel_teu", "node", "aliases", "source", "notes",
]
# optional register columns (a file without them is valid): the export dwell where a source gives it apart from
# the (import) container_dwell_days
PORT_OPTIONAL_NUMBERS = ["export_dwell_days"]

NUMERIC = {
    "nodes": ["lat", "lon"],
    "links": ["length_km", "gauge_mm", "opened", "superseded"],
    "crossings": ["dwell_hours", "fee_usd", "gauge_from_mm", "gauge_to_mm", "gauge_change_hours",
                  "gauge_change_usd", "capacity_per_day", "opened"],
    "projects": ["opened", "cost_usd_bn"],
    "ports": ["lat", "lon", "teu_thousand", "teu_year", "vessel_hours_in_port", "container_dwell_days", "max_vessel_teu"],
    "speeds": ["speed_kmh"],
    "departures": ["gauge_mm", "trains_per_week"],
}


class DataError(ValueError):
    """The dataset cannot be loaded (unreadable file, missing column, non-numeric number)."""


@dataclass
class Dataset:
    """The embedded network as tables, plus the parameters and the content hash that keys caches."""

    nodes: pd.DataFrame
    links: pd.DataFrame
    crossings: pd.DataFrame
    sources: pd.DataFrame
    projects: pd.DataFrame
    border_compliance: pd.DataFrame
    params: dict[str, Any]
    root: Path
    content_hash: str
    load_errors: list[str] = field(default_factory=list)
    ports: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PORT_COLUMNS + ["_file", "_line"]))
    services: pd.DataFrame = field(default_factory=pd.DataFrame)   # liner services (services.csv)
    liner: dict[str, Any] = field(default_factory=dict)            # liner parameters (sea_services.yaml)
    speeds: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SPEED_COLUMNS))  # per-link rail speeds
    departures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DEPARTURE_COLUMNS))  # train frequency

    def param(self, *path: str, key: str = "value") -> float:
        """Fetch a numeric parameter, e.g. `param('rail', 'commercial_speed_kmh', 'eu')`."""
        node: Any = self.params
        for p in path:
            node = node[p]
        if isinstance(node, dict):
            node = node[key]
        if node is None:
            raise DataError(f"parameter {'.'.join(path)}.{key} has no value in parameters.yaml")
        return float(node)


def _table_files(root: Path, table: str) -> list[Path]:
    """The CSV files of a table: `table.csv` or `table/*.csv`."""
    single, folder = root / f"{table}.csv", root / table
    return [single] if single.is_file() else (sorted(folder.glob("*.csv")) if folder.is_dir() else [])


def _read_table(folder: Path, columns: list[str], table: str) -> tuple[pd.DataFrame, list[str]]:
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else ([folder] if folder.exists() else [])
    frames, errors = [], []
    for f in files:
        try:
            df = pd.read_csv(f, dtype=str, keep_default_na=False, skipinitialspace=True)
        except Exception as exc:  # a broken CSV must name the file, not crash
            errors.append(f"{f.name}: cannot parse CSV ({exc})")
            continue
        missing = [c for c in columns if c not in df.columns]
        if missing:
            errors.append(f"{f.name}: missing column(s) {', '.join(missing)}")
            for c in missing:
                df[c] = ""
        df = df.apply(lambda s: s.str.strip())
        df["_file"] = f.name
        df["_line"] = np.arange(len(df)) + 2  # header is line 1
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=columns + ["_file", "_line"]), errors
    out = pd.concat(frames, ignore_index=True)
    for col in NUMERIC.get(table, []):
        raw = out[col]
        num = pd.to_numeric(raw.where(raw != "", None), errors="coerce")
        bad = raw.ne("") & num.isna()
        for _, r in out[bad].iterrows():
            errors.append(f"{r['_file']}:{r['_line']} {table}.{col}: '{r[col]}' is not a number")
        out[col] = num
    return out, errors


def _optional_number(df: pd.DataFrame, name: str, table: str, columns: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Optional numeric columns: empty where the file lacks them; a non-number is a load error naming the line."""
    errors = []
    for col in columns:
        raw = df[col].fillna("").astype(str) if col in df.columns else pd.Series("", index=df.index, dtype=str)
        num = pd.to_numeric(raw.where(raw != "", None), errors="coerce")
        for line, v in zip(df.loc[raw.ne("") & num.isna(), "_line"], raw[raw.ne("") & num.isna()]):
            errors.append(f"{name}:{line} {table}.{col}: '{v}' is not a number")
        df[col] = num
    return df, errors


def derive_lengths(links: pd.DataFrame, nodes: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Fill `length_km` of `estimated` links from great-circle distance x the mode's circuity factor."""
    pos = nodes.drop_duplicates("id").set_index("id")[["lat", "lon"]]
    a = pos.reindex(links["from"]).to_numpy()
    b = pos.reindex(links["to"]).to_numpy()
    gc = haversine_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    links = links.copy()
    links["gc_km"] = gc
    circuity = {m: (v or {}).get("value") for m, v in (params.get("circuity") or {}).items()}
    est = links["length_basis"].eq("estimated")  # a published row without a number stays empty: the validator says so
    keys = links["mode"] + np.where(links["class"].eq("road_mountain"), "_mountain", "")
    factor = keys.map(lambda k: circuity.get(k) or circuity.get(k.split("_")[0]) or 1.0).astype(float)
    links.loc[est, "length_km"] = (gc * factor)[est.to_numpy()]
    return links


def apply_measured_lengths(links: pd.DataFrame, root: Path) -> pd.DataFrame:
    """An `estimated` land link takes its length measured on OpenStreetMap geometry (tools/measure_links.py)
    where the measurement passed its checks (status ok); its basis becomes `measured`. Published and derived
    lengths are never replaced: `data check` compares them with the measurement instead."""
    path = root / "geometry" / "links_osm.csv"
    if not path.exists():
        return links
    osm = pd.read_csv(path, dtype={"link": str, "status": str})
    ok = osm[osm["status"].eq("ok")].drop_duplicates("link").set_index("link")["osm_km"]
    links = links.copy()
    blank_measured = links["length_basis"].eq("measured") & links["length_km"].isna()
    take = (links["length_basis"].eq("estimated") | blank_measured) & links["id"].isin(ok.index)
    links.loc[take, "length_km"] = links.loc[take, "id"].map(ok).to_numpy()
    links.loc[take, "length_basis"] = "measured"
    return links


def load_dataset(root: Path | str | None = None) -> Dataset:
    """Read every table under `root` (default: the embedded dataset)."""
    root = Path(root) if root else DATA_DIR
    if not root.is_dir():
        raise DataError(f"dataset folder not found: {root}")
    missing = [t for t in ("nodes", "links") if not _table_files(root, t)]
    if missing:
        raise DataError(f"no dataset found in {root}: no {' or '.join(missing)} table "
                        f"(expected {missing[0]}.csv or a {missing[0]}/ folder of CSV files)")
    errors: list[str] = []
    nodes, e = _read_table(root / "nodes", NODE_COLUMNS, "nodes"); errors += e
    if "project" not in nodes.columns:  # optional: the BRI project that built a port or terminal
        nodes["project"] = ""
    nodes["project"] = nodes["project"].fillna("")
    links, e = _read_table(root / "links", LINK_COLUMNS, "links"); errors += e
    crossings, e = _read_table(root / "crossings", CROSSING_COLUMNS, "crossings"); errors += e
    sources, e = _read_table(root / "sources", SOURCE_COLUMNS, "sources"); errors += e
    projects, e = _read_table(root / "projects.csv", PROJECT_COLUMNS, "projects"); errors += e
    ports, e = _read_table(root / "ports.csv", PORT_COLUMNS, "ports"); errors += e
    ports, e = _optional_number(ports, "ports.csv", "ports", PORT_OPTIONAL_NUMBERS); errors += e
    speeds, e = _read_table(root / "speeds", SPEED_COLUMNS, "speeds"); errors += e
    departures, e = _read_table(root / "departures", DEPARTURE_COLUMNS, "departures"); errors += e
    bc_path = root / "border_compliance.csv"
    border = pd.read_csv(bc_path) if bc_path.exists() else pd.DataFrame(
        columns=["country", "iso3", "border_time_import", "border_time_export", "border_fee_import", "border_fee_export"])
    # the Doing Business table marks "no data" (Eritrea, Yemen) with -9999: missing, never a negative time
    num = ["border_time_import", "border_time_export", "border_fee_import", "border_fee_export"]
    border[num] = border[num].apply(pd.to_numeric, errors="coerce").where(lambda x: x >= 0)
    param_path = root / "parameters.yaml"
    try:
        params = yaml.safe_load(param_path.read_text()) if param_path.exists() else {}
    except yaml.YAMLError as exc:
        raise DataError(f"parameters.yaml: {exc}") from exc
    links = apply_measured_lengths(derive_lengths(links, nodes, params or {}), root)
    from beltroad.data.services import load_service_parameters, load_services

    services = load_services(root) if (root / "services.csv").exists() else pd.DataFrame()
    liner = (load_service_parameters(root) or {}).get("liner", {}) if (root / "sea_services.yaml").exists() else {}
    return Dataset(nodes=nodes, links=links, crossings=crossings, sources=sources, projects=projects,
                   border_compliance=border, params=params or {}, root=root,
                   content_hash=hash_dir(root), load_errors=errors, ports=ports, services=services, liner=liner,
                   speeds=speeds, departures=departures)


@lru_cache(maxsize=4)
def embedded_dataset() -> Dataset:
    """The shipped dataset, loaded once per process."""
    return load_dataset(DATA_DIR)
