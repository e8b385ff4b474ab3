"""The route planner on the real network: alternatives, constraints, objectives, result views and errors.

Assertions are relations between plans (faster / cheaper / avoids / passes), never copied model numbers.
"""
from __future__ import annotations

import json
import math

import pytest

from beltroad.data.sea import PASSAGES
from beltroad.routing.planner import RouteError

ROUTE_KEYS = {"rank", "summary", "modes", "main_mode", "distance_km", "transit_days", "cost_usd", "co2_kg", "countries",
              "passages", "border_crossings", "gauge_changes", "transfers", "corridors", "legs", "door_to_door_days",
              "terminal_to_terminal_days", "time_breakdown_hours"}
LEG_KEYS = {"mode", "from", "to", "distance_km", "transit_hours", "cost_usd", "co2_kg", "detail", "hours_by_part"}
PLACE_KEYS = {"name", "country", "lat", "lon", "kind", "node_id", "population", "locode"}
MOVING = {"rail", "road", "sea", "ferry", "inland_water"}


def _generalized(route, net) -> float:
    vot = net.params["value_of_time"]
    per_day = vot["cargo_value_usd_per_teu"]["value"] * vot["ad_valorem_pct_per_day"]["value"] / 100.0
    return route.cost_usd + route.transit_days * per_day + route.co2_kg / 1000.0 * net.params["carbon_price_usd_per_t"]["value"]


@pytest.fixture(scope="module")
def plans(session):
    """The same trip under each objective."""
    return {obj: session.plan("Chongqing", "Duisburg", objective=obj) for obj in ("time", "cost", "co2", "generalized")}


# ------------------------------------------------------------------------------------------ the flagship trip
def test_chongqing_duisburg_offers_rail_through_kazakhstan_and_sea_through_suez(cq_duisburg):
    routes = cq_duisburg.routes
    assert len(routes) == 3
    rail = [r for r in routes if r.main_mode == "rail" and "KAZ" in r.countries]
    sea = [r for r in routes if r.main_mode == "sea" and "suez" in r.passages]
    assert rail, [r.summary for r in routes]
    assert sea, [r.summary for r in routes]
    # rail through Kazakhstan is the faster of the two, the sea route the cheaper
    assert min(r.transit_days for r in rail) < min(r.transit_days for r in sea)
    assert min(r.cost_usd for r in sea) < min(r.cost_usd for r in rail)
    assert min(r.co2_kg for r in rail) < max(r.co2_kg for r in routes)


def test_the_rail_route_changes_gauge_entering_the_1520_network(cq_duisburg):
    rail = next(r for r in cq_duisburg.routes if r.main_mode == "rail" and "KAZ" in r.countries)
    assert any(g["from_mm"] == 1435 and g["to_mm"] == 1520 for g in rail.gauge_changes)
    assert {"china_rail", "northern_kz"} <= set(rail.corridors)
    assert any({b["from_country"], b["to_country"]} == {"CHN", "KAZ"} for b in rail.border_crossings)
    assert len(rail.border_crossings) >= 4  # CHN-KAZ, KAZ-RUS, RUS-BLR, BLR-POL at least


def test_routes_are_ranked_by_the_objective(cq_duisburg, plans):
    for result in [cq_duisburg, *plans.values()]:
        assert [r.rank for r in result.routes] == list(range(1, len(result.routes) + 1))
        values = [r.objective_value for r in result.routes]
        assert values == sorted(values)
    days = [r.transit_days for r in cq_duisburg.routes]
    assert days == sorted(days)


def test_route_totals_are_the_sums_of_their_legs(cq_duisburg, cq_duisburg_no_rus_blr):
    for r in cq_duisburg.routes + cq_duisburg_no_rus_blr.routes:
        assert r.distance_km == pytest.approx(sum(leg.distance_km for leg in r.legs), rel=1e-9)
        assert r.transit_days * 24 == pytest.approx(sum(leg.transit_hours for leg in r.legs), rel=1e-9)
        assert r.cost_usd == pytest.approx(sum(leg.cost_usd for leg in r.legs), rel=1e-9)
        assert r.co2_kg == pytest.approx(sum(leg.co2_kg for leg in r.legs), rel=1e-9)
        assert all(leg.distance_km >= 0 and leg.transit_hours >= 0 and leg.cost_usd >= 0 for leg in r.legs)
        assert set(r.modes) <= MOVING and r.main_mode in r.modes


