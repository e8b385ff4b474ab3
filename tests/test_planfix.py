"""Planner rules found by the freight-realism review (helper-notes/review.md, "Causes in code"), on the real
network: pre-carriage of sea routes, terminal-to-terminal time, shuttle transfers, detour alternatives, access
links across closed borders, export dwell. Assertions are relations (within a radius, not longer than a
multiple), never copied model numbers."""
from __future__ import annotations

import numpy as np
import pytest

from beltroad.data.geo import haversine_km
from beltroad.routing.planner import PRECARRIAGE_RADIUS_KM


def _ends_km(route, place) -> list[float]:
    """Great-circle km from `place` to the first and last point of each rail / barge leg of a route."""
    out = []
    for leg in route.legs:
        if leg.mode in ("rail", "inland_water") and leg.coordinates:
            for lon, lat in (leg.coordinates[0], leg.coordinates[-1]):
                out.append(float(haversine_km(place.lat, place.lon, lat, lon)))
    return out


# ------------------------------------------------------------------ 1. pre-carriage of sea routes (rows 13, 38)
def test_sea_routes_rail_or_barge_only_near_the_trip_ends(session):
    """A route whose main haul is at sea carries the box by train or barge only to or from a port within
    PRECARRIAGE_RADIUS_KM of the origin or destination: no 5,000 km train and Yangtze barge from Kashgar."""
    seen_sea = 0
    for a, b in (("Kashgar", "Gwadar"), ("Kashgar", "Karachi"), ("Chongqing", "Duisburg")):
        res = session.plan(a, b, alternatives=3)
        for r in res.routes:
            if r.main_mode != "sea":
                continue
            seen_sea += 1
            o = np.array(_ends_km(r, res.origin))
            d = np.array(_ends_km(r, res.destination))
            assert ((o <= PRECARRIAGE_RADIUS_KM + 1) | (d <= PRECARRIAGE_RADIUS_KM + 1)).all(), (a, b, r.summary)
    assert seen_sea  # Chongqing -> Duisburg offers a sea route with rail pre-carriage to a Chinese port


# ------------------------------------------------------------------ 2. terminal-to-terminal time (row 14a)
@pytest.mark.parametrize("origin, destination", [("Kashgar", "Karachi"), ("Urumqi", "Islamabad")])
def test_terminal_to_terminal_time_keeps_the_karakoram_shuttle_truck(session, origin, destination):
    """The Kashgar-Havelian truck shuttle joins two railheads: it is part of the terminal-to-terminal haul,
    not first-mile drayage, so terminal-to-terminal time is at least the shuttle's driving time."""
    max_access_km = session.network.params["drayage"]["max_radius_km"]["value"] * 2
    shuttles = []
    for r in session.plan(origin, destination, alternatives=3).routes:
        if r.main_mode == "road":
            continue
        long_road = [leg for leg in r.legs if leg.mode == "road" and leg.distance_km > max_access_km]
        if long_road:
            shuttles.append(r)
            assert r.terminal_to_terminal_days * 24 >= sum(leg.transit_hours for leg in long_road), r.summary
            assert r.terminal_to_terminal_days <= r.door_to_door_days
    assert shuttles  # the rail + Karakoram truck route is offered


# ------------------------------------------------------------------ 3. one terminal switch per railhead (row 14b)
@pytest.mark.parametrize("origin, destination", [("Kashgar", "Karachi"), ("Urumqi", "Islamabad")])
def test_a_train_truck_switch_at_a_shuttle_railhead_pays_one_terminal_handling(session, origin, destination):
    """Where the Karakoram truck shuttle meets the railway (Havelian), the box is lifted once: the route
    never shows two terminal-handling stops in a row at one place."""
    checked = 0
    for r in session.plan(origin, destination, alternatives=3).routes:
        for a, b in zip(r.legs, r.legs[1:]):
            if a.mode == b.mode == "handling" and "terminal handling" in a.detail and "terminal handling" in b.detail:
                assert a.to_place != b.from_place, (r.summary, a.to_place)
        if any(leg.mode == "road" for leg in r.legs) and any(leg.mode == "rail" for leg in r.legs):
            checked += 1
    assert checked  # a rail + shuttle-truck route was examined


# ------------------------------------------------------------------ 4. detours are not alternatives (rows 9, 14c, 26)
DETOUR_TRIPS = [("Xi'an", "Almaty"), ("Kashgar", "Karachi"), ("Dar es Salaam", "Kampala"), ("Urumqi", "Islamabad"),
                ("Jeddah", "Riyadh"), ("Bandar Abbas", "Moscow")]


@pytest.mark.parametrize("origin, destination", DETOUR_TRIPS)
def test_no_alternative_is_a_detour_of_the_best_route(session, origin, destination):
    """An alternative is not both much longer and much slower than the best route: not Xi'an -> Almaty via
    Mongolia and Russia, not Kashgar -> Karachi via Iran, not Dar es Salaam -> Kampala by sea via Jebel Ali."""
    from beltroad.routing.planner import (DETOUR_KM_FACTOR_NEW_MODE, DETOUR_KM_FACTOR_SAME_MODE,
                                          DETOUR_TIME_FACTOR)

    routes = session.plan(origin, destination, alternatives=3).routes
    best = routes[0]
    for i, r in enumerate(routes[1:], start=1):
        same_mode = any(o.main_mode == r.main_mode for o in routes[:i])
        km_factor = DETOUR_KM_FACTOR_SAME_MODE if same_mode else DETOUR_KM_FACTOR_NEW_MODE
        assert not (r.distance_km > km_factor * best.distance_km
                    and r.transit_days > DETOUR_TIME_FACTOR * best.transit_days), (r.summary, r.distance_km)


