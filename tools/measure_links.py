"""Measure every rail and road link of the dataset on OpenStreetMap-derived graphs (scgraph-data).

Why: most land-link lengths were great circle x a circuity factor and maps drew them as straight lines.
This tool snaps both end nodes of each link to the OSM graph of its mode (scgraph-data's world railway
graph for rail, world highway graph for road), takes the shortest path between them and writes

- `geometry/links_osm.csv`  link,mode,osm_km,snap_from_km,snap_to_km,n_points,status,notes
- `geometry/pairs_osm.csv`  the same for the domestic "regional road" pairs the network builder adds
  between neighbouring places of one country (so that they too can use road lengths, not straight lines)
- `geometry/links_osm.parquet`  the simplified polylines (Douglas-Peucker), keyed by link / pair id

Everything runs offline: the graphs ship inside the `scgraph-data` wheel (install the `osm` extra).
Map data © OpenStreetMap contributors (ODbL), graphs by scgraph-data (MIT).

Run: PYTHONPATH=src .venv/bin/python tools/measure_links.py
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from beltroad.data.loader import DATA_DIR, load_dataset
from beltroad.data.geo import chord_to_km, haversine_km, unit_vectors

# Thresholds (stated in docs/data.md, "OSM geometry"):
SNAP_MAX_KM = 25.0        # an end node further than this from the OSM graph is not measured (snap_too_far)
MIN_RATIO = 0.99          # a path shorter than the great circle (1 % slack for 0.001 deg graph rounding) is rejected
MAX_RATIO = 2.5           # a path longer than 2.5x the great circle (+ SHORT_SLACK_KM) is a detour through another
SHORT_SLACK_KM = 10.0     # corridor: rejected. 2.5 is the dataset's own plausibility bound for a published length
                          # (validate.MAX_CIRCUITY); the slack spares border bridges a few km long
SNAP_CANDIDATES = 40      # each end may join any of its 40 nearest graph nodes (skips isolated graph fragments)
SNAP_PENALTY = 4.0        # off-graph km weigh 4x when choosing where to join (scgraph's own default for adding
                          # a point), so a straight snap never stands in for km of road; reported at 1x
SIMPLIFY_DEG = 0.01       # Douglas-Peucker tolerance, ~1.1 km north-south
DRAWN = {"ok", "mountain_road"}  # statuses whose polyline is written (a detour or far snap is not the link)
REGIONAL_NEIGHBOURS = 4   # as network/build.py's REGIONAL_ROAD_NEIGHBOURS / _MAX_KM
REGIONAL_MAX_KM = 800.0
CREDIT = ("Map data © OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright); "
          "graphs from the scgraph-data package (MIT, https://github.com/connor-makowski/scgraph_data)")

OUT = DATA_DIR / "geometry"

# Waypoints that keep a path on the road a link's notes name, where the OSM shortest path takes another road:
# link id -> [(name, lat, lon), ...] and a reason in VIA_WHY. None is needed today (checked: Gilgit -> Havelian
# already follows the Karakoram Highway through Besham, not the Babusar Pass road).
VIA: dict[str, list[tuple[str, float, float]]] = {}
VIA_WHY: dict[str, str] = {}


def load_graph(mode: str) -> tuple[np.ndarray, csr_matrix]:
    """The scgraph-data geograph of a mode as (lat/lon array, symmetric CSR matrix of km)."""
    if mode == "rail":
        from scgraph_data.world_railways import world_railways_geograph as g
    else:
        from scgraph_data.world_highways import world_highways_geograph as g
    nodes = np.asarray(g.nodes, dtype=float)
    counts = np.fromiter((len(d) for d in g.graph), dtype=np.int64, count=len(g.graph))
    rows = np.repeat(np.arange(len(g.graph)), counts)
    cols = np.fromiter((k for d in g.graph for k in d), dtype=np.int64, count=int(counts.sum()))
    w = np.fromiter((v for d in g.graph for v in d.values()), dtype=float, count=int(counts.sum()))
    keep = rows != cols
    # a zero-length arc would vanish from a sparse matrix: give it a millimetre
    mat = csr_matrix((np.maximum(w[keep], 1e-6), (rows[keep], cols[keep])), shape=(len(nodes), len(nodes)))
    return nodes, mat


def measure(mode: str, ends: pd.DataFrame, tasks: pd.DataFrame,
            graph: tuple[np.ndarray, csr_matrix] | None = None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Shortest OSM path for each task (key, from, to) between dataset places `ends` (id, lat, lon).

    `graph` (lat/lon array, CSR of km) defaults to the scgraph-data graph of the mode."""
    t0 = time.time()
    gnodes, mat = graph if graph is not None else load_graph(mode)
    n = len(gnodes)
    tree = cKDTree(unit_vectors(gnodes[:, 0], gnodes[:, 1]))
    ends = ends.drop_duplicates("id").reset_index(drop=True)
    pos = {k: i for i, k in enumerate(ends["id"])}
    k = min(SNAP_CANDIDATES, n)
    chord, nb = tree.query(unit_vectors(ends["lat"], ends["lon"]), k=k)
    chord, nb = chord.reshape(len(ends), k), nb.reshape(len(ends), k)
    snap_km = chord_to_km(chord)
    m = len(ends)
    # virtual vertices: source n+i has arcs out to its candidates, sink n+m+i has arcs in from them, so that no
    # path can use a dataset place as a bridge between two graph fragments
    src = np.repeat(n + np.arange(m), k)
    sink = np.repeat(n + m + np.arange(m), k)
    w = np.maximum(snap_km.ravel() * SNAP_PENALTY, 1e-6)
    coo = mat.tocoo()
    rows = np.concatenate([coo.row, src, nb.ravel()])
    cols = np.concatenate([coo.col, nb.ravel(), sink])
    data = np.concatenate([coo.data, w, w])
    big = csr_matrix((data, (rows, cols)), shape=(n + 2 * m, n + 2 * m))
    print(f"{mode}: graph {n:,} nodes, {mat.nnz:,} arcs, {m} places, {len(tasks)} paths "
          f"({time.time() - t0:.1f} s to load)", file=sys.stderr)

    lat, lon = ends["lat"].to_numpy(), ends["lon"].to_numpy()
    out, geoms = [], {}
    for a, grp in tasks.groupby("from", sort=False):
        ia = pos[a]
        ib = np.array([pos[b] for b in grp["to"]])
        gc = haversine_km(lat[ia], lon[ia], lat[ib], lon[ib])
        limit = MAX_RATIO * 1.5 * gc.max() + 4 * SNAP_PENALTY * snap_km[[ia, *ib]].max() + 50.0
        dist, pred = dijkstra(big, directed=True, indices=n + ia, return_predecessors=True, limit=limit)
        for key, b, j, g in zip(grp["key"], grp["to"], ib, gc):
            row = {"key": key, "mode": mode, "osm_km": np.nan, "snap_from_km": np.nan, "snap_to_km": np.nan,
                   "n_points": 0, "gc_km": round(float(g), 1), "status": "ok", "notes": ""}
            t = n + m + j
            if not np.isfinite(dist[t]):
                row["status"], row["notes"] = "no_path", "no OSM path between the snapped ends (separate graph fragments)"
                out.append(row)
                continue
            path = []
            v = pred[t]
            while v >= 0 and v != n + ia:
                path.append(v)
                v = pred[v]
            path = np.array(path[::-1])
            p_lat, p_lon = gnodes[path, 0], gnodes[path, 1]
            on_graph = float(np.asarray(mat[path[:-1], path[1:]]).ravel().sum()) if len(path) > 1 else 0.0
            s_from = float(haversine_km(lat[ia], lon[ia], p_lat[0], p_lon[0]))
            s_to = float(haversine_km(p_lat[-1], p_lon[-1], lat[j], lon[j]))
            km = on_graph + s_from + s_to
            line = np.column_stack([np.r_[lon[ia], p_lon, lon[j]], np.r_[lat[ia], p_lat, lat[j]]])
            row.update(osm_km=km, snap_from_km=s_from, snap_to_km=s_to)
            out.append(row)
            geoms[key] = line
    print(f"{mode}: done in {time.time() - t0:.1f} s", file=sys.stderr)
    return pd.DataFrame(out), geoms


