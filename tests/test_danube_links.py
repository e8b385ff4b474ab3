"""A freight planner's complaint: Istanbul -> Bucharest went Turkey - Bulgaria - Serbia - Hungary - Romania
(2,100 km by road, 2,400 km by rail) because the network had no Bulgaria - Romania link. Real freight crosses the
Danube at Ruse - Giurgiu (Danube Bridge, 1954) or Vidin - Calafat (New Europe Bridge, 2013), both road and rail.
These tests check, on the shipped data, that the planner now crosses there and that distances agree with the
published line lengths (sources/danube.csv).
"""
from __future__ import annotations

import pytest

from helpers import assert_lengths_sourced, best_route

# Published figures (sources/danube.csv), not model output:
ISTANBUL_BUCHAREST_RAIL_KM = 831.0   # S-WIKI-BOSPHORUS-EXP: Istanbul - Kapıkule - Stara Zagora - Ruse - Videle - Bucharest
KAPIKULE_BUCHAREST_RAIL_KM = 831.0 - 316.0  # same route table, Kapıkule at km 316
MEZDRA_VIDIN_RAIL_KM = 181.0         # S-WIKI-BG-LINES (BDZ line 7)
BUCHAREST_CRAIOVA_RAIL_KM = 209.0    # S-ROINSIDER-BUC-CRA-2024 (CFR, via Videle)
TOLERANCE = 0.10


def _crosses_danube_at(route, town: str) -> bool:
    return any({b["from_country"], b["to_country"]} == {"BGR", "ROU"} and town in b["at"]
               for b in route.border_crossings)


@pytest.mark.parametrize("mode", ["road", "rail"])
def test_istanbul_bucharest_crosses_only_turkey_bulgaria_romania(session, mode):
    r = best_route(session, "Istanbul", "Bucharest", mode)
    assert r.main_mode == mode
    assert set(r.countries) == {"TUR", "BGR", "ROU"}, r.countries
    assert not {"SRB", "HUN"} & set(r.countries)
    assert _crosses_danube_at(r, "Ruse"), r.border_crossings
    assert len(r.border_crossings) == 2


def test_istanbul_bucharest_rail_distance_matches_the_published_route(session):
    r = best_route(session, "Istanbul", "Bucharest", "rail")
    published = ISTANBUL_BUCHAREST_RAIL_KM
    assert abs(r.distance_km - published) <= TOLERANCE * published, (r.distance_km, published)


def test_istanbul_bucharest_road_is_shorter_than_the_rail_line_and_far_shorter_than_before(session):
    # No published road figure is held; the road follows the same corridor (Kapitan Andreevo - Haskovo - Stara
    # Zagora - I-5 - Ruse - DN5) without the rail line's detours (Edirne loop, Videle), so the published rail
    # length bounds it from above; the great circle bounds it from below.
    from beltroad.data.geo import haversine_km

    road = best_route(session, "Istanbul", "Bucharest", "road")
    gc = float(haversine_km(41.0, 29.0, 44.43, 26.11))
    assert 1.1 * gc <= road.distance_km <= ISTANBUL_BUCHAREST_RAIL_KM, (road.distance_km, gc)
    old = session.plan("Istanbul", "Bucharest", mode="road", alternatives=1, via=["Belgrade"]).routes[0]
    assert "SRB" in old.countries and road.distance_km < 0.5 * old.distance_km
    assert road.transit_days < old.transit_days


@pytest.mark.parametrize("mode", ["road", "rail"])
def test_sofia_and_constanta_reach_each_other_across_the_danube(session, mode):
    for o, d in [("Sofia", "Bucharest"), ("Constanta", "Sofia")]:
        r = best_route(session, o, d, mode)
        assert set(r.countries) == {"BGR", "ROU"}, (o, d, r.countries)
        assert len(r.border_crossings) == 1


def test_vidin_calafat_carries_the_western_corridor(session):
    # via Craiova (a rail junction): the whole way by rail through Mezdra - Vidin - Calafat
    r = best_route(session, "Sofia", "Bucharest", "rail", via=["Craiova"])
    assert r.modes == ["rail"], r.modes
    assert set(r.countries) == {"BGR", "ROU"} and _crosses_danube_at(r, "Vidin"), r.border_crossings
    # Sofia - Mezdra and Calafat - Craiova are measured; Mezdra - Vidin and Craiova - Bucharest are published
    assert r.distance_km >= MEZDRA_VIDIN_RAIL_KM + BUCHAREST_CRAIOVA_RAIL_KM


