"""A freight forwarder's review of the shipped data (review.md): trips inside India stay in India, North India
reaches its ports by the Delhi-JNPT rail and road corridors, and no Indian trip leaves by the India-Pakistan
land border, where trade has been suspended since 2019 and the dataset has no crossing.
"""
from __future__ import annotations

import pytest

from beltroad.data.geo import haversine_km


@pytest.fixture(scope="module")
def ds():
    from beltroad.data.loader import embedded_dataset

    return embedded_dataset()


def test_north_india_has_an_inland_container_terminal_on_the_rail_network(ds):
    """Delhi (28.61 N, 77.21 E) needs a rail-linked dry port within drayage reach; before the review the
    nearest Indian terminal was a seaport ~950 km away, so Delhi's trips started in Lahore."""
    nodes = ds.nodes.drop_duplicates("id")
    ind = nodes[nodes["country"].eq("IND") & nodes["kind"].isin(["dry_port", "rail_terminal", "city"])]
    near = ind[haversine_km(28.61, 77.21, ind["lat"].to_numpy(float), ind["lon"].to_numpy(float)) <= 150]
    assert len(near), "no Indian inland terminal within 150 km of Delhi"
    rail = ds.links[ds.links["mode"].eq("rail") & ds.links["status"].eq("open")]
    linked = set(rail["from"]) | set(rail["to"])
    assert set(near["id"]) & linked, "the Delhi terminals have no open rail link"


def test_delhi_to_mumbai_stays_in_india_and_takes_days_not_weeks(session):
    res = session.plan("Delhi", "Mumbai", alternatives=3)
    best = res.routes[0]
    assert best.countries == ["IND"], best.summary
    # ~1,400-1,500 km by road or rail; a container train or a truck takes 2-4 days, not a month
    assert best.distance_km < 2000, best.distance_km
    assert best.transit_days < 6, best.transit_days
    for r in res.routes:
        assert "PAK" not in r.countries and "CHN" not in r.countries, r.summary


def test_delhi_rail_to_the_port_uses_the_western_corridor(session):
    r = session.plan("Delhi", "Nhava Sheva", mode="rail").routes[0]
    rail_km = sum(leg.distance_km for leg in r.legs if leg.mode == "rail")
    assert r.countries == ["IND"]
    assert 1300 < rail_km < 1700, rail_km  # WDFC Dadri-JNPT is 1,506 route km


def test_no_delhi_trip_leaves_india_by_the_closed_pakistan_land_border(session):
    """Overseas trips from Delhi rail to an Indian port and sail from there (before the review they trucked to
    Lahore and crossed Pakistan, Iran or China)."""
    places = session.network.places
    country_of = dict(zip(places["name"], places["country"]))
    for dest in ("Rotterdam", "Dubai", "Shanghai"):
        routes = session.plan("Delhi", dest, alternatives=3).routes
        assert routes, dest
        for r in routes:
            assert "PAK" not in r.countries, (dest, r.summary)
            sea = [leg for leg in r.legs if leg.mode == "sea"]
            assert sea and country_of.get(sea[0].from_place) == "IND", (dest, r.summary)


def test_kenya_uganda_trucks_wait_hours_at_the_border_whichever_post_they_take(session):
    """Busia and Malaba both keep trucks waiting more than six hours (The EastAfrican, 2023); Busia's
    clearance-only figure (under 1 h) made it the quick crossing of every Mombasa-Kampala truck."""
    r = session.plan("Mombasa", "Kampala", mode="road").routes[0]
    assert r.countries == ["KEN", "UGA"]
    assert r.time_breakdown_hours["border"] >= 6.0, r.time_breakdown_hours


def test_dar_es_salaam_to_kampala_goes_inland_not_by_sea_via_dubai(session):
    """The Central Line to Mwanza and the Lake Victoria wagon ferry to Port Bell are Tanzania's rail route to
    Uganda; without them the planner's second choice was a 46-day voyage Dar es Salaam - Jebel Ali - Mombasa."""
    routes = session.plan("Dar es Salaam", "Kampala", alternatives=3).routes
    for r in routes:
        assert set(r.countries) <= {"TZA", "KEN", "UGA"}, r.summary
        assert r.transit_days < 15, (r.summary, r.transit_days)
    rail = [r for r in routes if r.main_mode == "rail"]
    assert rail and rail[0].countries == ["TZA", "UGA"], [r.summary for r in routes]
    assert any(leg.mode == "inland_water" for leg in rail[0].legs), rail[0].summary


def test_turkey_reaches_iraq_by_road_over_habur(session):
    """Habur - Ibrahim Khalil carries ~45 % of the Iraq - Türkiye land crossings; without it the only way from
    Mersin to Baghdad was a 41-day voyage through Suez and around Arabia to Umm Qasr."""
    routes = session.plan("Mersin", "Baghdad", alternatives=3).routes
    road = [r for r in routes if r.main_mode == "road"]
    assert road, [r.summary for r in routes]
    assert road[0].countries == ["TUR", "IRQ"] and road[0].distance_km < 2000, road[0].summary
    assert road[0].terminal_to_terminal_days < 6, road[0].terminal_to_terminal_days


def test_abidjan_ouagadougou_has_the_sitarail_train(session):
    """Sitarail's container block trains run Abidjan - Ouagadougou in ~48 h (2023); without the line the
    planner's alternative to the truck was a 49-day voyage to Tema and Lomé."""
    r = session.plan("Abidjan", "Ouagadougou", mode="rail").routes[0]
    rail = [leg for leg in r.legs if leg.mode == "rail"]
    assert r.countries == ["CIV", "BFA"] and rail
    assert 1000 < sum(leg.distance_km for leg in rail) < 1300
    assert 36 <= sum(leg.transit_hours for leg in rail) <= 72, [leg.transit_hours for leg in rail]


def test_moscow_reaches_baku_overland_through_dagestan(session):
    """The North-South corridor's western branch (Makhachkala - Derbent - Samur/Yalama - Baku) carries most
    Russia - Azerbaijan freight; without it every Moscow - Baku route went round via Kazakhstan and the
    Aktau ferry."""
    res = session.plan("Moscow", "Baku", alternatives=3)
    best = res.routes[0]
    assert best.countries == ["RUS", "AZE"] and "ferry" not in best.modes, best.summary
    assert best.distance_km < 3200, best.distance_km
    assert any(r.main_mode == "road" and r.countries == ["RUS", "AZE"] for r in res.routes), \
        [r.summary for r in res.routes]


def test_chattogram_dhaka_has_the_container_train(session):
    """Container trains run Chattogram port - Kamalapur ICD (321 km, ~4 a day); the planner offered only the
    truck."""
    routes = session.plan("Chittagong", "Dhaka", alternatives=3).routes
    rail = [r for r in routes if r.main_mode == "rail"]
    assert rail and rail[0].countries == ["BGD"], [r.summary for r in routes]
    assert 300 < rail[0].distance_km < 360 and rail[0].transit_days < 2, (rail[0].distance_km, rail[0].transit_days)
