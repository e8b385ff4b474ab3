"""OpenStreetMap geometry of the land links: measured lengths, polylines and the data-check rule.

The measurement (tools/measure_links.py, scgraph-data graphs) is committed as geometry/links_osm.csv and
geometry/links_osm.parquet; these tests read the shipped files, never the graphs, so they run offline.
"""
from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from beltroad.data import DATA_DIR, check_dataset, embedded_dataset, load_dataset
from beltroad.data.geometry import (
    CREDIT, link_geometry, link_geometry_array, measurements, pair_geometry, regional_road_km, regional_road_status,
)
from beltroad.data.validate import OSM_TOLERANCE_KM, OSM_TOLERANCE_SHARE
from beltroad.data.geo import haversine_km

GEOMETRY = DATA_DIR / "geometry"
STATUSES = {"ok", "no_path", "snap_too_far", "too_short", "too_long", "mountain_road", "not_open"}
# Coverage floor: share of rail and of road links whose OSM measurement passed every check. Measured on
# the shipped data: 86.2 % of rail and 86.3 % of road links; the rest are islands of the simplified OSM
# graph (Pakistan's ML-1, Istanbul), ends far from it (Khunjerab, Torugart), detours or mountain roads.
MIN_SHARE_MEASURED = 0.80
# Thresholds of tools/measure_links.py, restated so that a change there must be a conscious one.
SNAP_MAX_KM, MIN_RATIO, MAX_RATIO, SHORT_SLACK_KM = 25.0, 0.99, 2.5, 10.0


@pytest.fixture(scope="module")
def ds():
    return embedded_dataset()


@pytest.fixture(scope="module")
def osm() -> pd.DataFrame:
    return measurements()


@pytest.fixture(scope="module")
def raw_links() -> pd.DataFrame:
    """The link rows as written in the CSV files, before the loader fills lengths."""
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted((DATA_DIR / "links").glob("*.csv"))]
    return pd.concat(frames, ignore_index=True).set_index("id")


def test_every_land_link_has_one_measurement_row_with_a_known_status(ds, osm):
    land = ds.links[ds.links["mode"].isin(["rail", "road"])]
    assert set(land["id"]) == set(osm.index)
    assert not osm.index.duplicated().any()
    assert set(osm["status"]) <= STATUSES
    assert (osm["mode"] == land.set_index("id").loc[osm.index, "mode"]).all()


def test_share_of_links_measured_is_reported_and_above_the_floor(ds, osm):
    land = ds.links[ds.links["mode"].isin(["rail", "road"])]
    shares = {}
    for mode, grp in land.groupby("mode"):
        shares[mode] = float(osm.loc[grp["id"], "status"].eq("ok").mean())
    print("share of links measured on OSM:", {m: f"{s:.1%}" for m, s in shares.items()})
    assert set(shares) == {"rail", "road"}
    assert min(shares.values()) >= MIN_SHARE_MEASURED, shares


def test_accepted_measurements_pass_the_stated_thresholds(ds, osm):
    ok = osm[osm["status"].eq("ok")]
    gc = ds.links.set_index("id").loc[ok.index, "gc_km"]
    assert (ok[["snap_from_km", "snap_to_km"]].max(axis=1) <= SNAP_MAX_KM).all()
    assert (ok["osm_km"] >= MIN_RATIO * gc - 0.05).all()  # osm_km is rounded to 0.1 km
    assert (ok["osm_km"] <= MAX_RATIO * gc + SHORT_SLACK_KM).all()
    # and the rejections are explained
    rejected = osm[osm["status"].ne("ok")]
    assert rejected["notes"].fillna("").str.len().gt(0).all()
    far = osm[osm["status"].eq("snap_too_far")]
    assert (far[["snap_from_km", "snap_to_km"]].max(axis=1) > SNAP_MAX_KM).all()


