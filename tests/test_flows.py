"""Flows and capacity (docs/flows.md) on the shipped data: conservation, equilibrium, capacity, scenarios."""
from __future__ import annotations

import numpy as np
import pytest

from beltroad import flows
from beltroad.flows.assign import GAP_TOL, QUEUE_PERIOD_H
from beltroad.flows.capacity import FlowsError, load_capacity_table, parse_factors


@pytest.fixture(scope="module")
def base(session):
    res, _ = flows.run("baseline", session=session)
    return res


def _ind(res, name):
    t = flows.indicators(res).set_index("indicator")["teu"]
    return float(t.get(name, 0.0))


def _el(res, element):
    e = res.elements
    return float(e.loc[e["element"] == element, "flow_teu_yr"].sum())


def test_every_capacity_and_total_is_sourced():
    from pathlib import Path

    import pandas as pd

    src_dir = Path(flows.__file__).resolve().parents[1] / "data" / "network" / "sources"
    ids = set(pd.concat([pd.read_csv(p) for p in src_dir.glob("*.csv")])["id"])
    cap = load_capacity_table()
    for s in cap["source"]:
        for sid in s.split(";"):
            assert sid in ids or sid[:1] in "AP" and sid[1:2].isdigit(), sid
    from beltroad.flows.demand import TOTALS

    for *_, s in TOTALS:
        for sid in s.split(";"):
            assert sid in ids, sid
    assert (cap["capacity_teu_yr"] > 0).all()


def test_demand_scaled_to_sourced_totals(session):
    from beltroad.flows.demand import TOTALS, block_of, economy_table

    d = flows.baseline_demand(session)
    iso = np.array(d.zone_group)
    region = dict(zip(*economy_table()[["iso3", "region"]].to_numpy().T))
    n = len(iso)
    oi, di = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    blocks = block_of(iso[oi.ravel()], iso[di.ravel()], region).reshape(n, n)
    for name, total, *_ in TOTALS:
        assert d.matrix[blocks == name].sum() == pytest.approx(total, rel=1e-6)
    assert len(d.zones) > 150 and (np.diag(d.matrix) == 0).all()


def test_flows_conserve_demand(base):
    reach = sum(base.class_demand.values())
    assert reach.sum() == pytest.approx(base.demand.sum(), rel=1e-3)
    # every box leaves its origin on an access link and reaches its destination on one
    assert base.access_teu == pytest.approx(2 * reach.sum(), rel=1e-3)


def test_equilibrium_gap_and_capacity(base):
    assert base.gap < GAP_TOL
    el = base.elements
    # at equilibrium no element is loaded past what its queue allows: the Akcelik delay at v/c = 1.5 is
    # QUEUE_PERIOD_H / 8 + ... ~ 3.8 days, beyond the cost of the all-sea alternative on these corridors
    assert (el["v_c"].fillna(0) <= 2.0).all(), el.sort_values("v_c").tail(3)
    assert (el["delay_h"] <= QUEUE_PERIOD_H / 2).all()
    assert (el["v_c"] > 0.9).any()  # some capacity binds


def test_capacity_increase_raises_flow(session, base):
    b = base.elements.set_index("id")
    binding = b[(b["v_c"] > 0.85)].sort_values("v_c").index[-1].split(":")[0]
    res, _ = flows.run("baseline", session=session, capacity_factor={binding: 3.0})
    assert _el(res, binding) > _el(base, binding) * 1.05


def _shifted(session, base, scenario: str, closed: str, grown: tuple[str, ...]):
    """Flows under `scenario`: indicator `closed` falls to zero (within 1 TEU), each of `grown` rises above the
    baseline."""
    res, _ = flows.run(scenario, session=session)
    assert _ind(res, closed) == pytest.approx(0.0, abs=1.0)
    for name in grown:
        assert _ind(res, name) > _ind(base, name), name
    return res


def test_no_russia_belarus_shifts_to_middle_corridor_and_sea(session, base):
    # the boxes leave Russian rail (overland and sea-rail through Russia's ports) for the sea and the south
    res = _shifted(session, base, "no-russia-belarus-transit", "china-europe by rail through Russia",
                   ("china-europe by sea, no Russian rail", "china-europe via caspian_ferries"))
    cmp = flows.compare_flows(base, res)
    assert {"indicators", "elements", "classes"} <= set(cmp)


def test_red_sea_closure_moves_suez_volume_to_the_cape(session, base):
    res = _shifted(session, base, "red-sea-closed", "all pairs via suez", ("all pairs via cape",))
    # the Asia-Europe main lane: China-Europe boxes that sailed through Suez now round the Cape (most of
    # them: the rest shifts to rail)
    moved = _ind(res, "china-europe via cape") - _ind(base, "china-europe via cape")
    assert moved > 0.5 * _ind(base, "china-europe via suez")


def test_bad_input_is_a_clear_error(tmp_path, session):
    with pytest.raises(FlowsError, match="ID=FACTOR"):
        parse_factors(["baku_alat"])
    p = tmp_path / "d.csv"
    p.write_text("from,to,teu\nCHN,DEU,1\n")
    with pytest.raises(FlowsError, match="columns"):
        flows.run("baseline", demand=str(p), session=session)
    with pytest.raises(FlowsError, match="unknown capacity"):
        flows.run("baseline", session=session, capacity_factor={"nowhere": 2})


def test_user_matrix_by_economy_and_place(tmp_path, session):
    p = tmp_path / "d.csv"
    p.write_text("origin,destination,teu\nCHN,DEU,1000\nChongqing,Duisburg,500\n")
    res, dem = flows.run("baseline", demand=str(p), session=session)
    assert dem.matrix.sum() == 1500
    assert res.access_teu == pytest.approx(3000, rel=1e-6)


def test_ocean_class_does_not_cross_the_caspian(session, base):
    """The Caspian is a closed sea: a box the mode choice sends by sea never rides a cross-border ferry
    (before the fix, Azerbaijan-Russia 'ocean' boxes ferried to Aktau and went on by Kazakh rail)."""
    from beltroad.flows.assign import class_masks
    from beltroad.network.build import FERRY, LINK

    net = session.network
    ferry_border = (net.kind == LINK) & (net.mode == FERRY) & net.border & (net.country_from != net.country_to)
    assert ferry_border.any()
    assert not class_masks(net)["ocean"][ferry_border].any()
    assert class_masks(net)["overland"][ferry_border].all()
    # per OD pair, the TEU crossing the Caspian fit in the demand of the classes that may cross it
    caspian = base.group_od["caspian_ferries"]
    others = base.class_demand["overland"] + base.class_demand["free"]
    assert caspian.sum() > 0
    assert (caspian <= others * (1 + 1e-6) + 1.0).all()
