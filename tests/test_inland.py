"""Inland waterways as their own mode (issue 10, item 4): container barges on the Yangtze, the Rhine and the
Volga-Don, on the real shipped data."""
from __future__ import annotations

import numpy as np
import pytest

from beltroad.data.loader import load_dataset
from beltroad.network.build import INLAND, KIND_NAMES, LINK, PORT, TRANSFER
from beltroad.routing.planner import RouteError, constraint_mask, normalize_constraints


def _barge_legs(route):
    return [leg for leg in route.legs if leg.mode == "inland_water"]


@pytest.fixture(scope="module")
def params():
    return load_dataset().params["inland_water"]


@pytest.fixture(scope="module")
def cq_shanghai(session):
    return session.plan("Chongqing", "Shanghai", alternatives=3)


def test_inland_water_links_are_barge_edges_on_their_own_layer(network):
    links = network.links
    barge_links = np.flatnonzero(links["mode"].to_numpy() == "inland_water")
    assert len(barge_links) >= 15  # Yangtze 7, Rhine 5, Volga-Don 3
    on_links = np.isin(network.link, barge_links)
    assert on_links.any()
    assert (network.mode[on_links] == INLAND).all()
    barge = network.layers.index("barge")
    assert (network.vertex_layer[network.src[on_links]] == barge).all()
    assert (network.vertex_layer[network.dst[on_links]] == barge).all()
    # ...and none of them became ferries
    assert not (network.vertex_layer[network.src[on_links]] == network.layers.index("ferry")).any()


def test_barge_terminals_load_from_gate_and_train_and_ships_at_seaports(network):
    barge = network.layers.index("barge")
    to_barge = network.vertex_layer[network.dst] == barge
    from_layers = {network.layers[x] for x in network.vertex_layer[network.src[to_barge & (network.kind != LINK)]]}
    assert {"gate", "port_in"} <= from_layers and any(x.startswith("rail") for x in from_layers)
    # loading waits for a departure, unloading does not
    load = to_barge & (network.kind == TRANSFER)
    unload = (network.vertex_layer[network.src] == barge) & (network.kind == TRANSFER)
    assert (network.wait_hours[load] > 0).all() and (network.wait_hours[unload] == 0).all()
    # barge <-> ship at Shanghai and Rotterdam, with the port's dwell
    for pid in ("shanghai", "rotterdam"):
        v = network.vertex(pid, "barge")
        out = (network.src == v) & (network.dst == network.vertex(pid, "port"))
        assert out.sum() == 1 and KIND_NAMES[network.kind[out][0]] == "port"
        land = (network.dst == network.vertex(pid, "port")) & (network.src == network.vertex(pid, "gate"))
        assert network.dwell_hours[out][0] == pytest.approx(network.dwell_hours[land][0])


def test_upstream_is_slower_than_downstream_on_the_yangtze(network, params):
    i = int(np.flatnonzero(network.links["id"].to_numpy() == "chongqing__yichang_port_barge")[0])
    edges = np.flatnonzero(network.link == i)
    down = edges[network.src[edges] == network.vertex("chongqing", "barge")][0]
    up = edges[network.src[edges] == network.vertex("yichang_port", "barge")][0]
    assert network.km[down] == network.km[up] == 660
    sp = params["speed_kmh"]["yangtze"]
    assert network.move_hours[down] == pytest.approx(660 / sp["downstream"]["value"])
    assert network.move_hours[up] == pytest.approx(660 / sp["upstream"]["value"])
    assert network.move_hours[up] > network.move_hours[down]


def test_chongqing_shanghai_has_a_barge_alternative(cq_shanghai, session):
    barge = [r for r in cq_shanghai.routes if r.main_mode == "inland_water"]
    assert barge, [r.summary for r in cq_shanghai.routes]
    route = barge[0]
    legs = _barge_legs(route)
    assert legs and legs[0].from_place.startswith("Chongqing") and legs[-1].to_place.startswith("Shanghai")
    km = sum(leg.distance_km for leg in legs)
    assert 2400 < km < 2900  # ~2,400 river km Chongqing - river mouth (sourced), plus the estuary to Yangshan
    days_down = sum(leg.transit_hours for leg in legs) / 24.0
    # scheduled Yangtze boats: Chongqing-Wuhan 57 h + Wuhan-Shanghai 3 days downstream (S-IW-ACT-YANGTZE)
    assert 4.0 < days_down < 8.0
    assert route.transit_days > days_down  # terminal handling and the wait for a departure come on top
    assert route.cost_usd < min(r.cost_usd for r in cq_shanghai.routes if r.main_mode in ("rail", "road"))
    up = session.plan("Shanghai", "Chongqing", mode="inland_water", alternatives=1).routes[0]
    days_up = sum(leg.transit_hours for leg in _barge_legs(up)) / 24.0
    assert days_up > days_down * 1.3  # ~100 h + 4 days upstream against 57 h + 3 days downstream