def test_estimated_lengths_become_measured_and_sourced_ones_stay(ds, osm, raw_links):
    links = ds.links.set_index("id")
    ok = osm.index[osm["status"].eq("ok")]
    was_estimated = raw_links.index[raw_links["length_basis"].eq("estimated")]
    took = ok.intersection(was_estimated)
    assert len(took) > 400
    assert links.loc[took, "length_basis"].eq("measured").all()
    np.testing.assert_allclose(links.loc[took, "length_km"], osm.loc[took, "osm_km"])
    # a published or derived length is never replaced, even where OSM disagrees
    sourced = raw_links.index[raw_links["length_basis"].isin(["published", "derived"])]
    np.testing.assert_allclose(links.loc[sourced, "length_km"], raw_links.loc[sourced, "length_km"].astype(float))
    assert links.loc[sourced, "length_basis"].isin(["published", "derived"]).all()
    # an estimated link whose measurement was rejected keeps great circle x circuity
    kept = was_estimated.difference(ok)
    assert len(kept) > 0 and links.loc[kept, "length_basis"].eq("estimated").all()
    rail_kept = links.loc[kept][links.loc[kept, "mode"].eq("rail")]
    np.testing.assert_allclose(rail_kept["length_km"], rail_kept["gc_km"] * ds.params["circuity"]["rail"]["value"])


def test_a_measured_link_draws_its_osm_line_from_end_to_end(ds, osm):
    nodes = ds.nodes.drop_duplicates("id").set_index("id")
    links = ds.links.set_index("id")
    long_ok = osm[osm["status"].eq("ok") & (osm["osm_km"] > 100)].index
    assert len(long_ok) > 300
    for lid in long_ok:
        line = link_geometry_array(lid)
        assert line is not None and len(line) > 2, lid
        a, b = nodes.loc[links.at[lid, "from"]], nodes.loc[links.at[lid, "to"]]
        assert np.allclose(line[0], [a["lon"], a["lat"]], atol=1e-3), lid    # starts at `from`
        assert np.allclose(line[-1], [b["lon"], b["lat"]], atol=1e-3), lid   # ends at `to`
        drawn_km = haversine_km(line[:-1, 1], line[:-1, 0], line[1:, 1], line[1:, 0]).sum()
        # the simplified line is no shorter than the great circle and no longer than the measured path
        assert links.at[lid, "gc_km"] * 0.99 <= drawn_km <= osm.at[lid, "osm_km"] * 1.01, lid
    # n_points in the table is the size of the committed line
    drawn = osm[osm["n_points"] > 0]
    assert all(len(link_geometry(lid)) == n for lid, n in drawn["n_points"].items())
    assert set(drawn["status"]) == {"ok", "mountain_road"}
    pts = link_geometry("kassel__wurzburg_road")
    assert len(pts) > 2 and all(isinstance(p, tuple) and len(p) == 2 for p in pts)


def test_links_without_an_accepted_osm_line_draw_nothing(ds, osm):
    ferry = ds.links[ds.links["mode"].eq("ferry")]["id"]
    assert len(ferry) > 0
    assert all(link_geometry(f) == [] for f in ferry)
    assert link_geometry("no_such_link") == []
    # a detour, a far snap or a line not yet built is not the link's line
    rejected = osm.index[osm["status"].isin(["too_long", "snap_too_far", "not_open", "no_path"])]
    assert len(rejected) > 50 and all(link_geometry(lid) == [] for lid in rejected)
    # a mountain road is drawn along its road even though its OSM length is not used
    mountain = osm.index[osm["status"].eq("mountain_road")]
    assert len(mountain) > 5 and all(len(link_geometry(lid)) >= 2 for lid in mountain)
    assert len(link_geometry("gilgit__havelian")) > 2


def test_regional_road_pairs_are_measured_and_oriented():
    km = regional_road_km("islamabad", "havelian")
    assert km is not None and km == regional_road_km("havelian", "islamabad")
    fwd, back = pair_geometry("havelian", "islamabad"), pair_geometry("islamabad", "havelian")
    assert len(fwd) > 2 and fwd == back[::-1]
    assert regional_road_km("havelian", "no_such_place") is None and regional_road_status("a", "b") is None
    # Sost is 48 km from the OSM road graph (the Karakoram Highway north of Aliabad is missing): no length
    assert regional_road_status("sost", "havelian") == "snap_too_far"
    assert regional_road_km("sost", "havelian") is None