def test_routes_start_and_end_in_the_right_countries_and_legs_connect(cq_duisburg):
    for r in cq_duisburg.routes:
        assert r.countries[0] == "CHN" and r.countries[-1] == "DEU"
        assert all(a != b for a, b in zip(r.countries, r.countries[1:]))
        movement = [leg for leg in r.legs if not leg.detail.startswith("export and import customs")]
        for a, b in zip(movement, movement[1:]):
            assert a.to_place == b.from_place, (a, b)
        assert movement[0].from_place == "Chongqing" and movement[-1].to_place == "Duisburg"
        assert r.legs[-1].detail.startswith("export and import customs")  # an international move


def test_a_domestic_move_has_no_customs(session):
    r = session.plan("Chongqing", "Xian", alternatives=1).routes[0]
    assert r.countries == ["CHN"]
    assert not r.border_crossings
    assert not any("customs" in leg.detail for leg in r.legs)


def test_planning_is_deterministic(session, cq_duisburg):
    again = session.plan("Chongqing", "Duisburg")
    assert again.to_dict(geometry=True) == cq_duisburg.to_dict(geometry=True)


# ------------------------------------------------------------------------------------------ constraints
def test_avoiding_russia_and_belarus(cq_duisburg, cq_duisburg_no_rus_blr):
    routes = cq_duisburg_no_rus_blr.routes
    assert routes
    for r in routes:
        assert not {"RUS", "BLR"} & set(r.countries), r.summary
        for b in r.border_crossings:
            assert not {"RUS", "BLR"} & {b["from_country"], b["to_country"]}
    # a Middle Corridor route over the Caspian and the Caucasus is offered
    assert any({"AZE", "GEO"} & set(r.countries) for r in routes), [r.summary for r in routes]
    middle = next(r for r in routes if {"AZE", "GEO"} & set(r.countries))
    assert "middle_corridor" in middle.corridors and "ferry" in middle.modes
    # and the best China-EU route gets slower than the unconstrained best
    assert routes[0].transit_days > cq_duisburg.routes[0].transit_days
    assert any({"RUS"} & set(r.countries) for r in cq_duisburg.routes)  # the baseline did use Russia


def test_avoid_suez_by_sea_goes_round_the_cape(session):
    base = session.plan("Chongqing", "Duisburg", mode="sea", alternatives=1).routes[0]
    res = session.plan("Chongqing", "Duisburg", mode="sea", avoid_passages=["suez"])
    assert res.routes
    for r in res.routes:
        assert r.main_mode == "sea"
        assert "suez" not in r.passages
    assert "cape" in res.routes[0].passages
    assert "suez" in base.passages
    assert res.routes[0].transit_days > base.transit_days
    assert res.routes[0].distance_km > base.distance_km


def test_passage_aliases_are_accepted(session):
    a = session.plan("Singapore", "Rotterdam", mode="sea", avoid_passages=["Suez-Canal"], alternatives=1)
    b = session.plan("Singapore", "Rotterdam", mode="sea", avoid_passages=["suez"], alternatives=1)
    assert a.routes[0].summary == b.routes[0].summary
    assert "cape" in a.routes[0].passages


def test_with_every_way_to_europe_closed_there_is_no_sea_route(session):
    with pytest.raises(RouteError):
        session.plan("Shanghai", "Rotterdam", mode="sea", avoid_passages=["suez", "cape", "panama", "magellan"])


def test_rail_route_changes_gauge_into_and_out_of_the_1520_network(session):
    res = session.plan("Chongqing", "Duisburg", mode="rail")
    via_kaz = [r for r in res.routes if "KAZ" in r.countries and "AZE" not in r.countries]
    assert via_kaz, [r.summary for r in res.routes]
    changes = [(g["from_mm"], g["to_mm"]) for g in via_kaz[0].gauge_changes]
    assert changes == [(1435, 1520), (1520, 1435)]


def _routes_by(session, origin: str, destination: str, mode: str) -> list:
    """The routes planned with `mode`: at least one, each with that main haul."""
    routes = session.plan(origin, destination, mode=mode).routes
    assert routes and all(r.main_mode == mode for r in routes), [r.summary for r in routes]
    return routes


def test_mode_rail_keeps_to_land(session):
    for r in _routes_by(session, "Chongqing", "Duisburg", "rail"):
        assert "sea" not in r.modes and not r.passages


