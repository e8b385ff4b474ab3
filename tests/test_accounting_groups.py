"""The accountings' headline (`compare --accounting both`): each group row carries its own group's means,
computed in analysis from a few pair columns (the CLI only prints them)."""
from __future__ import annotations

import numpy as np
import pytest

from beltroad.analysis import compare
from beltroad.analysis.worldbank import GROUP_COLUMNS
from beltroad.places.cities import economies


@pytest.fixture(scope="module")
def cmp(session):
    """Eight cities with BRI and non-BRI exporters, the Russia/Belarus closure, default groups."""
    gz = session.gazetteer
    cities = [gz.resolve(n) for n in ("Chongqing", "Duisburg", "Almaty", "Moscow", "Minsk", "Mombasa", "Karachi",
                                      "Rotterdam")]
    return compare("baseline", "no-russia-belarus-transit", cities=cities, session=session, accounting="both")


def test_accounting_groups_do_not_build_the_pair_table(cmp):
    g = cmp.accounting_groups()
    assert "pairs" not in cmp.__dict__  # read column by column
    assert list(g["group"]) == list(cmp.groups["group"])
    assert set(GROUP_COLUMNS) <= set(g.columns)


def test_each_default_group_row_has_its_own_groups_means(cmp):
    g = cmp.accounting_groups().set_index("group")
    p = cmp.pairs
    both = p[p["reachable_base"] & p["reachable_scenario"]]
    eco = economies()
    bri = both["origin_country"].astype(str).isin(set(eco.loc[eco["bri_member"], "iso3"]))
    sel = {"world": both, "bri_economies": both[bri], "non_bri_economies": both[~bri]}
    assert len(sel["bri_economies"]) and len(sel["non_bri_economies"])
    for name, rows in sel.items():
        assert g.loc[name, "city_pairs"] == len(rows)
        for k in ("papers_days_base", "papers_days_change_pct", "nofixed_days_change_pct",
                  "trade_cost_rel_change_pct", "trade_cost_rel_change_pct_low", "trade_cost_change_pp"):
            np.testing.assert_allclose(g.loc[name, k], rows[k].mean(), rtol=1e-12, err_msg=f"{name} {k}")
    # the groups differ from the world where their pairs do (the old CLI printed the world's mean on every row)
    assert g.loc["bri_economies", "papers_days_base"] != g.loc["non_bri_economies", "papers_days_base"]


def test_columns_the_groups_already_have_are_kept(cmp):
    g = cmp.accounting_groups()
    for k in cmp.groups.columns:
        assert g[k].equals(cmp.groups[k])