def test_rotterdam_duisburg_offers_barge(session):
    plan = session.plan("Rotterdam", "Duisburg", alternatives=3)
    modes = [r.main_mode for r in plan.routes]
    assert "inland_water" in modes, [r.summary for r in plan.routes]
    route = plan.routes[modes.index("inland_water")]
    legs = _barge_legs(route)
    assert legs[0].from_place.startswith("Rotterdam") and legs[-1].to_place == "Duisburg"
    assert route.countries == ["NLD", "DEU"]
    assert any("barge terminal" in leg.detail for leg in route.legs if leg.mode == "handling")


def test_sea_mode_chongqing_duisburg_reaches_a_chinese_port_by_rail_or_barge(session):
    for objective in ("time", "cost"):
        plan = session.plan("Chongqing", "Duisburg", mode="sea", objective=objective)
        for route in plan.routes:
            moving = [leg for leg in route.legs if leg.mode != "handling"]
            first_sea = next(i for i, leg in enumerate(moving) if leg.mode == "sea")
            pre = moving[:first_sea]
            assert pre and all(leg.mode in ("rail", "inland_water", "road") for leg in pre)
            assert sum(leg.distance_km for leg in pre if leg.mode == "road") <= 300
            assert pre[-1].to_country == "CHN"
    # the cheapest sea chain ends with the Rhine barge from Rotterdam to Duisburg
    cheapest = session.plan("Chongqing", "Duisburg", mode="sea", objective="cost").routes[0]
    barge = _barge_legs(cheapest)
    assert barge and barge[-1].from_place.startswith("Rotterdam") and barge[-1].to_place == "Duisburg"


def test_rail_and_road_modes_exclude_barges(network, session):
    for mode in ("rail", "road"):
        mask = constraint_mask(network, normalize_constraints(mode=mode))
        assert not mask[network.mode == INLAND].any()
        plan = session.plan("Chongqing", "Shanghai", mode=mode)
        assert all(leg.mode != "inland_water" for r in plan.routes for leg in r.legs)
    mask = constraint_mask(network, normalize_constraints(mode="inland_water"))
    assert mask[network.mode == INLAND].all() and not mask[network.kind == PORT].any()


def test_volga_don_routes_list_russia(session):
    plan = session.plan("Baku", "Istanbul")
    for route in plan.routes:
        for leg in _barge_legs(route):
            assert leg.to_country in route.countries
    # forced through Volgograd: the Volga-Don barge is used and Russia is listed
    forced = session.plan("Baku", "Istanbul", via=["Volgograd"], objective="cost")
    used = [r for r in forced.routes if any(leg.to_country == "RUS" for leg in _barge_legs(r))]
    assert used
    assert all("RUS" in r.countries for r in used)


def test_the_volga_don_closes_in_winter(session, network):
    summer = session.plan("Astrakhan", "Azov", mode="inland_water", month=7).routes[0]
    assert summer.countries == ["RUS"]
    length = network.links.set_index("id")["length_km"]
    chain = length[["volgograd_port__astrakhan_port_barge", "volgograd_port__rostov_barge", "rostov__azov_port_barge"]]
    assert sum(leg.distance_km for leg in _barge_legs(summer)) == pytest.approx(chain.sum())
    with pytest.raises(RouteError):
        session.plan("Astrakhan", "Azov", mode="inland_water", month=1)
    winter = session.plan("Astrakhan", "Azov", month=1)
    assert all(not _barge_legs(r) for r in winter.routes)
    windows = network.links.set_index("id")["seasonal_closure"]
    assert windows["volgograd_port__rostov_barge"] == "12-07..03-31"


def test_barge_co2_per_teu_km_is_below_road(cq_shanghai, params, network):
    barge = next(r for r in cq_shanghai.routes if r.main_mode == "inland_water")
    legs = _barge_legs(barge)
    barge_kg_km = sum(leg.co2_kg for leg in legs) / sum(leg.distance_km for leg in legs)
    road = next(r for r in cq_shanghai.routes if r.main_mode == "road")
    road_legs = [leg for leg in road.legs if leg.mode == "road"]
    road_kg_km = sum(leg.co2_kg for leg in road_legs) / sum(leg.distance_km for leg in road_legs)
    assert barge_kg_km == pytest.approx(params["co2e_kg_per_teu_km"]["value"])
    assert barge_kg_km < road_kg_km


def test_every_inland_parameter_is_sourced(params):
    def leaves(node, path=()):
        if isinstance(node, dict) and "source" in node:
            yield path, node
        elif isinstance(node, dict):
            for k, v in node.items():
                yield from leaves(v, path + (k,))
    found = list(leaves(params))
    assert len(found) >= 8
    for path, leaf in found:
        assert leaf["source"], path