def test_mode_sea(session):
    """The main haul is at sea; rail may carry the box to and from the ports, trucks only locally."""
    for r in _routes_by(session, "Chongqing", "Duisburg", "sea"):
        assert r.passages
        assert all(leg.distance_km <= 250 for leg in r.legs if leg.mode == "road"), r.summary


def test_mode_road(session):
    for r in _routes_by(session, "Kashgar", "islamabad", "road"):
        assert r.modes == ["road"]
        assert not r.gauge_changes and r.transfers == 0
        assert r.countries == ["CHN", "PAK"]


def test_via_forces_the_route_through_a_place(session, cq_duisburg):
    res = session.plan("Chongqing", "Duisburg", via=["Baku"])
    for r in res.routes:
        assert "AZE" in r.countries
    assert res.routes[0].transit_days >= cq_duisburg.routes[0].transit_days


def test_max_transfers(session):
    res = session.plan("Chongqing", "Duisburg", max_transfers=2)
    assert res.routes and all(r.transfers <= 2 for r in res.routes)
    assert any("transfers" in n for n in res.notes)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_number_of_alternatives(session, n):
    res = session.plan("Xian", "Madrid", alternatives=n)
    assert 1 <= len(res.routes) <= n
    if n == 1:
        assert len(res.routes) == 1


@pytest.mark.parametrize("trip", [("Chongqing", "Duisburg"), ("Xian", "Madrid"), ("Shanghai", "Rotterdam"),
                                  ("Lodz", "Chengdu")])
def test_alternatives_are_distinct(session, trip):
    res = session.plan(*trip, alternatives=3)
    assert len(res.routes) >= 2
    summaries = [r.summary for r in res.routes]
    assert len(set(summaries)) == len(summaries), summaries
    sigs = [(r.main_mode, tuple(r.countries), tuple(r.passages)) for r in res.routes]
    assert len(set(sigs)) == len(sigs)


# ------------------------------------------------------------------------------------------ objectives
def test_cost_objective_is_no_dearer_than_the_fastest_route(plans):
    assert plans["cost"].routes[0].cost_usd <= plans["time"].routes[0].cost_usd
    assert plans["time"].routes[0].transit_days <= plans["cost"].routes[0].transit_days
    for obj in ("cost", "co2", "generalized"):
        assert plans["time"].routes[0].transit_days <= plans[obj].routes[0].transit_days


def test_co2_objective_is_the_cleanest(plans):
    for obj in ("time", "cost", "generalized"):
        assert plans["co2"].routes[0].co2_kg <= plans[obj].routes[0].co2_kg
    assert plans["co2"].objective == "co2"


def test_generalized_objective_is_the_best_generalized_cost(plans, network):
    best = _generalized(plans["generalized"].routes[0], network)
    for obj in ("time", "cost", "co2"):
        assert best <= _generalized(plans[obj].routes[0], network) * (1 + 1e-9)
    assert plans["generalized"].routes[0].objective_value == pytest.approx(best)


def _best_generalized(session, **prices):
    """The best Chongqing -> Duisburg route on the generalised cost at the given prices."""
    return session.plan("Chongqing", "Duisburg", objective="generalized", alternatives=1, **prices).routes[0]


@pytest.mark.parametrize("price, low_price, priced, paid_in", [
    ("value_of_time_usd_per_teu_day", 1, "transit_days", "cost_usd"),  # a high value of time buys speed with money
    ("carbon_price_usd_per_t", 0, "co2_kg", None)])                     # a high carbon price cuts emissions
def test_a_higher_price_buys_less_of_what_it_prices(session, price, low_price, priced, paid_in):
    low = _best_generalized(session, **{price: low_price})
    high = _best_generalized(session, **{price: 5000})
    assert getattr(high, priced) <= getattr(low, priced)
    if paid_in:
        assert getattr(low, paid_in) <= getattr(high, paid_in)
    # the override does not leak into the session's planner
    state = session.planner().state
    assert 5000 not in (state.value_of_time_usd_per_day, state.carbon_price_usd_per_t)