def test_geometry_file_credits_openstreetmap_and_is_small():
    import pyarrow.parquet as pq

    path = GEOMETRY / "links_osm.parquet"
    meta = pq.read_schema(path).metadata
    assert b"OpenStreetMap contributors" in meta[b"credit"] and b"ODbL" in meta[b"credit"]
    assert "OpenStreetMap" in CREDIT
    assert path.stat().st_size < 5_000_000


def test_karakoram_highway_is_no_shorter_than_its_source(ds):
    # Kashgar-Khunjerab-Sost-Gilgit-Havelian along the dataset's own KKH links; A1.40 gives ~1,300 km
    # Havelian/Hasan Abdal-Kashgar (weak, rounded source: 10 % allowed). Before the OSM check the
    # Gilgit-Havelian link was great circle x 1.42 and the chain came to 1,021 km.
    chain = ["kashgar", "tashkurgan", "khunjerab", "sost", "gilgit", "havelian"]
    links = ds.links[ds.links["mode"].eq("road")]
    total = 0.0
    for a, b in zip(chain, chain[1:]):
        hit = links[(links["from"].eq(a) & links["to"].eq(b)) | (links["from"].eq(b) & links["to"].eq(a))]
        assert len(hit) == 1, (a, b)
        total += float(hit["length_km"].iloc[0])
    assert total >= 0.9 * 1300, total


def test_hamburg_munich_by_road_follows_the_a7_motorway(session):
    # ~780 km by motorway (S-HH-MUC-780); 1,100 km before the A7/A9 corridor was in the dataset
    res = session.plan("Hamburg", "Munich", mode="road")
    km = res.routes[0].distance_km
    assert 750 <= km <= 850, km