def classify(row: dict, max_snap_km: float) -> dict:
    """Apply the sanity thresholds to one measured path (all legs joined)."""
    if row["status"] != "ok":
        return row
    km, g, mode = row["osm_km"], row["gc_km"], row["mode"]
    if max_snap_km > SNAP_MAX_KM:
        row["status"] = "snap_too_far"
        row["notes"] = f"a point is {max_snap_km:.0f} km from the OSM {mode} graph (limit {SNAP_MAX_KM:.0f} km)"
    elif km < MIN_RATIO * g:
        row["status"], row["notes"] = "too_short", f"path {km:.0f} km is under the great circle {g:.0f} km"
    elif km > MAX_RATIO * g + SHORT_SLACK_KM:
        row["status"] = "too_long"
        row["notes"] = f"path {km:.0f} km is over {MAX_RATIO:g}x the great circle {g:.0f} km (a detour)"
    return row


def expand_via(tasks: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the tasks that have waypoints into legs; return (leg tasks, waypoint places)."""
    legs, places = [], []
    for key, a, b in tasks[["key", "from", "to"]].itertuples(index=False):
        stops = VIA.get(key, [])
        seq = [a] + [f"via:{name}" for name, _, _ in stops] + [b]
        places += [{"id": f"via:{name}", "lat": la, "lon": lo} for name, la, lo in stops]
        legs += [{"key": f"{key}#{i}", "link": key, "leg": i, "from": seq[i], "to": seq[i + 1]}
                 for i in range(len(seq) - 1)]
    return pd.DataFrame(legs), pd.DataFrame(places, columns=["id", "lat", "lon"])


def join_legs(legs: pd.DataFrame, res: pd.DataFrame, geoms: dict, gc: pd.Series) -> tuple[pd.DataFrame, dict]:
    """Sum the legs of each task and apply the thresholds to the whole path."""
    res = res.merge(legs[["key", "link", "leg"]], on="key").sort_values(["link", "leg"])
    out, lines = [], {}
    for link, grp in res.groupby("link", sort=False):
        first, last = grp.iloc[0], grp.iloc[-1]
        row = {"key": link, "mode": first["mode"], "osm_km": grp["osm_km"].sum(min_count=len(grp)),
               "snap_from_km": first["snap_from_km"], "snap_to_km": last["snap_to_km"], "gc_km": float(gc[link]),
               "status": "ok", "notes": ""}
        bad = grp[grp["status"].ne("ok")]
        if len(bad):
            row["status"], row["notes"] = bad.iloc[0]["status"], bad.iloc[0]["notes"]
        snaps = np.r_[grp["snap_from_km"].to_numpy(), grp["snap_to_km"].to_numpy()]
        row = classify(row, float(np.nanmax(snaps)) if np.isfinite(snaps).any() else 0.0)
        if len(grp) > 1:
            row["notes"] = "; ".join(x for x in [row["notes"], "forced via " + ", ".join(
                f"{n} ({la:.2f}, {lo:.2f})" for n, la, lo in VIA[link]) + ": " + VIA_WHY[link]] if x)
        if all(k in geoms for k in grp["key"]):
            line = np.concatenate([geoms[k] if i == 0 else geoms[k][1:] for i, k in enumerate(grp["key"])])
            simple = np.asarray(LineString(line).simplify(SIMPLIFY_DEG, preserve_topology=False).coords)
            lines[link] = simple
            row["n_points"] = len(simple)
        else:
            row["n_points"] = 0
        for c in ("osm_km", "snap_from_km", "snap_to_km"):
            row[c] = round(float(row[c]), 1 if c == "osm_km" else 2) if pd.notna(row[c]) else np.nan
        out.append(row)
    return pd.DataFrame(out), lines


def regional_pairs(ds) -> pd.DataFrame:
    """Same-country nearest-neighbour place pairs, as the network builder joins by 'regional roads'."""
    try:  # the builder's own place list (dataset nodes + searoute's major ports)
        from beltroad.network.build import _Builder

        places = _Builder(ds)._places()
    except Exception:  # noqa: BLE001 - the builder is being rewritten; the dataset nodes are the core of it
        places = ds.nodes.drop_duplicates("id")
    places = places[places["country"].ne("")].reset_index(drop=True)
    rows = []
    for _, grp in places.groupby("country"):
        if len(grp) < 2:
            continue
        k = min(REGIONAL_NEIGHBOURS + 1, len(grp))
        _, nb = cKDTree(unit_vectors(grp["lat"], grp["lon"])).query(unit_vectors(grp["lat"], grp["lon"]), k=k)
        ids = grp["id"].to_numpy()
        for i, row in enumerate(np.atleast_2d(nb)):
            for j in row[1:]:
                a, b = sorted((ids[i], ids[j]))
                rows.append((a, b))
    pairs = pd.DataFrame(sorted(set(rows)), columns=["from", "to"])
    p = places.drop_duplicates("id").set_index("id")
    gc = haversine_km(p.loc[pairs["from"], "lat"], p.loc[pairs["from"], "lon"], p.loc[pairs["to"], "lat"],
                      p.loc[pairs["to"], "lon"])
    pairs = pairs[gc <= REGIONAL_MAX_KM].reset_index(drop=True)
    pairs["key"] = pairs["from"] + "|" + pairs["to"]
    return pairs, places[["id", "lat", "lon"]]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-pairs", action="store_true", help="skip the regional-road pairs")
    args = ap.parse_args(argv)
    ds = load_dataset()
    land = ds.links[ds.links["mode"].isin(["rail", "road"])].copy()
    land["key"] = land["id"]
    nodes = ds.nodes.drop_duplicates("id")[["id", "lat", "lon"]]
    frames, geoms = [], {}
    pair_tasks = pd.DataFrame(columns=["from", "to", "key"])
    pair_places = nodes.iloc[:0]
    if not args.no_pairs:
        pair_tasks, pair_places = regional_pairs(ds)
    gc = land.set_index("id")["gc_km"]
    if len(pair_tasks):
        pp = pair_places.drop_duplicates("id").set_index("id")
        gc = pd.concat([gc, pd.Series(haversine_km(
            pp.loc[pair_tasks["from"], "lat"].to_numpy(), pp.loc[pair_tasks["from"], "lon"].to_numpy(),
            pp.loc[pair_tasks["to"], "lat"].to_numpy(), pp.loc[pair_tasks["to"], "lon"].to_numpy()),
            index=pair_tasks["key"].to_numpy())])
    for mode in ("rail", "road"):
        tasks = land[land["mode"].eq(mode)][["key", "from", "to"]]
        if mode == "road":
            tasks = pd.concat([tasks, pair_tasks[["key", "from", "to"]]], ignore_index=True)
        legs, via_places = expand_via(tasks)
        ends = pd.concat([nodes, pair_places if mode == "road" else nodes.iloc[:0], via_places], ignore_index=True)
        df, g = measure(mode, ends, legs[["key", "from", "to"]])
        df, g = join_legs(legs, df, g, gc)
        frames.append(df)
        geoms.update({(mode, k): v for k, v in g.items()})
    res = pd.concat(frames, ignore_index=True)
    mountain = res["key"].map(land.set_index("id")["class"]).eq("road_mountain") & res["status"].eq("ok")
    why = ("mountain road: the simplified OSM graph misses its bends (Kashgar-Tashkurgan 246 km against 290 km "
           "derived from A1.39); length kept, geometry drawn")
    res.loc[mountain, "notes"] = [f"{why}; {n}" if n else why for n in res.loc[mountain, "notes"]]
    res.loc[mountain, "status"] = "mountain_road"
    not_open = res["key"].map(land.set_index("id")["status"]).fillna("open").ne("open")
    res.loc[not_open & res["status"].eq("ok"), "notes"] = "not open: the OSM path follows existing lines; kept for reference"
    res.loc[not_open & res["status"].eq("ok"), "status"] = "not_open"
    res.loc[~res["status"].isin(DRAWN), "n_points"] = 0  # n_points counts the committed polyline
    OUT.mkdir(exist_ok=True)
    cols = ["mode", "osm_km", "snap_from_km", "snap_to_km", "n_points", "status", "notes"]
    is_pair = res["key"].str.contains("|", regex=False)
    links = res[~is_pair].rename(columns={"key": "link"})[["link", *cols]].sort_values("link")
    links.to_csv(OUT / "links_osm.csv", index=False, float_format="%.2f")
    pairs = res[is_pair].copy()
    pairs[["from", "to"]] = pairs["key"].str.split("|", expand=True)
    pairs[["from", "to", *cols]].sort_values(["from", "to"]).to_csv(OUT / "pairs_osm.csv", index=False,
                                                                    float_format="%.2f")
    # only lines that follow the link are drawn: accepted paths, and mountain roads (right road, short length)
    drawable = set(res.loc[res["status"].isin(DRAWN), "key"])
    keys = sorted(k for k in geoms if k[1] in drawable)
    table = pa.table({
        "key": pa.array([k for _, k in keys]),
        "mode": pa.array([m for m, _ in keys]),
        "lon": pa.array([np.round(geoms[k][:, 0], 4).astype(np.float32) for k in keys], type=pa.list_(pa.float32())),
        "lat": pa.array([np.round(geoms[k][:, 1], 4).astype(np.float32) for k in keys], type=pa.list_(pa.float32())),
    }).replace_schema_metadata({"credit": CREDIT, "simplify_deg": str(SIMPLIFY_DEG),
                                "tool": "tools/measure_links.py"})
    pq.write_table(table, OUT / "links_osm.parquet", compression="zstd")
    for name, df in (("links", links), ("pairs", pairs)):
        print(f"{name}: {len(df)} measured; status {df['status'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