# ------------------------------------------------------------------------------------------ quantity
def test_two_teu_double_cost_and_co2_of_the_same_route(session, cq_duisburg, network):
    two = session.plan("Chongqing", "Duisburg", teu=2)
    assert two.quantity == "2 TEU" and cq_duisburg.quantity == "1 TEU"
    for one_r, two_r in zip(cq_duisburg.routes, two.routes):
        assert one_r.summary == two_r.summary
        assert two_r.cost_usd == pytest.approx(2 * one_r.cost_usd)
        assert two_r.co2_kg == pytest.approx(2 * one_r.co2_kg)
        assert two_r.transit_days == pytest.approx(one_r.transit_days)
        assert two_r.distance_km == pytest.approx(one_r.distance_km)
        for a, b in zip(one_r.legs, two_r.legs):
            assert b.cost_usd == pytest.approx(2 * a.cost_usd)
    # tonnes convert at the sourced payload per TEU
    payload = network.params["teu_payload_t"]["value"]
    by_weight = session.plan("Chongqing", "Duisburg", tonnes=2 * payload)
    assert by_weight.routes[0].cost_usd == pytest.approx(two.routes[0].cost_usd)


# ------------------------------------------------------------------------------------------ views
def test_to_frame(cq_duisburg):
    df = cq_duisburg.to_frame()
    assert len(df) == len(cq_duisburg.routes)
    assert {"rank", "summary", "main_mode", "distance_km", "transit_days", "cost_usd", "co2_kg", "countries",
            "passages", "border_crossings", "gauge_changes", "transfers"} <= set(df.columns)
    assert df["rank"].tolist() == [r.rank for r in cq_duisburg.routes]
    assert df["transit_days"].tolist() == [r.transit_days for r in cq_duisburg.routes]
    assert df["countries"].iloc[0] == "-".join(cq_duisburg.routes[0].countries)
    legs = cq_duisburg.legs_frame(1)
    assert list(legs.columns) == ["mode", "from", "to", "distance_km", "transit_hours", "cost_usd", "co2_kg", "detail",
                                  "hours_by_part"]
    assert len(legs) == len(cq_duisburg.routes[0].legs)
    assert legs["distance_km"].sum() == pytest.approx(cq_duisburg.routes[0].distance_km, abs=1.0)


def test_to_geojson(cq_duisburg):
    gj = cq_duisburg.to_geojson()
    json.dumps(gj)
    assert gj["type"] == "FeatureCollection"
    assert gj["properties"]["origin"] == "Chongqing"
    feats = gj["features"]
    movement_legs = sum(1 for r in cq_duisburg.routes for leg in r.legs if leg.mode != "handling")
    assert len(feats) == movement_legs  # every movement leg has a line
    for f in feats:
        assert f["type"] == "Feature"
        assert f["geometry"]["type"] == "LineString"
        coords = f["geometry"]["coordinates"]
        assert len(coords) >= 2
        assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in coords)
        assert f["properties"]["route_rank"] in {r.rank for r in cq_duisburg.routes}
        assert f["properties"]["mode"] in MOVING
    sea = [f for f in feats if f["properties"]["mode"] == "sea"]
    assert sea and all(len(f["geometry"]["coordinates"]) > 10 for f in sea)


def test_leg_lines_start_and_end_at_their_places(session, cq_duisburg):
    net = session.network
    pos = {n: (lon, lat) for n, lon, lat in zip(net.places["name"], net.places["lon"], net.places["lat"])}
    for r in cq_duisburg.routes:
        for leg in r.legs:
            if leg.mode == "handling" or leg.from_place not in pos or leg.to_place not in pos:
                continue
            start, end = leg.coordinates[0], leg.coordinates[-1]
            fx, fy = pos[leg.from_place]
            tx, ty = pos[leg.to_place]
            tol = 1e-6  # sailings are drawn from quay to quay
            assert math.dist(start, (fx, fy)) <= tol and math.dist(end, (tx, ty)) <= tol, leg


def test_json_has_the_documented_shape(cq_duisburg):
    d = json.loads(json.dumps(cq_duisburg.to_dict()))
    assert set(d) == {"origin", "destination", "scenario", "objective", "quantity", "routes", "notes",
                      "value_of_time_usd_per_teu_day", "carbon_price_usd_per_t"}
    assert set(d["origin"]) == PLACE_KEYS and set(d["destination"]) == PLACE_KEYS
    assert d["scenario"] == "baseline" and d["objective"] == "time" and d["quantity"] == "1 TEU"
    for r in d["routes"]:
        assert set(r) == ROUTE_KEYS
        assert set(r["passages"]) <= set(PASSAGES)
        assert all(len(c) == 3 and c.isupper() for c in r["countries"])
        for leg in r["legs"]:
            assert set(leg) == LEG_KEYS
    with_geometry = cq_duisburg.to_dict(geometry=True)
    assert all("coordinates" in leg for r in with_geometry["routes"] for leg in r["legs"])