def test_bucharest_budapest_is_unchanged_by_the_danube_links(session):
    for mode in ("road", "rail"):
        r = best_route(session, "Bucharest", "Budapest", mode)
        assert set(r.countries) == {"ROU", "HUN"}, (mode, r.countries)


@pytest.mark.parametrize("link,mode,pair", [
    ("giurgiu__ruse", "rail", {"ROU", "BGR"}), ("giurgiu__ruse_road", "road", {"ROU", "BGR"}),
    ("vidin__calafat", "rail", {"BGR", "ROU"}), ("vidin__calafat_road", "road", {"BGR", "ROU"})])
def test_danube_crossings_exist_with_the_intra_eu_dwell(ds, link, mode, pair):
    rows = ds.crossings[ds.crossings["link"].eq(link)]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["kind"] == "border" and row["mode"] == mode
    assert {row["from_country"], row["to_country"]} == pair
    assert set(row["source"].split(";")) <= set(ds.sources["id"])
    assert "S-DB2019-EU" in row["source"].split(";")
    eu = set(ds.params["border"]["customs_unions"]["EU"]["members"])
    assert pair <= eu
    assert float(row["dwell_hours"]) == 0 and float(row["fee_usd"]) == 0


def test_the_planner_charges_what_the_ruse_rows_say(ds, session):
    for mode, link in [("rail", "giurgiu__ruse"), ("road", "giurgiu__ruse_road")]:
        row = ds.crossings[ds.crossings["link"].eq(link)].iloc[0]
        r = best_route(session, "Istanbul", "Bucharest", mode)
        at = [b for b in r.border_crossings if "Ruse" in b["at"]]
        assert at and at[0]["dwell_hours"] == float(row["dwell_hours"]) and at[0]["fee_usd"] == float(row["fee_usd"])


NEW_MEASURED_OR_PUBLISHED = [
    "bucharest__giurgiu", "giurgiu__ruse", "ruse__gorna_oryahovitsa", "gorna_oryahovitsa__stara_zagora",
    "stara_zagora__svilengrad", "sofia__mezdra", "mezdra__gorna_oryahovitsa", "mezdra__vidin", "vidin__calafat",
    "calafat__craiova", "craiova__bucharest", "bucharest__giurgiu_road", "giurgiu__ruse_road",
    "ruse__stara_zagora_road", "stara_zagora__svilengrad_road", "vidin__calafat_road", "calafat__craiova_road",
    "craiova__bucharest_road", "bucharest__arad_road", "sofia__ruse_road", "sofia__gorna_oryahovitsa_road",
    "plovdiv__stara_zagora_road", "stara_zagora__burgas_road"]


def test_new_links_have_sourced_lengths_or_osm_measurements(ds):
    assert_lengths_sourced(ds, NEW_MEASURED_OR_PUBLISHED)
    links = ds.links.set_index("id")
    # the one new link OSM could not measure keeps an estimate and says so
    assert links.at["sofia__vidin_road", "length_basis"] == "estimated"
    assert "S-EST-EU" in links.at["sofia__vidin_road", "source"]
    assert links.at["mezdra__vidin", "length_km"] == MEZDRA_VIDIN_RAIL_KM
    assert links.at["craiova__bucharest", "length_km"] == BUCHAREST_CRAIOVA_RAIL_KM
    # Svilengrad - Stara Zagora - Gorna Oryahovitsa - Ruse + Giurgiu - Bucharest: the route table less the bridge
    rail_parts = ["stara_zagora__svilengrad", "gorna_oryahovitsa__stara_zagora", "ruse__gorna_oryahovitsa",
                  "bucharest__giurgiu"]
    assert sum(links.at[k, "length_km"] for k in rail_parts) == pytest.approx(831 - 336 - 13)


def test_bucharest_giurgiu_rail_is_the_videle_route(ds):
    row = ds.links.set_index("id").loc["bucharest__giurgiu"]
    # the direct line via Grădiștea is about half as long; the Videle route (Giurgiu 717 - Bucharest 831) is 114 km
    assert row["length_km"] == 831 - 717
    assert "Videle" in row["notes"] and "Grădiștea" in row["notes"]
