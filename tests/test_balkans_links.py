"""A freight planner's complaint: Piraeus -> Sofia went through North Macedonia and Serbia (three borders, 40 h
of dwell) because the network had no Greece - Bulgaria link. Real freight takes the Thessaloniki - Strymonas -
Promachonas/Kulata - Blagoevgrad - Pernik - Sofia railway and the E79 road (Greek A25, Bulgarian A3 Struma).
These tests check, on the shipped data, that the planner now takes that corridor and that its distances agree
with the published line and road lengths (sources/balkans.csv).
"""
from __future__ import annotations

import pytest

from helpers import assert_lengths_sourced, best_route

# Published lengths (sources/balkans.csv, sources/europe.csv), not model output:
ATHENS_THESSALONIKI_RAIL_KM = 502.0      # S-RJ-ATH-THE (Athens - Thessaloniki main line)
THESSALONIKI_PROMACHONAS_RAIL_KM = 143.0  # S-ERGOSE-THE-PRO (Thessaloniki - Strymonas - Promachonas corridor)
SOFIA_KULATA_RAIL_KM = 209.0             # S-WIKI-BG-LINES (BDZ line 5 Sofia - Pernik - Radomir - Kulata)
A25_KM = 96.0                            # S-DEWIKI-A25 (A2 junction near Thessaloniki - Promachonas)
STRUMA_KM = 173.8                        # S-EC-STRUMA-2018 (A3 Struma, Sofia ring road - Greek border)
A1_ATHENS_EVZONOI_KM = 550.0             # S-WIKI-GR-A1: Athens - Evzonoi, longer than Athens -
#                                          Thessaloniki, so an upper bound for the Greek A1 part
TOLERANCE = 0.10


def _crosses_at_promachonas(route) -> bool:
    return any({b["from_country"], b["to_country"]} == {"GRC", "BGR"} and "Promachonas" in b["at"]
               for b in route.border_crossings)


@pytest.mark.parametrize("mode", ["rail", "road"])
def test_piraeus_sofia_goes_through_greece_and_bulgaria_only(session, mode):
    r = best_route(session, "Piraeus", "Sofia", mode)
    assert r.main_mode == mode
    assert set(r.countries) == {"GRC", "BGR"}, r.countries
    assert not {"MKD", "SRB"} & set(r.countries)
    assert _crosses_at_promachonas(r), r.border_crossings
    assert len(r.border_crossings) == 1


def test_piraeus_sofia_rail_distance_matches_the_published_line_lengths(session):
    published = ATHENS_THESSALONIKI_RAIL_KM + THESSALONIKI_PROMACHONAS_RAIL_KM + SOFIA_KULATA_RAIL_KM
    r = best_route(session, "Piraeus", "Sofia", "rail")
    assert abs(r.distance_km - published) <= TOLERANCE * published, (r.distance_km, published)


def test_thessaloniki_sofia_rail_and_road_distances_match_the_published_lengths(session):
    rail = best_route(session, "Thessaloniki", "Sofia", "rail")
    published_rail = THESSALONIKI_PROMACHONAS_RAIL_KM + SOFIA_KULATA_RAIL_KM
    assert set(rail.countries) == {"GRC", "BGR"}
    assert abs(rail.distance_km - published_rail) <= TOLERANCE * published_rail, rail.distance_km
    road = best_route(session, "Thessaloniki", "Sofia", "road")
    published_road = A25_KM + STRUMA_KM  # motorway ends; the two city approaches lie within the tolerance
    assert set(road.countries) == {"GRC", "BGR"}
    assert abs(road.distance_km - published_road) <= TOLERANCE * published_road, road.distance_km


def test_piraeus_sofia_road_is_no_longer_than_the_published_motorways(session):
    r = best_route(session, "Piraeus", "Sofia", "road")
    assert r.distance_km <= (1 + TOLERANCE) * (A1_ATHENS_EVZONOI_KM + A25_KM + STRUMA_KM), r.distance_km


def test_the_direct_rail_route_beats_the_old_one_through_skopje(session):
    direct = best_route(session, "Piraeus", "Sofia", "rail")
    old = best_route(session, "Piraeus", "Sofia", "rail", via=["Skopje"])
    assert "MKD" in old.countries
    assert direct.transit_days < old.transit_days
    assert direct.distance_km < old.distance_km


@pytest.mark.parametrize("link,mode", [("promachonas__kulata", "rail"), ("promachonas__kulata_road", "road")])
def test_promachonas_kulata_crossings_exist_with_the_intra_eu_dwell(ds, session, link, mode):
    rows = ds.crossings[ds.crossings["link"].eq(link)]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["kind"] == "border" and row["mode"] == mode
    assert {row["from_country"], row["to_country"]} == {"GRC", "BGR"}
    known = set(ds.sources["id"])
    assert set(row["source"].split(";")) <= known
    assert "S-DB2019-EU" in row["source"].split(";")
    # DB2019 border times are zero inside the EU customs union: the dwell follows from membership, as for the
    # other intra-EU rows (e.g. Vienna - Budapest)
    eu = set(ds.params["border"]["customs_unions"]["EU"]["members"])
    assert {"GRC", "BGR"} <= eu
    intra_eu = ds.crossings[ds.crossings["kind"].eq("border") & ds.crossings["from_country"].isin(eu)
                            & ds.crossings["to_country"].isin(eu)]
    assert len(intra_eu) > 5 and intra_eu["dwell_hours"].astype(float).eq(0).all()
    assert float(row["dwell_hours"]) == 0 and float(row["fee_usd"]) == 0
    # ... and the planner charges what the row says
    r = best_route(session, "Thessaloniki", "Sofia", mode)
    at = [b for b in r.border_crossings if "Promachonas" in b["at"]]
    assert at and at[0]["dwell_hours"] == float(row["dwell_hours"]) and at[0]["fee_usd"] == float(row["fee_usd"])


def test_new_links_have_sourced_lengths_or_osm_measurements(ds):
    assert_lengths_sourced(ds, ["thessaloniki__promachonas", "promachonas__kulata", "kulata__sofia",
                                "thessaloniki__promachonas_road", "promachonas__kulata_road",
                                "kulata__blagoevgrad_road", "blagoevgrad__sofia_road"])
    links = ds.links.set_index("id")
    assert links.at["thessaloniki__promachonas", "length_km"] == THESSALONIKI_PROMACHONAS_RAIL_KM
    assert links.at["kulata__sofia", "length_km"] == SOFIA_KULATA_RAIL_KM