# ------------------------------------------------------------------------------------------ errors
def test_avoiding_the_destination_country_is_impossible(session):
    with pytest.raises(RouteError) as exc:
        session.plan("Chongqing", "Duisburg", avoid_countries=["DEU"])
    assert exc.value.blocking == ["--avoid-country DEU"]
    assert "DEU" in str(exc.value) and "Duisburg" in str(exc.value)


def test_avoiding_the_origin_country_is_impossible(session):
    with pytest.raises(RouteError) as exc:
        session.plan("Chongqing", "Duisburg", avoid_countries=["cn"])  # ISO2, any case
    assert exc.value.blocking == ["--avoid-country CHN"]


def test_an_inland_origin_cannot_ship_by_sea(session):
    with pytest.raises(RouteError) as exc:
        session.plan("Urumqi", "Rotterdam", mode="sea")
    err = exc.value
    assert err.blocking == ["--mode sea"]
    assert "--mode sea" in err.message
    assert err.relaxed and "Without --mode sea" in str(err)


def test_too_few_transfers_for_rail_is_impossible(session):
    # a rail haul needs a terminal transfer at each end
    with pytest.raises(RouteError) as exc:
        session.plan("Chongqing", "Duisburg", mode="rail", max_transfers=1)
    err = exc.value
    assert "--max-transfers 1" in err.blocking
    assert "Without --max-transfers 1:" in str(err)


def test_the_error_names_every_constraint_that_blocks(session):
    with pytest.raises(RouteError) as exc:
        session.plan("Chongqing", "Duisburg", mode="rail", avoid_countries=["KAZ", "MNG", "RUS", "KGZ", "PAK"])
    err = exc.value
    assert err.blocking and set(err.blocking) <= {"--mode rail", "--avoid-country KAZ", "--avoid-country MNG",
                                                   "--avoid-country RUS", "--avoid-country KGZ",
                                                   "--avoid-country PAK"}  # KGZ, PAK: truck shuttles round them
    assert "--mode rail" in err.blocking
    for b in err.blocking:
        assert f"Without {b}:" in str(err)


@pytest.mark.parametrize("kwargs,message", [
    (dict(objective="fast"), "objective: must be 'time', 'cost', 'co2' or 'generalized' (got 'fast')"),
    (dict(mode="plane"), "mode: must be 'multimodal', 'rail', 'sea', 'road' or 'inland_water' (got 'plane')"),
    (dict(avoid_passages=["atlantis"]), "--avoid-passage 'atlantis' is not a known passage"),
    (dict(avoid_countries=["ZZZ"]), "--avoid-country 'ZZZ' is not an ISO country code"),
    (dict(alternatives=0), "alternatives: must be greater than or equal to 1"),
    (dict(alternatives=11), "alternatives: must be less than or equal to 10"),
    (dict(teu=0), "teu: must be greater than 0"),
    (dict(tonnes=-5), "tonnes: must be greater than 0"),
    (dict(max_transfers=-1), "max_transfers: must be greater than or equal to 0"),
])
def test_bad_options_raise_value_error(session, kwargs, message):
    with pytest.raises(ValueError) as exc:
        session.plan("Chongqing", "Duisburg", **kwargs)
    assert not isinstance(exc.value, RouteError)
    assert message in str(exc.value)


def test_module_level_plan_uses_the_default_session(cq_duisburg):
    from beltroad import service

    res = service.plan("Chongqing", "Duisburg")
    assert [r.summary for r in res.routes] == [r.summary for r in cq_duisburg.routes]


def test_value_of_time_override_changes_the_generalized_choice(session):
    """A low value of time favours the cheap route, a high one the fast route (fresh weights per override)."""
    cheap = session.plan("Chongqing", "Duisburg", objective="generalized", alternatives=1,
                         value_of_time_usd_per_teu_day=10).routes[0]
    fast = session.plan("Chongqing", "Duisburg", objective="generalized", alternatives=1,
                        value_of_time_usd_per_teu_day=5000).routes[0]
    assert cheap.cost_usd < fast.cost_usd
    assert fast.transit_days < cheap.transit_days
