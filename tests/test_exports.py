"""Exports keep their real column names, cite a source on every feature, write GeoParquet, fail cleanly."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from beltroad.cli import app
from beltroad.io import geojson
from beltroad.io.export import export_network, network_geojson


@pytest.fixture(scope="module")
def network_gj(network):
    return network_geojson(network)


def test_link_properties_keep_their_names(network_gj, network):
    links = [f for f in network_gj["features"] if f["properties"].get("id") in set(network.links["id"])]
    props = links[0]["properties"]
    assert {"from", "to", "class", "mode", "source"} <= set(props)
    assert not any(k.startswith("_") for k in props)  # no _1, _6 (renamed keywords) nor loader columns
    row = network.links.set_index("id").loc[props["id"]]
    assert props["from"] == row["from"] and props["class"] == row["class"]


def test_every_feature_has_a_source(network_gj, network):
    missing = [f["properties"].get("id") or f["properties"].get("layer") for f in network_gj["features"]
               if not f["properties"].get("source")]
    assert missing == []
    sea = [f for f in network_gj["features"] if f["properties"].get("layer") == "sea_lane"]
    assert sea and all(f["properties"]["source"].startswith("searoute ") for f in sea)
    register = set(network.places.loc[network.places["origin"].eq("register"), "id"])
    ports = [f for f in network_gj["features"] if f["properties"].get("id") in register]
    known = set(network.places["id"])  # register ports carry the register's citation ids (sources/ports.csv)
    assert ports and all(f["properties"]["source"].startswith("S-") for f in ports) and register <= known
    nodes = network.places.loc[network.places["origin"].eq("dataset"), "id"]
    dataset = [f for f in network_gj["features"]
               if f["properties"].get("layer") == "place" and f["properties"]["id"] in set(nodes)]
    assert dataset and not any(f["properties"]["source"].startswith("searoute") for f in dataset)


def test_geojson_is_strict_json(tmp_path, network):
    path = export_network(network, "geojson", tmp_path / "n.geojson")

    def refuse(name):
        raise ValueError(name)

    json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def test_route_geojson_uses_the_shared_writer(cq_duisburg):
    gj = cq_duisburg.to_geojson()
    assert gj["type"] == "FeatureCollection" and gj["features"]
    assert all(f["properties"]["source"] for f in gj["features"])
    assert gj["properties"]["origin_source"] and gj["properties"]["destination_source"]
    assert {"from", "to", "route_rank"} <= set(gj["features"][0]["properties"])


def test_city_ends_cite_geonames(session):
    res = session.plan("Lodz", "Duisburg", alternatives=1)
    p = session.resolve("Lodz")
    expected = geojson.geonames_source() if p.kind == "city" else "beltroad dataset"
    assert res.to_geojson()["properties"]["origin_source"] == expected
    assert geojson.place_source(type(p)("X", "POL", 51.0, 19.0, "city")).startswith("GeoNames")


def test_parquet_export_is_geoparquet(tmp_path, network):
    gpd = pytest.importorskip("geopandas")
    path = export_network(network, "parquet", tmp_path / "net.parquet")
    links = gpd.read_parquet(path)
    assert links.crs.to_epsg() == 4326 and set(links.geom_type) == {"LineString"}
    assert {"from", "class", "source"} <= set(links.columns)
    places = gpd.read_parquet(tmp_path / "net_places.parquet")
    assert places["source"].ne("").all() and set(places.geom_type) == {"Point"}


def test_api_layers_use_real_names_and_sources(session):
    from beltroad.api.layers import build_layer

    rail = build_layer(session.network, "rail", None)["features"]
    assert rail and {"from", "class", "source"} <= set(rail[0]["properties"])
    for layer in ("sea", "ports", "crossings", "projects"):
        feats = build_layer(session.network, layer, None)["features"]
        assert feats and all(f["properties"].get("source") for f in feats), layer


def test_gpkg_on_a_full_disk_is_a_clear_error(tmp_path, monkeypatch):
    gpd = pytest.importorskip("geopandas")
    from pyogrio.errors import DataSourceError

    def full(self, *a, **k):
        raise DataSourceError("sqlite3_exec(COMMIT) failed: database or disk is full")

    out = tmp_path / "n.gpkg"
    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", full)
    res = CliRunner().invoke(app, ["data", "export", "--format", "gpkg", str(out)])
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert "cannot write" in text and "disk is full" in text and "Traceback" not in res.output
    assert list(tmp_path.iterdir()) == []


def test_api_places_cite_their_source(session):
    from fastapi.testclient import TestClient

    from beltroad.api import create_app

    with TestClient(create_app(session), base_url="http://localhost") as c:
        places = c.get("/api/places", params={"q": "Lod"}).json()["places"]
    assert places and all(p["source"] for p in places)
    assert all(p["source"].startswith("GeoNames") for p in places if p["kind"] == "city")
