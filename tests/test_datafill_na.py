"""North American intermodal rail (docs/data.md, "Gaps filled"): the rows of `*/datafill_na.csv`, on the shipped data.

Before them Shanghai-Chicago went by train across Eurasia, Rhine barge, Rotterdam-Norfolk and a 1,362 km truck.
"""
from __future__ import annotations

import pytest

WEST_COAST = ("Los Angeles", "Long Beach", "Seattle", "Vancouver", "Prince Rupert")
MILE_KM = 1.609344


def movement(route):
    return [leg for leg in route.legs if leg.mode != "handling"]


def test_los_angeles_chicago_on_the_transcon(session):
    """BNSF's Transcon is 2,200 miles (S-DF-TRAINS-TRANSCON); inland rail Los Angeles-Chicago takes 3-7 days
    (S-DF-CNYT-SHA-CHI), the fastest premium trains 2.1 days (S-DF-RAILSTATE-CORRIDORS)."""
    r = session.plan("Los Angeles", "Chicago", mode="rail").routes[0]
    rail_km = sum(leg.distance_km for leg in movement(r) if leg.mode == "rail")
    assert rail_km == pytest.approx(2200 * MILE_KM, rel=0.03)
    assert 2.1 <= r.transit_days <= 7.0, r.transit_days
    assert r.countries == ["USA"]


def test_shanghai_toronto_by_sea_and_canadian_rail(session):
    res = session.plan("Shanghai", "Toronto", alternatives=3)
    assert any(r.main_mode in ("sea", "rail") and "rail" in r.modes
               and any(leg.mode == "rail" and "Toronto" in leg.to_place for leg in r.legs) for r in res.routes)


def test_shanghai_chicago_goes_by_sea_to_the_west_coast_then_rail(session):
    """Shanghai-Chicago by the intermodal option: 18-20 days (PEMP, S-DF-PEMP-SHA-CHI); 20-35 days door to
    door via Los Angeles/Long Beach (S-DF-CNYT-SHA-CHI)."""
    best = session.plan("Shanghai", "Chicago").routes[0]
    moves = movement(best)
    sea = [i for i, leg in enumerate(moves) if leg.mode == "sea"]
    assert sea and any(p in moves[sea[-1]].to_place for p in WEST_COAST), best.summary
    assert [leg.mode for leg in moves[sea[-1] + 1:]][:1] == ["rail"]
    assert 18 <= best.transit_days <= 35, best.transit_days


def test_north_american_trucks_still_cross_borders_and_the_continent(session):
    """With rail nodes the US and Canada lose the builder's GeoNames road towns and fallback border roads
    (network/build.py); the dataset's own road nodes and crossings keep trucking as it was."""
    assert session.plan("Montreal", "New York", mode="road").routes[0].distance_km < 1000
    best = session.plan("Chicago", "Toronto").routes[0]
    assert best.main_mode == "road" and best.countries == ["USA", "CAN"] and best.transit_days < 4
    assert session.plan("Los Angeles", "Mexico City", mode="road").routes[0].countries == ["USA", "MEX"]


def test_shanghai_houston_sails_direct_through_panama(session):
    """The Lone Star Express / TP18 calls Shanghai and Houston on one Panama loop (SV-FW-2M-GULF-2019); published
    sailing times are 23 days from Busan and 26 from Yantian (SV-FW-LONESTAR-2016). Before this service was in
    `services.csv`, Shanghai-Houston changed ship in Yantian and sailed to Savannah (48 days)."""
    best = session.plan("Shanghai", "Houston", mode="sea").routes[0]
    sea = [leg for leg in movement(best) if leg.mode == "sea"]
    assert len(sea) == 1 and "Houston" in sea[0].to_place, best.summary
    assert "panama" in best.passages
    assert 23 <= sea[0].transit_hours / 24 <= 30, sea[0].transit_hours