@pytest.mark.parametrize("scenario", [None, "red-sea-closed"])
def test_the_detour_rule_keeps_the_sea_alternative_between_china_and_europe(session, scenario):
    """Sea between China and Europe is a real alternative to the train, also round the Cape."""
    for a, b in (("Chongqing", "Duisburg"), ("Xi'an", "Hamburg"), ("Shanghai", "Rotterdam")):
        routes = session.plan(a, b, alternatives=3, scenario=scenario).routes
        assert any(r.main_mode == "sea" for r in routes), (a, b, scenario, [r.summary for r in routes])


def test_an_asked_mode_still_gets_its_best_route_however_long(session):
    """With --mode the detour rule does not apply: Dar es Salaam -> Kampala by sea is a long way round, but it
    is what was asked for, and it is longer than the rule allows next to the road route."""
    from beltroad.routing.planner import DETOUR_KM_FACTOR_NEW_MODE

    road = session.plan("Dar es Salaam", "Kampala", mode="road", alternatives=1).routes[0]
    sea = session.plan("Dar es Salaam", "Kampala", mode="sea", alternatives=1).routes[0]
    assert sea.main_mode == "sea"
    assert sea.distance_km > DETOUR_KM_FACTOR_NEW_MODE * road.distance_km


# ------------------------------------------------------------------ 5. access links and closed borders (row 38)
def test_access_links_never_cross_a_border_closed_to_trucks(session):
    """Delhi has no terminal within a day's trucking, but its first-mile truck does not cross into Pakistan
    (no road crossing between India and Pakistan is open in the base scenario): it goes to an Indian terminal."""
    net = session.network
    access = session.planner().access
    delhi = session.resolve("Delhi")
    ind = net.countries.index("IND")
    assert not access.road_open[ind, net.countries.index("PAK")]
    for sea_fallback in (False, True):
        verts, *_ = access.edges(delhi.lat, delhi.lon, delhi.node_id, delhi.country, sea_fallback=sea_fallback)
        assert len(verts)
        countries = access.vertex_country[verts]
        if not sea_fallback:
            assert (countries == ind).all(), [net.countries[c] for c in countries]
        else:  # the skims' extra nearest port, trucked to: still not across a closed border
            assert all(c == ind or access.road_open[ind, c] for c in countries), [net.countries[c] for c in countries]


@pytest.mark.parametrize("destination", ["Mumbai", "Rotterdam"])
def test_delhi_routes_do_not_enter_pakistan(session, destination):
    routes = session.plan("Delhi", destination, alternatives=3).routes
    assert routes
    for r in routes:
        assert "PAK" not in r.countries, r.summary


# ------------------------------------------------------------------ 6. export dwell is not import dwell (rows 29, 31)
def _port_legs(route, port_name):
    return [leg for leg in route.legs if leg.mode == "handling" and leg.detail.startswith("port handling")
            and leg.from_place.startswith(port_name)]


@pytest.mark.parametrize("port, other", [("Lagos", "Accra"), ("Dar es Salaam", "Mombasa")])
def test_an_export_box_does_not_wait_the_import_dwell(session, port, other):
    """The 14-20 day dwell of African gateways is import dwell (clearance, storage); a box loaded there waits the
    export dwell (a sourced figure, else the 3-4 day norm), so sailing out is quicker than sailing in."""
    out = session.plan(port, other, mode="sea", alternatives=1).routes[0]
    back = session.plan(other, port, mode="sea", alternatives=1).routes[0]
    export, imp = _port_legs(out, port)[0], _port_legs(back, port)[-1]
    assert export.transit_hours < imp.transit_hours, (export.detail, imp.detail)
    assert "export dwell" in export.detail


def test_a_sourced_export_dwell_in_the_register_is_read_and_checked(tmp_path):
    """ports.csv may carry an optional export_dwell_days: read as a number (a non-number is a load error naming
    the line), used for loading where given, else the default; never longer than needed by the fallback."""
    import shutil

    from beltroad.data import DATA_DIR, load_dataset
    from beltroad.network.build import _Builder
    from helpers import read_csv, write_csv

    root = tmp_path / "network"
    shutil.copytree(DATA_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    rows = read_csv(root / "ports.csv")
    head = rows[0] + ["export_dwell_days"]
    code = head.index("locode")
    body = [r + [{"TZDAR": "5", "NGAPP": "abc"}.get(r[code], "")] for r in rows[1:]]
    write_csv(root / "ports.csv", [head] + body)
    ds = load_dataset(root)
    bad_line = 2 + [r[code] for r in body].index("NGAPP")
    assert any(f"ports.csv:{bad_line}" in e and "export_dwell_days" in e for e in ds.load_errors), ds.load_errors
    ports = ds.ports.set_index("locode")
    builder = _Builder(ds)
    dar = ports.loc["TZDAR"]
    assert builder._export_dwell_days(dar, 11.0) == (5.0, "register")
    default = float(ds.liner["container_dwell_days"]["export_default"]["value"])
    mombasa = ports.loc["KEMBA"]
    assert builder._export_dwell_days(mombasa, 11.0) == (default, "export_default")
    assert builder._export_dwell_days(mombasa, 2.0, "register") == (2.0, "register")  # a quicker port keeps its own
