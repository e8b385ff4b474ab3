"""Liner services: the container-ship rotations that sea legs ride, and the rules that keep the table honest.

A sea leg is credible only if some real service links its ports: Asia-North Europe loops sail Shanghai to
Rotterdam via Suez on ships too large for Panama, a feeder port reaches the mainline through a hub. The table
`network/services.csv` holds one row per service (a loop), with its calling order as UN/LOCODEs; the sourced
parameters that turn rotations into times (service speeds, transshipment dwell, Cape diversion) live in
`network/sea_services.yaml`. This module reads both and validates the table; routing builds on it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
import yaml

from beltroad.data.sources import citation_problems

SERVICE_COLUMNS = ["id", "name", "operator", "lane", "port_calls", "vessel_teu", "frequency_per_week", "via",
                   "status", "year", "source", "notes"]

# Trade lanes. The first 23 are the lanes of issue 10's brief; the last five extend it where a sourced service
# fits none of them: Middle East/India-Mediterranean mainlines (Gemini ME11, Maersk ME8), Middle East-Indian
# subcontinent loops (Maersk Arabian Sea, Chabahar liner), and feeder shuttles around the African, South Asian
# and Latin American hubs (Lamu, Zanzibar, Gwadar, Chancay).
LANES = (
    "asia_north_europe", "asia_med", "asia_middle_east", "asia_india_pakistan", "asia_east_africa",
    "asia_west_africa", "asia_south_africa", "asia_oceania", "transpacific_west_coast", "asia_us_east_coast",
    "asia_south_america_west", "asia_south_america_east", "transatlantic", "europe_med_feeder", "med_black_sea",
    "europe_west_africa", "europe_south_africa", "europe_east_africa_middle_east", "middle_east_east_africa", "intra_asia", "intra_med",
    "europe_south_america", "india_east_africa", "caspian",
    "india_middle_east_med", "middle_east_india", "africa_feeder", "south_asia_feeder", "latin_america_feeder",
)
STATUSES = ("active", "suspended", "rerouted")
LOCODE_RE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
SERVICES_FILE = "services.csv"
PARAMETERS_FILE = "sea_services.yaml"


def load_services(data_dir: Path | str) -> pd.DataFrame:
    """One row per liner service, `port_calls` and `via` as lists, numbers as numbers.

    `data_dir` is the dataset folder (`beltroad.data.DATA_DIR`) or the services CSV itself. Unreadable or
    malformed files raise `ValueError` naming the file; values are checked by `check_services`, not here,
    so that a data editor sees every problem at once.
    """
    path = Path(data_dir)
    if path.is_dir():
        path = path / SERVICES_FILE
    if not path.exists():
        raise ValueError(f"services table not found: {path}")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except Exception as exc:  # a broken CSV must name the file, not crash
        raise ValueError(f"{path.name}: cannot parse CSV ({exc})") from exc
    missing = [c for c in SERVICE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)}")
    df = df[SERVICE_COLUMNS].apply(lambda s: s.str.strip())
    df["_line"] = np.arange(len(df)) + 2  # header is line 1
    for col in ("vessel_teu", "frequency_per_week", "year"):
        df[f"_raw_{col}"] = df[col]  # the text as written, so that a validation message can quote it
        df[col] = pd.to_numeric(df[col].where(df[col] != "", None), errors="coerce")
    # empty items are kept ("A;;B" -> ['A', '', 'B']) so that check_services can report them
    df["port_calls"] = df["port_calls"].map(_raw_list)
    df["via"] = df["via"].map(_raw_list)
    return df


def load_service_parameters(data_dir: Path | str) -> dict[str, Any]:
    """The sourced liner parameters of `sea_services.yaml` (speeds, dwell, Panama limit, Cape diversion)."""
    path = Path(data_dir)
    if path.is_dir():
        path = path / PARAMETERS_FILE
    try:
        return yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path.name}: cannot read liner parameters ({exc})") from exc


def source_ids(data_dir: Path | str) -> set[str]:
    """Every source id defined in `sources/*.csv` under the dataset folder."""
    ids: set[str] = set()
    for f in sorted((Path(data_dir) / "sources").glob("*.csv")):
        ids |= set(pd.read_csv(f, dtype=str, keep_default_na=False)["id"].str.strip())
    return ids


def _raw_list(value: Any) -> list[str]:
    """Like split_list but keeps empty items, so `A;;B` is seen as a blank call."""
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value]
    return [v.strip() for v in str(value).split(";")] if str(value).strip() else []


def check_services(services: pd.DataFrame, ports_locodes: Iterable[str] | None = None, *,
                   known_sources: Iterable[str] | None = None) -> list[str]:
    """Every broken rule of the services table as a readable message (empty list: valid).

    Rules: unique non-empty ids; lane in LANES; status in STATUSES; at least two calls, each a well-formed
    UN/LOCODE, no port called twice in a row (the loop closes implicitly, so the last call may not repeat
    the first either); `via` names known passages; vessel_teu, frequency and year positive numbers;
    a source given, and (when `known_sources` is passed) every cited id defined. When `ports_locodes` is
    given (the port register), every call must be a registered port.
    """
    from beltroad.data.sea import PASSAGES  # passage names are owned by the sea layer (searoute tags)

    out: list[str] = []
    ports = set(ports_locodes) if ports_locodes is not None else None
    sources = set(known_sources) if known_sources is not None else None
    ids = services["id"].astype(str)
    for dup in sorted(set(ids[ids.duplicated()])):
        out.append(f"services: id '{dup}' is used by more than one row")
    for i, r in services.iterrows():
        where = f"services.csv:{r['_line']}" if "_line" in services.columns else f"services row {i}"
        sid = str(r["id"]).strip()
        tag = f"{where} '{sid}'"
        notes = str(r.get("notes", "")).lower()
        if not sid:
            out.append(f"{where}: service has no id")
        if r["lane"] not in LANES:
            out.append(f"{tag}: lane '{r['lane']}' is not one of {', '.join(LANES)}")
        if r["status"] not in STATUSES:
            out.append(f"{tag}: status '{r['status']}' is not one of {', '.join(STATUSES)}")
        calls = _raw_list(r["port_calls"])
        named = [c for c in calls if c]
        if len(named) < 2:
            out.append(f"{tag}: a rotation needs at least 2 port calls, has {len(named)}")
        for c in calls:
            if not LOCODE_RE.match(c):
                out.append(f"{tag}: port call '{c}' is not a UN/LOCODE (2 letters + 3 letters/digits 2-9)")
            elif ports is not None and c not in ports:
                out.append(f"{tag}: port call '{c}' is not in the port register")
        if len(calls) > 1:
            for a, b in zip(calls, calls[1:] + calls[:1]):
                if a and a == b:
                    out.append(f"{tag}: port '{a}' is called twice in a row (the loop closes to its first call by "
                               "itself; do not repeat it at the end)")
        for p in _raw_list(r["via"]):
            if p and p not in PASSAGES:
                out.append(f"{tag}: via '{p}' is not a known passage ({', '.join(PASSAGES)})")
        for col, lo, optional in (("vessel_teu", 0, True), ("frequency_per_week", 0, True), ("year", 1950, False)):
            raw = r[f"_raw_{col}"] if f"_raw_{col}" in services.columns else r[col]
            raw = "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw).strip()
            v = pd.to_numeric(pd.Series([raw]), errors="coerce").iloc[0]
            blank = raw == ""
            if blank and optional:
                if "not published" not in notes:
                    out.append(f"{tag}: {col} is empty and the notes do not say it is not published")
                continue
            if pd.isna(v) or v <= lo:
                out.append(f"{tag}: {col} '{raw}' must be a number above {lo}")
        out += [f"{tag}: {p}" for p in citation_problems(r["source"], sources)]
    return out


def _walk(node: Any, path: str):
    if isinstance(node, dict):
        if "value" in node or "source" in node:
            yield path, node
        for k, v in node.items():
            if isinstance(v, dict):
                yield from _walk(v, f"{path}.{k}" if path else str(k))


def check_service_parameters(params: dict[str, Any], known_sources: Iterable[str]) -> list[str]:
    """Every parameter of sea_services.yaml has a value and a source whose ids all resolve."""
    sources = set(known_sources)
    out: list[str] = []
    if not isinstance(params.get("liner"), dict):
        return ["sea_services.yaml: no 'liner' section"]
    for path, node in _walk(params["liner"], "liner"):
        has_value = node.get("value") is not None or "codes" in node or "ports" in node
        if not has_value:
            out.append(f"sea_services.yaml {path}: no value")
        out += [f"sea_services.yaml {path}: {p}" for p in citation_problems(node.get("source"), sources)]
    return out


def known_locodes(data_dir: Path | str | None = None) -> set[str]:
    """UN/LOCODEs a rotation may use without a port register: searoute's port list plus the sourced supplement."""
    from beltroad.data.sea import read_ports  # the one reader of searoute's port list

    codes = {p["locode"] for p in read_ports()}
    if data_dir is not None:
        liner = load_service_parameters(data_dir).get("liner", {})
        codes |= set((liner.get("locodes_not_in_searoute") or {}).get("codes", {}))
    return codes