def _edit_csv(path, row_id: str, **values) -> int:
    """Set fields of the row `row_id` (first column) in a CSV file; return its line number."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    for i, r in enumerate(rows[1:], start=2):
        if r[0] == row_id:
            for k, v in values.items():
                r[header.index(k)] = str(v)
            with path.open("w", newline="", encoding="utf-8") as f:
                csv.writer(f, lineterminator="\n").writerows(rows)
            return i
    raise KeyError(row_id)


def _quiet_published_link(ds, osm) -> pd.Series:
    """A published rail link that agrees with OSM today and has room under the 2.5x great-circle bound."""
    links = ds.links.set_index("id")
    ok = osm[osm["status"].eq("ok")]
    cand = links.loc[links.index.intersection(ok.index)]
    cand = cand[cand["length_basis"].eq("published") & cand["mode"].eq("rail") & (cand["gc_km"] > 150)]
    agree = (cand["length_km"] - ok.loc[cand.index, "osm_km"]).abs() < 0.05 * cand["length_km"]
    cand = cand[agree & (ok.loc[cand.index, "osm_km"] * 1.5 < 2.4 * cand["gc_km"])]
    assert len(cand) >= 2
    return cand.iloc[:2]


def test_data_check_warns_on_a_sourced_length_far_from_osm(ds, osm, dataset_copy):
    pick = _quiet_published_link(ds, osm)
    far, near = pick.index[0], pick.index[1]
    f_far, f_near = dataset_copy / "links" / pick.at[far, "_file"], dataset_copy / "links" / pick.at[near, "_file"]
    osm_far, osm_near = osm.at[far, "osm_km"], osm.at[near, "osm_km"]
    line = _edit_csv(f_far, far, length_km=round(osm_far * 1.5, 1))            # OSM is 33 % short: flagged
    _edit_csv(f_near, near, length_km=round(osm_near * (1 + OSM_TOLERANCE_SHARE / 2), 1))  # inside: quiet
    copy = load_dataset(dataset_copy)
    errors = check_dataset(copy)
    assert errors == [], "\n".join(map(str, errors[:5]))          # a warning never makes the data invalid
    found = check_dataset(copy, warnings=True)
    hits = [i for i in found if i.rule == "osm-length" and i.row_id == far]
    assert len(hits) == 1
    assert hits[0].severity == "warning" and hits[0].file == f_far.name and hits[0].line == line
    assert "-33%" in hits[0].message and f"{OSM_TOLERANCE_KM:.0f} km" in hits[0].message
    assert not [i for i in found if i.rule == "osm-length" and i.row_id == near]
    # the shipped dataset's own warnings are all there too, no more
    shipped = {i.row_id for i in check_dataset(ds, warnings=True) if i.rule == "osm-length"}
    assert {i.row_id for i in found if i.rule == "osm-length"} == shipped | {far}


def test_data_check_rejects_a_measured_length_without_an_accepted_measurement(dataset_copy):
    path = dataset_copy / "geometry" / "links_osm.csv"
    _edit_csv(path, "kassel__wurzburg_road", status="no_path")
    issues = check_dataset(load_dataset(dataset_copy))
    hits = [i for i in issues if i.row_id == "kassel__wurzburg_road" and "no accepted measurement" in i.message]
    assert len(hits) == 1 and hits[0].rule == "length" and hits[0].file == "roads_added.csv"
    assert hits[0].severity == "error"


# ------------------------------------------------------------------------------------------ the tool itself
def _tool():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "tools" / "measure_links.py"
    spec = importlib.util.spec_from_file_location("measure_links", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _toy_graph():
    """A line of 11 vertices along the equator (lon 0..1, ~11 km apart) and a 2-vertex island near its
    east end, closer to the place 'b' than the line is: snapping must not strand 'b' on the island."""
    from scipy.sparse import csr_matrix

    lat = np.r_[np.zeros(11), [0.03, 0.031]]
    lon = np.r_[np.linspace(0.0, 1.0, 11), [1.0, 1.0]]
    rows, cols = list(range(10)) + [11], list(range(1, 11)) + [12]
    km = haversine_km(lat[rows], lon[rows], lat[cols], lon[cols])
    mat = csr_matrix((np.r_[km, km], (rows + cols, cols + rows)), shape=(13, 13))
    return np.column_stack([lat, lon]), mat


def test_tool_measures_along_the_graph_and_skips_islands():
    tool = _tool()
    ends = pd.DataFrame({"id": ["a", "b", "far"], "lat": [0.01, 0.029, 0.6], "lon": [0.0, 1.0, 0.5]})
    tasks = pd.DataFrame({"key": ["a__b", "a__far"], "from": ["a", "a"], "to": ["b", "far"]})
    res, lines = tool.measure("road", ends, tasks, graph=_toy_graph())
    res = res.set_index("key")
    ab = res.loc["a__b"]
    # a -> first vertex (1.1 km), 10 edges of ~11.1 km, last vertex -> b (3.2 km); not the island
    assert ab["status"] == "ok"
    assert ab["osm_km"] == pytest.approx(1.11 + 111.2 + 3.22, abs=0.5)
    assert ab["snap_to_km"] == pytest.approx(3.22, abs=0.05)
    assert np.allclose(lines["a__b"][0], [0.0, 0.01]) and np.allclose(lines["a__b"][-1], [1.0, 0.029])
    gc = float(haversine_km(0.01, 0.0, 0.029, 1.0))
    assert tool.classify(ab.to_dict() | {"gc_km": gc}, max(ab["snap_from_km"], ab["snap_to_km"]))["status"] == "ok"
    far = res.loc["a__far"].to_dict()
    assert tool.classify(far, max(far["snap_from_km"], far["snap_to_km"]))["status"] == "snap_too_far"
    # a detour beyond 2.5x the great circle (+10 km) and a path under it are rejected
    detour = {"status": "ok", "mode": "rail", "osm_km": 2.5 * 100 + 11, "gc_km": 100.0, "notes": ""}
    assert tool.classify(detour, 1.0)["status"] == "too_long"
    short = {"status": "ok", "mode": "rail", "osm_km": 98.0, "gc_km": 100.0, "notes": ""}
    assert tool.classify(short, 1.0)["status"] == "too_short"
