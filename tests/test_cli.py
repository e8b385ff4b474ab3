"""The `beltroad` command line: exit codes, messages without tracebacks, output formats, exports.

Most commands run in-process through typer's CliRunner (sharing the session's network); a few run the
installed console script in a subprocess to cover the real entry point.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import run, run_json, squash

BELTROAD = str(Path(sys.executable).with_name("beltroad"))


# ------------------------------------------------------------------------------------------ route
def test_route_json(runner):
    d = run_json(runner, "route", "Chongqing", "Duisburg", "--format", "json")
    assert set(d) == {"origin", "destination", "scenario", "objective", "quantity", "routes", "notes",
                      "value_of_time_usd_per_teu_day", "carbon_price_usd_per_t"}
    assert d["origin"]["node_id"] == "chongqing" and d["destination"]["country"] == "DEU"
    assert len(d["routes"]) == 3
    assert any("KAZ" in r["countries"] for r in d["routes"])


def test_route_json_matches_the_python_api(runner, cq_duisburg):
    res = run(runner, "route", "Chongqing", "Duisburg", "--format", "json")
    assert json.loads(res.stdout) == json.loads(json.dumps(cq_duisburg.to_dict(), ensure_ascii=False))


def test_route_options_reach_the_planner(runner):
    d = run_json(runner, "route", "Chongqing", "Duisburg", "--avoid-country", "RUS", "--avoid-country", "BLR",
                 "--optimize", "cost", "-n", "2", "--teu", "2", "--format", "json")
    assert d["objective"] == "cost" and d["quantity"] == "2 TEU"
    assert 1 <= len(d["routes"]) <= 2
    assert all(not {"RUS", "BLR"} & set(r["countries"]) for r in d["routes"])


def test_route_table(runner):
    res = run(runner, "route", "Chongqing", "Duisburg", "-n", "2")
    assert res.exit_code == 0
    out = squash(res.stdout)
    assert "Chongqing (CHN)" in out and "Legs of route 1" in out


def test_route_geojson(runner):
    res = run(runner, "route", "Lodz", "Chengdu", "--format", "geojson")
    assert res.exit_code == 0, res.output
    gj = json.loads(res.stdout)
    assert gj["type"] == "FeatureCollection" and gj["features"]
    for f in gj["features"]:
        assert f["geometry"]["type"] == "LineString" and len(f["geometry"]["coordinates"]) >= 2


@pytest.mark.parametrize("args,code,texts,quiet", [
    pytest.param(["Duisbrug", "Chongqing"], 2, ["Unknown place 'Duisbrug'", "Did you mean", "Duisburg, DE"], True,
                 id="unknown place is bad input with a suggestion"),
    pytest.param(["Valencia", "Duisburg"], 2, ["ambiguous", "Valencia, ES", "Valencia, VE"], False,
                 id="ambiguous place lists candidates"),
    pytest.param(["Chongqing", "Duisburg", "--avoid-country", "DEU"], 3, ["--avoid-country", "DEU"], False,
                 id="impossible constraint exits 3 naming it"),
    pytest.param(["Urumqi", "Rotterdam", "--mode", "sea"], 3, ["blocked by --mode sea", "Without --mode sea:"], False,
                 id="inland origin by sea exits 3 with the relaxation"),
])
def test_route_refusal_exit_code_and_message(runner, args, code, texts, quiet):
    """Refused routes: the error table's exit code and a message naming the cause (`quiet`: nothing on stdout)."""
    res = run(runner, "route", *args)
    assert res.exit_code == code
    err = squash(res.stderr)
    assert all(t in err for t in texts), (texts, err)
    if quiet:
        assert res.stdout == ""


@pytest.mark.parametrize("args,text", [
    (["--optimize", "fast"], "objective: must be 'time', 'cost', 'co2' or 'generalized' (got 'fast')"),
    (["--mode", "plane"], "mode: must be 'multimodal', 'rail', 'sea', 'road' or 'inland_water' (got 'plane')"),
    (["--format", "xml"], "--format 'xml'"),
    (["--avoid-passage", "atlantis"], "not a known passage"),
    (["--avoid-country", "XX"], "not an ISO country code"),
    (["--alternatives", "0"], "alternatives: must be greater than or equal to 1"),
    (["--teu", "-1"], "teu: must be greater than 0"),
])
def test_bad_options_exit_2(runner, args, text):
    res = run(runner, "route", "Chongqing", "Duisburg", *args)
    assert res.exit_code == 2
    assert text in squash(res.stderr)


