"""The planner's tables of network places (`Access.place_links`, `Planner._table_links`, `Planner._place_within`)
give what the per-query computations give, bit for bit, so reading them changes no answer."""
from __future__ import annotations

import json

import numpy as np
import pytest

from beltroad.places.cities import city_set
from beltroad.routing import planner as planner_mod
from beltroad.routing.engine import Access
from beltroad.routing.evaluate import Stops
from beltroad.routing.planner import Constraints, Planner

FIELDS = ("verts", "km", "hours", "usd", "co2", "border", "weight", "gate")


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.fixture(scope="module")
def net(session):
    return session.network


def test_place_links_equal_edges_on_every_network_place(net):
    """Every network place's slice of the table is `Access.edges` (default radius, no sea fallback) of that place:
    the same vertices in the same order, the same km, hours, USD, CO2 and border dwell to the last bit."""
    access = Access(net)
    links, start, lat, lon, country = access.place_links()
    ids = net.column("places", "id")
    assert len(start) == len(ids) + 1 and start[-1] == len(links.verts)
    for row, pid in enumerate(ids):
        want = access.edges(float(lat[row]), float(lon[row]), pid, country[row], None, sea_fallback=False)
        a, b = int(start[row]), int(start[row + 1])
        got = (links.verts[a:b], links.km[a:b], links.hours[a:b], links.usd[a:b], links.co2_kg[a:b])
        for g, w in zip(got, want):
            assert _same(g, w), pid
        assert _same(links.border_hours[a:b], access.border_hours(want[0], country[row])), pid
    # without the sea fallback some inland places have fewer links than the skims' version
    with_sea = access.edges_many([(float(a), float(b), i, c) for a, b, i, c in zip(lat, lon, ids, country)])
    assert (with_sea.count >= np.diff(start)).all() and (with_sea.count > np.diff(start)).any()


@pytest.mark.parametrize("scenario", ["baseline", "no-russia-belarus-transit"])
def test_table_links_equal_the_computed_ones(session, net, scenario, monkeypatch):
    """The planner's access links of network places read from the table equal those it computes, for every
    objective, with and without avoided countries; a place that is not a network place as the table has it
    (moved, other country) or another drayage radius is computed, not read."""
    rng = np.random.default_rng(5)
    nodes = session.gazetteer.nodes
    sample = [nodes[i] for i in rng.choice(len(nodes), 120, replace=False)]
    pl = session.planner(scenario)
    for objective in ("time", "cost", "co2", "generalized"):
        base = pl._base(objective)
        for avoid in ((), ("KAZ",), ("RUS", "IRN")):
            c = Constraints(avoid_countries=avoid)
            monkeypatch.setattr(planner_mod, "PLACE_TABLES", False)
            pl._stop_cache.clear()
            want = pl._access(sample, c, base)
            monkeypatch.setattr(planner_mod, "PLACE_TABLES", True)
            pl._stop_cache.clear()
            got = [pl._table_links(p, c, base) for p in sample]
            for p, g, w in zip(sample, got, want):
                assert g is not None, p
                for f in FIELDS:
                    assert _same(getattr(g, f), getattr(w, f)), (p.node_id, objective, avoid, f)
    from dataclasses import replace

    p = sample[0]
    assert pl._table_links(replace(p, lat=p.lat + 0.01), Constraints(), base) is None
    assert pl._table_links(replace(p, country="XXX"), Constraints(), base) is None
    assert pl._table_links(p, Constraints(max_drayage_km=80.0), base) is None
    monkeypatch.setattr(planner_mod, "PLACE_TABLES", False)
    assert pl._table_links(p, Constraints(), base) is None


def test_place_within_equals_stops_within(session, net, monkeypatch):
    """The radius masks of network places read from the table equal `Stops.within`'s, for every network place
    and every radius the planner asks."""
    monkeypatch.setattr(planner_mod, "PLACE_TABLES", True)
    pl = session.planner()
    nodes = session.gazetteer.nodes
    radii = pl._table_radii()
    assert len(radii) >= 2
    for p in nodes:
        q = Stops([p], None)
        for r in radii:
            got = pl._place_within(p, r)
            assert got is not None and _same(got, q.within(net, 0, r, pl._vertex_xyz)), (p.node_id, r)
    from dataclasses import replace

    assert pl._place_within(replace(nodes[0], lon=nodes[0].lon + 0.01), radii[0]) is None
    assert pl._place_within(nodes[0], 123.0) is None


