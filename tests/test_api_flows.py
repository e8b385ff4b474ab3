"""/api/flows on the shipped data: GeoJSON shape and units, bottlenecks, scenarios, caching, bad input."""
from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from beltroad.flows.capacity import load_capacity_table  # noqa: E402

PROPS = {"id", "mode", "corridor", "teu_per_year", "teu_per_year_max_direction", "volume_capacity_ratio",
         "capacity_element", "congestion_delay_hours", "length_km"}


def ok(r, status=200):
    assert r.status_code == status, r.text[:500]
    return r.json()


@pytest.fixture(scope="module")
def base(client):
    return ok(client.get("/api/flows", params={"scenario": "baseline", "min_vc": 0}))


@pytest.fixture(scope="module")
def nrb(client):
    return ok(client.get("/api/flows", params={"scenario": "no-russia-belarus-transit"}))


def _by_link(fc: dict) -> dict[str, dict]:
    return {f["properties"]["id"]: f["properties"] for f in fc["features"]}


def test_geojson_shape(base):
    assert base["type"] == "FeatureCollection" and base["scenario"] == "baseline"
    assert len(base["features"]) > 100
    for f in base["features"]:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "LineString"
        coords = f["geometry"]["coordinates"]
        assert len(coords) >= 2 and all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in coords)
        p = f["properties"]
        assert PROPS <= set(p)
        assert p["teu_per_year"] > 0 and p["congestion_delay_hours"] >= 0
        assert p["teu_per_year"] / 2 - 0.2 <= p["teu_per_year_max_direction"] <= p["teu_per_year"] + 0.2
        assert p["volume_capacity_ratio"] is None or p["volume_capacity_ratio"] >= 0
        assert (p["volume_capacity_ratio"] is None) == (p["capacity_element"] is None)
    modes = {f["properties"]["mode"] for f in base["features"]}
    assert {"rail", "sea", "road"} <= modes
    assert base["iterations"] >= 1 and 0 <= base["relative_gap"] < 1e-2
    assert {"teu_per_year", "volume_capacity_ratio", "congestion_delay_hours"} <= set(base["units"])


def test_units_agree_with_the_capacity_table_and_the_links(base):
    """Element capacities are the capacity.csv figures in TEU a year; an element's flow is the TEU a year on its links."""
    table = load_capacity_table().set_index("id")["capacity_teu_yr"]
    links = _by_link(base)
    els = base["elements"]
    assert len(els) >= len(table)
    checked = 0
    for e in els:
        root = e["element"].split(":")[0]
        assert e["capacity_teu_per_year"] == pytest.approx(table[root] * e["capacity_factor"], rel=1e-6)
        assert e["volume_capacity_ratio"] == pytest.approx(e["flow_teu_per_year"] / e["capacity_teu_per_year"], rel=1e-3, abs=1e-4)
        assert e["binding"] == (e["volume_capacity_ratio"] >= base["binding_vc"])
        on = [links[lid] for lid in e["links"] if lid in links]
        if e["direction"] == "both" and e["links"] and e["flow_teu_per_year"] > 1:
            assert sum(p["teu_per_year"] for p in on) == pytest.approx(e["flow_teu_per_year"], rel=0.01, abs=1)
            checked += 1
        for p in on:  # a loaded link shows the highest v/c of the elements limiting it
            assert p["volume_capacity_ratio"] >= e["volume_capacity_ratio"] - 1e-3
    assert checked >= 3


def test_bottleneck_list_is_sorted_and_filtered(client, base):
    assert len(base["bottlenecks"]) == len(base["elements"])  # min_vc=0: every element
    d = ok(client.get("/api/flows", params={"scenario": "baseline", "min_teu": 1e6}))
    assert d["bottlenecks"] and all(b["volume_capacity_ratio"] >= 0.9 for b in d["bottlenecks"])
    vcs = [b["volume_capacity_ratio"] for b in d["bottlenecks"]]
    assert vcs == sorted(vcs, reverse=True)
    assert 0 < len(d["features"]) < len(base["features"])
    assert all(f["properties"]["teu_per_year"] >= 1e6 for f in d["features"])
    # the assignment is kept: another filter of the same scenario is served from it
    assert client.app.state.beltroad.flows_worker.result("baseline") is not None


def test_capacity_bound_link_is_listed_for_no_russia_belarus(nrb, base):
    assert nrb["scenario"] == "no-russia-belarus-transit"
    binding = [b for b in nrb["bottlenecks"] if b["binding"] and b["links"]]
    assert binding, nrb["bottlenecks"]
    links = _by_link(nrb)
    b = binding[0]
    loaded = [links[lid] for lid in b["links"] if lid in links]
    assert loaded, f"{b['id']}: none of its links carries flow"
    assert max(p["volume_capacity_ratio"] for p in loaded) >= nrb["binding_vc"]
    assert b["congestion_delay_hours"] > 0 and max(p["congestion_delay_hours"] for p in loaded) > 0
    # with Belarus transit closed nothing crosses Brest, which carries boxes in the baseline
    flow = lambda d, el: sum(e["flow_teu_per_year"] for e in d["elements"] if e["element"].startswith(el))  # noqa: E731
    assert flow(base, "brest") > 0 and flow(nrb, "brest") == pytest.approx(0, abs=1)
    assert not any(x["element"].startswith("brest") for x in nrb["bottlenecks"])
    # the bottleneck lists differ between the two scenarios
    assert [x["id"] for x in nrb["bottlenecks"]] != [x["id"] for x in base["bottlenecks"] if x["binding"]]


def test_unknown_scenario_and_bad_parameters(client):
    r = client.get("/api/flows", params={"scenario": "atlantis"})
    assert r.status_code == 404
    assert "Unknown scenario 'atlantis'" in r.json()["detail"] and "baseline" in r.json()["detail"]
    for params in ({"min_vc": -1}, {"min_teu": "lots"}, {"scenario": "x" * 500}):
        r = client.get("/api/flows", params=params)
        assert r.status_code == 422 and r.json()["detail"], params


def test_openapi_documents_flows(client):
    spec = ok(client.get("/openapi.json"))
    op = spec["paths"]["/api/flows"]["get"]
    assert {"200", "404", "422", "503"} <= set(op["responses"])