def test_route_map_is_a_self_contained_html_file(runner, tmp_path):
    out = tmp_path / "trip.html"
    res = run(runner, "route", "Chongqing", "Duisburg", "--map", str(out))
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert html.lower().startswith("<!doctype html>") and "<svg" in html
    assert "Chongqing" in html and "Duisburg" in html
    # nothing is fetched from the internet: no remote scripts, stylesheets, images or frames
    assert not re.search(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert not re.search(r"""@import|url\(\s*["']?(https?:)?//""", html, re.I)


# ------------------------------------------------------------------------------------------ places
def test_places_lodz(runner):
    res = run(runner, "places", "Lodz")
    assert res.exit_code == 0
    assert "Łódź (POL)" in res.stdout and "node=lodz" in res.stdout


@pytest.mark.parametrize("query,text", [("CNSHA", "locode=CNSHA"), ("31.2,121.5", "kind=coordinates"),
                                        ("dostyk", "node=dostyk"), ("Alexandria, EG", "(EGY)")])
def test_places_forms(runner, query, text):
    res = run(runner, "places", query)
    assert res.exit_code == 0, res.output
    assert text in res.stdout


def test_places_ambiguous_shows_a_table_of_candidates(runner):
    res = run(runner, "places", "Valencia")
    assert res.exit_code == 2
    assert "ambiguous" in res.stdout and "ESP" in res.stdout and "VEN" in res.stdout


def test_places_unknown(runner):
    res = run(runner, "places", "Xyzzyville")
    assert res.exit_code == 2
    assert "Did you mean" in squash(res.stderr)


# ------------------------------------------------------------------------------------------ data
def test_data_stats(runner):
    res = run(runner, "data", "stats")
    assert res.exit_code == 0, res.output
    out = squash(res.stdout)
    assert "Links by mode" in out and "Links by corridor" in out and "middle_corridor" in out
    assert "BRI projects" in out


def exported(runner, tmp_path, fmt: str):
    """`data export --format fmt` into tmp_path/network.<fmt>, which must succeed; returns that path."""
    path = tmp_path / f"network.{fmt}"
    res = run(runner, "data", "export", "--format", fmt, str(path))
    assert res.exit_code == 0, res.output
    return path


def test_data_export_geojson(runner, tmp_path, network):
    path = exported(runner, tmp_path, "geojson")
    gj = json.loads(path.read_text())
    assert gj["type"] == "FeatureCollection"
    kinds = {f["geometry"]["type"] for f in gj["features"]}
    assert kinds == {"LineString", "Point"}
    links = [f for f in gj["features"] if f["properties"].get("id") in set(network.links["id"])]
    assert len(links) == len(network.links)


def test_data_export_parquet(runner, tmp_path, network):
    path = exported(runner, tmp_path, "parquet")
    links = pd.read_parquet(path)
    assert len(links) == len(network.links)
    assert {"id", "from", "to", "mode", "from_lon", "from_lat", "to_lon", "to_lat"} <= set(links.columns)
    assert links[["from_lon", "from_lat", "to_lon", "to_lat"]].notna().all().all()
    import geopandas as gpd  # GeoParquet: geometry and CRS for GeoPandas and QGIS

    geo = gpd.read_parquet(path)
    assert set(geo.geometry.geom_type) == {"LineString"} and geo.crs.to_epsg() == 4326
    places = gpd.read_parquet(path.with_name("network_places.parquet"))
    assert len(places) == len(network.places) and set(places.geometry.geom_type) == {"Point"}


def test_data_export_gpkg(runner, tmp_path, network):
    gpd = pytest.importorskip("geopandas")
    path = exported(runner, tmp_path, "gpkg")
    links = gpd.read_file(path, layer="links")
    places = gpd.read_file(path, layer="places")
    assert len(links) == len(network.links) and len(places) == len(network.places)
    assert set(links.geometry.geom_type) == {"LineString"}
    assert links.crs.to_epsg() == 4326


def test_data_export_unknown_format(runner, tmp_path):
    res = run(runner, "data", "export", "--format", "shp", str(tmp_path / "x.shp"))
    assert res.exit_code == 2
    assert "not one of geojson, gpkg, parquet" in squash(res.stderr)


# ------------------------------------------------------------------------------------------ the installed script
def _script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BELTROAD, *args], capture_output=True, text=True, timeout=300)


def test_script_route_by_locode_json():
    proc = _script("route", "CNSHA", "NLRTM", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["origin"]["locode"] == "CNSHA" and d["destination"]["locode"] == "NLRTM"
    assert d["routes"]


def test_script_unknown_place_has_no_traceback():
    proc = _script("route", "Xyzzyville", "Duisburg")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "Unknown place 'Xyzzyville'" in squash(proc.stderr)


def test_script_without_arguments_shows_help():
    proc = _script()
    assert proc.returncode in (0, 2)
    assert "route" in proc.stdout + proc.stderr


def test_compare_with_flows_reports_the_diversion_of_china_europe_rail(runner, tmp_path):
    """`compare --flows`: the same demand assigned in both scenarios; closing Russia/Belarus transit takes the
    China-Europe rail volume off the northern exits (beltroad.flows)."""
    cities = tmp_path / "cities.csv"
    cities.write_text("place\nChongqing\nDuisburg\nWarsaw\n")
    out = tmp_path / "cmp"
    result = run(runner, "compare", "baseline", "no-russia-belarus-transit", "--cities", str(cities), "--flows",
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    ind = pd.read_csv(out / "flows_indicators.csv").set_index("indicator")
    northern = ind.loc[[i for i in ind.index if "zabaikalsk" in i or "zamyn_uud" in i]]
    assert (northern["teu_base"] > 0).all() and (northern["teu_scenario"] == 0).all()
    assert ind.loc["total demand", "change_teu"] == 0
    assert (out / "flows_elements.csv").exists() and "Binding bottlenecks" in result.output
