"""Row-level validation of the dataset: every rule names the file, line and row it fails on."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from beltroad.data.loader import Dataset
from beltroad.data.geo import haversine_km

NODE_KINDS = {"city", "rail_terminal", "dry_port", "seaport", "border_crossing", "junction", "ferry_port", "river_port"}
MODES = {"rail", "road", "ferry", "sea", "inland_water"}
STATUSES = {"open", "under_construction", "planned"}
LENGTH_BASES = {"published", "derived", "measured", "estimated"}
CLASSES = {
    "rail": {"rail_double_electric", "rail_double_diesel", "rail_single_electric", "rail_single_diesel", "rail_hsr"},
    "road": {"road_motorway", "road_single", "road_mountain"},
    "ferry": {"ferry_rail", "ferry_roro"},
    "sea": {"sea_feeder"},
    "inland_water": {"inland_barge"},
}
GAUGES = {1000, 1067, 1435, 1520, 1668, 1676}
MAX_CIRCUITY = 2.5  # the issue's plausibility bound for a published length
GC_TOLERANCE = 0.98  # coordinates are rounded to ~0.01 deg: allow 2 % below great-circle
# container-port register (ports.csv); criteria in docs/data.md
PORT_ROLES = {"hub", "gateway", "feeder", "river"}
PORT_NODE_MAX_KM = 30.0    # a register row and the dataset node it names are the same port
PORT_COAST_MAX_KM = 50.0   # a sea port lies on the coast (estuary ports: Kolkata 40 km, Kaliningrad 33 km)
PORT_MARNET_MAX_KM = 150.0  # ...and near a searoute lane; marnet is coarse: Kyaukphyu 140 km, Lae 124, Nacala 102
PORT_TEU_YEARS = (2000, 2100)
# A published/derived length that differs from its OpenStreetMap measurement by more than both of these is
# worth a look (warning, not error): OSM paths may take a newer or high-speed line, a sourced figure may count
# sidings or an older alignment. Both must be exceeded, so short links are not flagged for a few km of snapping.
OSM_TOLERANCE_SHARE = 0.15
OSM_TOLERANCE_KM = 30.0


@dataclass(frozen=True)
class Issue:
    rule: str
    table: str
    file: str
    line: int
    row_id: str
    message: str
    severity: str = "error"  # "warning": worth a look, the dataset still loads and passes

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.file}:{self.line} [{self.rule}] {tag}{self.table} '{self.row_id}': {self.message}"


def _issues(df: pd.DataFrame, mask, rule: str, table: str, message) -> list[Issue]:
    out = []
    for _, r in df[mask].iterrows():
        msg = message(r) if callable(message) else message
        out.append(Issue(rule, table, str(r.get("_file", "")), int(r.get("_line", 0)), str(r.get("id", "")), msg))
    return out


def _split(value: str) -> list[str]:
    return [v.strip() for v in str(value).split(";") if v.strip()]


def check_dataset(ds: Dataset, warnings: bool = False) -> list[Issue]:
    """Run every rule; an empty list means the dataset is valid. `warnings=True` adds the rows worth a
    look that do not make the dataset invalid (severity 'warning'), e.g. lengths disagreeing with OSM."""
    issues: list[Issue] = [Issue("load", "-", msg.split(":")[0], 0, "", msg) for msg in ds.load_errors]
    tables = {"nodes": ds.nodes, "links": ds.links, "crossings": ds.crossings, "sources": ds.sources,
              "projects": ds.projects}

    # duplicate ids
    for name, df in tables.items():
        dup = df["id"].duplicated(keep=False) & df["id"].ne("")
        issues += _issues(df, dup, "duplicate-id", name, lambda r: f"id '{r['id']}' is defined more than once")
        issues += _issues(df, df["id"].eq(""), "missing-id", name, "row has no id")

    # missing sources / unknown source ids
    known_sources = set(ds.sources["id"])
    for name in ("nodes", "links", "crossings", "projects"):
        df = tables[name]
        issues += _issues(df, df["source"].eq(""), "missing-source", name, "row has no source")
        unknown = df["source"].map(lambda s: [x for x in _split(s) if x not in known_sources])
        issues += _issues(df, unknown.map(bool), "unknown-source", name,
                          lambda r: f"cites undefined source id(s) {', '.join(x for x in _split(r['source']) if x not in known_sources)}")
    issues += _issues(ds.sources, ds.sources["citation"].eq(""), "missing-source", "sources", "source has no citation")

    nodes, links, crossings = ds.nodes, ds.links, ds.crossings
    # node fields
    issues += _issues(nodes, ~nodes["kind"].isin(NODE_KINDS), "bad-value", "nodes",
                      lambda r: f"kind '{r['kind']}' is not one of {sorted(NODE_KINDS)}")
    bad_coord = nodes["lat"].isna() | nodes["lon"].isna() | ~nodes["lat"].between(-90, 90) | ~nodes["lon"].between(-180, 180)
    issues += _issues(nodes, bad_coord, "coordinates", "nodes",
                      lambda r: f"coordinates ({r['lat']}, {r['lon']}) are missing or out of range")
    issues += _issues(nodes, ~nodes["country"].str.fullmatch(r"[A-Z]{3}"), "bad-value", "nodes",
                      lambda r: f"country '{r['country']}' is not an ISO3 code")
    issues += _issues(nodes, nodes["locode"].ne("") & ~nodes["locode"].str.fullmatch(r"[A-Z]{2}[A-Z2-9]{3}"),
                      "bad-value", "nodes", lambda r: f"locode '{r['locode']}' is not a UN/LOCODE")

    # link fields and references
    node_ids = set(nodes["id"])
    for end in ("from", "to"):
        issues += _issues(links, ~links[end].isin(node_ids), "dangling-reference", "links",
                          lambda r, end=end: f"{end} node '{r[end]}' does not exist")
    issues += _issues(links, links["from"].eq(links["to"]), "bad-value", "links", "link joins a node to itself")
    issues += _issues(links, ~links["mode"].isin(MODES), "bad-value", "links",
                      lambda r: f"mode '{r['mode']}' is not one of {sorted(MODES)}")
    issues += _issues(links, ~links["status"].isin(STATUSES), "bad-value", "links",
                      lambda r: f"status '{r['status']}' is not one of {sorted(STATUSES)}")
    issues += _issues(links, ~links["length_basis"].isin(LENGTH_BASES), "bad-value", "links",
                      lambda r: f"length_basis '{r['length_basis']}' is not one of {sorted(LENGTH_BASES)}")
    bad_class = ~links.apply(lambda r: r["class"] in CLASSES.get(r["mode"], set()), axis=1) if len(links) else links["id"].ne(links["id"])
    issues += _issues(links, bad_class, "bad-value", "links",
                      lambda r: f"class '{r['class']}' is not valid for mode {r['mode']} ({sorted(CLASSES.get(r['mode'], []))})")
    rail = links["mode"].eq("rail")
    issues += _issues(links, rail & ~links["gauge_mm"].isin(GAUGES), "bad-value", "links",
                      lambda r: f"rail link needs gauge_mm in {sorted(GAUGES)}, has '{r['gauge_mm']}'")
    project_ids = set(ds.projects["id"])
    issues += _issues(nodes, nodes["project"].ne("") & ~nodes["project"].isin(project_ids), "dangling-reference",
                      "nodes", lambda r: f"project '{r['project']}' does not exist")
    issues += _issues(links, links["project"].ne("") & ~links["project"].isin(project_ids), "dangling-reference",
                      "links", lambda r: f"project '{r['project']}' does not exist")

    # length plausibility against the great circle
    measured = links["length_basis"].isin({"published", "derived"})
    ratio = links["length_km"] / links["gc_km"].replace(0, np.nan)
    too_short = measured & (links["length_km"] < links["gc_km"] * GC_TOLERANCE)
    too_long = measured & (ratio > MAX_CIRCUITY)
    issues += _issues(links, too_short, "length", "links",
                      lambda r: f"length {r['length_km']:.0f} km is under the great-circle distance {r['gc_km']:.0f} km")
    issues += _issues(links, too_long, "length", "links",
                      lambda r: f"length {r['length_km']:.0f} km is over {MAX_CIRCUITY}x the great-circle distance {r['gc_km']:.0f} km")
    issues += _issues(links, links["length_km"].isna() | (links["length_km"] <= 0), "length", "links",
                      "link has no usable length")

    # crossings
    link_ids = set(links["id"])
    border = crossings["kind"].eq("border")
    gauge = crossings["kind"].eq("gauge_change")
    issues += _issues(crossings, ~(border | gauge), "bad-value", "crossings",
                      lambda r: f"kind '{r['kind']}' is not 'border' or 'gauge_change'")
    issues += _issues(crossings, border & ~crossings["link"].isin(link_ids), "dangling-reference", "crossings",
                      lambda r: f"link '{r['link']}' does not exist")
    issues += _issues(crossings, gauge & ~crossings["node"].isin(node_ids), "dangling-reference", "crossings",
                      lambda r: f"node '{r['node']}' does not exist")
    issues += _issues(crossings, border & crossings["node"].ne("") & ~crossings["node"].isin(node_ids),
                      "dangling-reference", "crossings", lambda r: f"node '{r['node']}' does not exist")
    issues += _issues(crossings, gauge & (crossings["gauge_from_mm"].isna() | crossings["gauge_to_mm"].isna()),
                      "bad-value", "crossings", "gauge_change needs gauge_from_mm and gauge_to_mm")

    issues += _gauge_breaks(ds)
    issues += _unreachable(ds)
    issues += check_ports(ds)
    issues += _measured_lengths(ds)
    issues += _speeds_and_departures(ds, known_sources, node_ids)
    if warnings:
        issues += check_lengths_against_osm(ds)
    return issues


def _speeds_and_departures(ds: Dataset, known_sources: set, node_ids: set) -> list[Issue]:
    """Per-link rail speeds (speeds/*.csv) and terminal train frequencies (departures/*.csv): every number
    positive and sourced, every link a rail link and every node a dataset node."""
    out: list[Issue] = []
    rail_links = set(ds.links.loc[ds.links["mode"].eq("rail"), "id"])
    checks = (("speeds", ds.speeds, "link", rail_links, "rail link", "speed_kmh"),
              ("departures", ds.departures, "node", node_ids, "node", "trains_per_week"))
    for table, df, key, known, what, number in checks:
        if df is None or df.empty:
            continue
        df = df.assign(id=df[key])
        out += _issues(df, ~df[key].isin(known), "dangling-reference", table,
                       lambda r, what=what, key=key: f"{what} '{r[key]}' does not exist")
        out += _issues(df, df["source"].eq(""), "missing-source", table, "row has no source")
        out += _issues(df, df["source"].map(lambda s: any(x not in known_sources for x in _split(s))),
                       "unknown-source", table,
                       lambda r: f"cites undefined source id(s) {', '.join(x for x in _split(r['source']) if x not in known_sources)}")
        out += _issues(df, ~(df[number] > 0), "bad-value", table,
                       lambda r, number=number: f"{number} '{r[number]}' must be a positive number")
        if table == "departures":
            out += _issues(df, ~df["gauge_mm"].isin(GAUGES), "bad-value", table,
                           lambda r: f"gauge_mm '{r['gauge_mm']}' is not one of {sorted(GAUGES)}")
    return out


def _osm_table(ds: Dataset) -> pd.DataFrame:
    path = ds.root / "geometry" / "links_osm.csv"
    if not path.exists():
        return pd.DataFrame(columns=["link", "osm_km", "status"]).set_index("link")
    return pd.read_csv(path, dtype={"link": str, "status": str}).drop_duplicates("link").set_index("link")


def _measured_lengths(ds: Dataset) -> list[Issue]:
    """A `measured` length must come from an accepted OSM measurement (geometry/links_osm.csv, status ok)."""
    osm = _osm_table(ds)
    links = ds.links
    status = links["id"].map(osm["status"]).fillna("missing")
    bad = links["length_basis"].eq("measured") & status.ne("ok")
    return _issues(links, bad, "length", "links",
                   lambda r: f"length_basis 'measured' but geometry/links_osm.csv has no accepted measurement "
                             f"(status {status[r.name]}); run tools/measure_links.py or give another basis")


def check_lengths_against_osm(ds: Dataset) -> list[Issue]:
    """Warn where a published or derived length and its OSM measurement differ by more than
    OSM_TOLERANCE_SHARE and OSM_TOLERANCE_KM."""
    osm = _osm_table(ds)
    links = ds.links
    ok = osm[osm["status"].eq("ok")]["osm_km"]
    km = links["id"].map(ok)
    diff = (km - links["length_km"]).abs()
    flag = (links["length_basis"].isin({"published", "derived"}) & km.notna() & (diff > OSM_TOLERANCE_KM)
            & (diff > OSM_TOLERANCE_SHARE * links["length_km"]))
    return [Issue(i.rule, i.table, i.file, i.line, i.row_id, i.message, "warning") for i in _issues(
        links, flag, "osm-length", "links",
        lambda r: f"{r['length_basis']} length {r['length_km']:.0f} km differs from the OpenStreetMap "
                  f"measurement {km[r.name]:.0f} km by {km[r.name] / r['length_km'] - 1:+.0%} "
                  f"(tolerance ±{OSM_TOLERANCE_SHARE:.0%} and {OSM_TOLERANCE_KM:.0f} km)")]


def _gauge_breaks(ds: Dataset) -> list[Issue]:
    """Two rail gauges meeting at a node need a gauge-change facility there."""
    rail = ds.links[ds.links["mode"].eq("rail") & ds.links["gauge_mm"].notna()]
    ends = pd.concat([rail[["from", "gauge_mm", "_file", "_line", "id"]].rename(columns={"from": "node"}),
                      rail[["to", "gauge_mm", "_file", "_line", "id"]].rename(columns={"to": "node"})])
    changes = ds.crossings[ds.crossings["kind"].eq("gauge_change")]
    covered: dict[str, set[frozenset]] = {}
    for _, c in changes.iterrows():
        if pd.notna(c["gauge_from_mm"]) and pd.notna(c["gauge_to_mm"]):
            covered.setdefault(c["node"], set()).add(frozenset({int(c["gauge_from_mm"]), int(c["gauge_to_mm"])}))
    out = []
    for node, grp in ends.groupby("node"):
        gauges = sorted({int(g) for g in grp["gauge_mm"]})
        for i, g1 in enumerate(gauges):
            for g2 in gauges[i + 1:]:
                if frozenset({g1, g2}) not in covered.get(node, set()):
                    r = grp.iloc[0]
                    out.append(Issue("gauge-mismatch", "links", r["_file"], int(r["_line"]), r["id"],
                                     f"gauges {g1} and {g2} meet at node '{node}' without a gauge_change crossing"))
    return out


def _unreachable(ds: Dataset) -> list[Issue]:
    """Every node must be reachable from the main component (seaports count as joined by the sea)."""
    nodes = ds.nodes.drop_duplicates("id").reset_index(drop=True)
    if nodes.empty:
        return []
    index = {n: i for i, n in enumerate(nodes["id"])}
    sea = len(index)  # one virtual vertex stands for the world ocean
    ok = ds.links["from"].isin(index) & ds.links["to"].isin(index)
    src = list(ds.links.loc[ok, "from"].map(index))
    dst = list(ds.links.loc[ok, "to"].map(index))
    ports = nodes.index[nodes["kind"].eq("seaport")].tolist()
    src += ports
    dst += [sea] * len(ports)
    n = sea + 1
    g = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, labels = connected_components(g, directed=False)
    main = np.bincount(labels).argmax()
    lost = labels[: len(index)] != main
    return _issues(nodes, lost, "unreachable", "nodes", "node is not connected to the main network component")


def _port_issues(df: pd.DataFrame, mask, rule: str, message) -> list[Issue]:
    out = []
    for _, r in df[mask].iterrows():
        msg = message(r) if callable(message) else message
        out.append(Issue(rule, "ports", str(r.get("_file", "")), int(r.get("_line", 0)), str(r.get("locode", "")), msg))
    return out


def check_ports(ds: Dataset) -> list[Issue]:
    """Rules of the container-port register: codes, roles, figures, the node it names, and that it lies at sea."""
    ports = ds.ports
    if ports is None or ports.empty:
        return []
    from beltroad.data.countries import ISO2TO3 as iso2to3
    out: list[Issue] = []
    loc = ports["locode"]
    out += _port_issues(ports, loc.eq(""), "missing-id", "port has no locode")
    out += _port_issues(ports, loc.duplicated(keep=False) & loc.ne(""), "duplicate-id",
                        lambda r: f"locode '{r['locode']}' is defined more than once")
    bad_code = loc.ne("") & ~loc.str.fullmatch(r"[A-Z]{2}[A-Z2-9]{3}")
    out += _port_issues(ports, bad_code, "bad-value", lambda r: f"locode '{r['locode']}' is not a UN/LOCODE")
    out += _port_issues(ports, ~ports["country"].str.fullmatch(r"[A-Z]{3}"), "bad-value",
                        lambda r: f"country '{r['country']}' is not an ISO3 code")
    code_iso3 = loc.str[:2].map(iso2to3)
    mismatch = ~bad_code & loc.ne("") & code_iso3.ne(ports["country"])
    out += _port_issues(ports, mismatch, "locode-country", lambda r: (
        f"locode '{r['locode']}' is of country {iso2to3.get(r['locode'][:2], r['locode'][:2])}, "
        f"the row says {r['country']}"))
    out += _port_issues(ports, ~ports["role"].isin(PORT_ROLES), "bad-value",
                        lambda r: f"role '{r['role']}' is not one of {sorted(PORT_ROLES)}")
    bad_coord = (ports["lat"].isna() | ports["lon"].isna() | ~ports["lat"].between(-90, 90)
                 | ~ports["lon"].between(-180, 180))
    out += _port_issues(ports, bad_coord, "coordinates",
                        lambda r: f"coordinates ({r['lat']}, {r['lon']}) are missing or out of range")
    # figures
    teu, year = ports["teu_thousand"], ports["teu_year"]
    out += _port_issues(ports, teu.notna() & (teu <= 0), "bad-value",
                        lambda r: f"teu_thousand {r['teu_thousand']:g} is not positive")
    out += _port_issues(ports, teu.notna() & year.isna(), "bad-value", "teu_thousand is given without teu_year")
    lo, hi = PORT_TEU_YEARS
    out += _port_issues(ports, year.notna() & ~(year.between(lo, hi) & (year % 1 == 0)), "bad-value",
                        lambda r: f"teu_year {r['teu_year']:g} is not a year")
    out += _port_issues(ports, year.notna() & teu.isna(), "bad-value", "teu_year is given without teu_thousand")
    for col in ("vessel_hours_in_port", "container_dwell_days", "export_dwell_days", "max_vessel_teu"):
        out += _port_issues(ports, ports[col].notna() & (ports[col] <= 0), "bad-value",
                            lambda r, col=col: f"{col} {r[col]:g} is not positive")
    # sources
    known = set(ds.sources["id"])
    out += _port_issues(ports, ports["source"].eq(""), "missing-source", "row has no source")
    unknown = ports["source"].map(lambda v: [x for x in _split(v) if x not in known])
    out += _port_issues(ports, unknown.map(bool), "unknown-source",
                        lambda r: f"cites undefined source id(s) {', '.join(x for x in _split(r['source']) if x not in known)}")
    # the dataset node this row stands for
    nodes = ds.nodes.drop_duplicates("id").set_index("id")
    named = ports["node"].ne("")
    out += _port_issues(ports, named & ~ports["node"].isin(nodes.index), "dangling-reference",
                        lambda r: f"node '{r['node']}' does not exist")
    linked = named & ports["node"].isin(nodes.index) & ~bad_coord
    if linked.any():
        at = nodes.loc[ports.loc[linked, "node"], ["lat", "lon"]].to_numpy()
        gap = pd.Series(np.nan, index=ports.index)
        gap[linked] = haversine_km(ports.loc[linked, "lat"].to_numpy(), ports.loc[linked, "lon"].to_numpy(), at[:, 0], at[:, 1])
        out += _port_issues(ports, gap > PORT_NODE_MAX_KM, "port-node", lambda r: (
            f"node '{r['node']}' is {gap[r.name]:.0f} km from the port (limit {PORT_NODE_MAX_KM:.0f} km)"))
    # river ports say which waterway; sea ports lie on the coast and near a shipping lane
    river = ports["role"].eq("river")
    out += _port_issues(ports, river & ports["notes"].eq(""), "bad-value",
                        "a river port needs a note naming its waterway")
    sea = ~river & ~bad_coord
    if sea.any():
        from beltroad.data.coast import coast_distance_km, marnet_distance_km

        lat, lon = ports.loc[sea, "lat"].to_numpy(), ports.loc[sea, "lon"].to_numpy()
        coast = pd.Series(np.nan, index=ports.index)
        lane = pd.Series(np.nan, index=ports.index)
        coast[sea] = coast_distance_km(lat, lon)
        lane[sea] = marnet_distance_km(lat, lon)
        out += _port_issues(ports, coast > PORT_COAST_MAX_KM, "port-coast", lambda r: (
            f"lies {coast[r.name]:.0f} km from the coast (limit {PORT_COAST_MAX_KM:.0f} km): not a seaport; "
            "an inland container port has role 'river' and a note naming its waterway"))
        out += _port_issues(ports, lane > PORT_MARNET_MAX_KM, "port-marnet", lambda r: (
            f"lies {lane[r.name]:.0f} km from the nearest searoute shipping lane (limit {PORT_MARNET_MAX_KM:.0f} km)"))
    return out


__all__ = ["Issue", "check_dataset", "check_ports"]
__all__ = ["Issue", "check_dataset", "check_lengths_against_osm"]