def test_plans_with_and_without_the_tables_are_identical(session, monkeypatch):
    """Whole plans (routes with geometry) with the tables and without them are the same text, on city pairs that
    name network places and ones that do not, for several modes and objectives."""
    cities = city_set("world-200", session.gazetteer)[::7]
    nodes = session.gazetteer.nodes[::37]
    ends = list(zip(cities[:12] + nodes[:12], cities[12:24] + nodes[12:24]))
    opts = [dict(alternatives=3), dict(alternatives=1, objective="cost"), dict(mode="sea", alternatives=1),
            dict(mode="rail", alternatives=2, objective="generalized")]

    def answers(on: bool) -> list[str]:
        monkeypatch.setattr(planner_mod, "PLACE_TABLES", on)
        out = []
        for i, (o, d) in enumerate(ends):
            pl = session.planner()
            pl._stop_cache.clear()
            pl._within_cache.clear()
            try:
                out.append(json.dumps(session.plan(o, d, **opts[i % len(opts)]).to_dict(geometry=True), default=str))
            except Exception as e:  # noqa: BLE001 (an error must be the same error)
                out.append(f"{type(e).__name__}: {e}")
        return out

    on, off = answers(True), answers(False)
    assert sum(not a.startswith(("RouteError", "PlaceError")) for a in on) >= len(on) // 2
    assert on == off


def test_planner_without_tables_still_plans(session, monkeypatch):
    """Tables off (a one-shot CLI process): a network place's links are computed per query and answers match."""
    monkeypatch.setattr(planner_mod, "PLACE_TABLES", False)
    pl = Planner(session.network, session.state())
    assert "_place_links" not in pl.access.__dict__
    o, d = session.resolve("Chongqing"), session.resolve("Duisburg")
    res = pl.plan(o, d, alternatives=1)
    assert res.routes and "_place_links" not in pl.access.__dict__


def test_rail_port_table_equals_the_parts_per_stop(session, net, monkeypatch):
    """The rail-port parts of network places read from the table (as a trip end and as a via) equal
    `_rail_port_part`, for every network place; links other than the table's (an avoided country) are not read."""
    monkeypatch.setattr(planner_mod, "PLACE_TABLES", True)
    pl = session.planner()
    base = pl._base("time")
    nodes = session.gazetteer.nodes
    links = pl._access(nodes, Constraints(), base)
    for p, acc in zip(nodes, links):
        q = Stops([p], None)
        for is_end in (False, True):
            got = pl._table_rail_port(p, acc, is_end)
            assert got is not None and _same(got, pl._rail_port_part(0, p, acc, is_end, q)), (p.node_id, is_end)
    fewer = [(p, a) for p, a in zip(nodes, pl._access(nodes, Constraints(avoid_countries=("RUS",)), base))
             if len(a.verts) < len(pl._table_links(p, Constraints(), base).verts)]
    assert fewer and all(pl._table_rail_port(p, a, True) is None for p, a in fewer)


def test_within_of_several_radii_at_once_equals_one_by_one(session, net):
    """`Stops.within` computing the planner's radii in one pass gives each radius' mask as computed alone, on
    random points and network places, whichever radius is asked first."""
    from beltroad.places import Place

    pl = session.planner()
    radii = pl._table_radii()
    rng = np.random.default_rng(11)
    points = [Place("p", "", float(a), float(b), "coordinates") for a, b in
              zip(rng.uniform(-60, 70, 150), rng.uniform(-180, 180, 150))] + session.gazetteer.nodes[::20]
    for k, p in enumerate(points):
        together = Stops([p], None, None, radii)
        first = radii[k % len(radii)]
        together.within(net, 0, first, pl._vertex_xyz)
        assert len(together._within) == len(radii)
        for r in radii:
            alone = Stops([p], None).within(net, 0, r, pl._vertex_xyz)
            assert _same(together.within(net, 0, r, pl._vertex_xyz), alone), (k, r)


def test_tables_are_shared_by_the_scenarios_planners(session, monkeypatch):
    """The tables depend on the network only: every scenario's planner reads the same arrays (built once)."""
    monkeypatch.setattr(planner_mod, "PLACE_TABLES", True)
    a, b = session.planner(), session.planner("no-russia-belarus-transit")
    a.warm_place_tables()
    b.warm_place_tables()
    assert a.access.place_links()[0] is b.access.place_links()[0]
    assert a._within_tables() is b._within_tables() and a._rail_port_tables() is b._rail_port_tables()
