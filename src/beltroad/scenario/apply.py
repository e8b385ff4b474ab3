"""A scenario applied to the network: which edges are active and what each costs (an `EdgeState`).

Ids are checked against the network first (`scenario.check`), so a typo is an error, not a silent no-op.
"""
from __future__ import annotations

import numpy as np

from beltroad.network.build import BORDER_KINDS, FERRY_BOARD, GAUGE, MODES, Network
from beltroad.scenario.check import check_against_network
from beltroad.scenario.model import Scenario
from beltroad.scenario.state import EdgeState, baseline_state


def apply_scenario(net: Network, sc: Scenario) -> EdgeState:
    """Edge activity and values of the network under the scenario (its ids checked against the network first)."""
    check_against_network(net, sc)
    closed_passages = tuple(dict.fromkeys(("arctic",) + tuple(sc.closures.passages)))
    state = baseline_state(net, year=sc.year, closed_passages=closed_passages)
    active = state.active.copy()
    links = net.links
    project_of_edge = net.project
    has_project = project_of_edge != ""
    if sc.projects.include_status:
        codes = [{"open": 0, "under_construction": 1, "planned": 2}[s] for s in sc.projects.include_status]
        add = has_project & np.isin(net.status, codes)
        # added whatever their opening year; the rows they supersede stay as `baseline_state` left them
        active |= add
    if sc.projects.exclude_all or sc.projects.exclude:
        active = without_projects(net, sc, active)
    # closures
    if sc.closures.countries:
        idx = [net.countries.index(c) for c in sc.closures.countries if c in net.countries]
        active &= ~(np.isin(net.country_from, idx) | np.isin(net.country_to, idx))
    link_ids = links["id"].to_numpy()
    edge_link_id = np.where(net.link >= 0, link_ids[np.maximum(net.link, 0)], "")
    if sc.closures.links:
        active &= ~np.isin(edge_link_id, sc.closures.links)
    if sc.closures.crossings:
        cr = net.crossings
        closed_links = cr.loc[cr["id"].isin(sc.closures.crossings), "link"].tolist()
        closed_nodes = cr.loc[cr["id"].isin(sc.closures.crossings) & cr["kind"].eq("gauge_change"), "node"].tolist()
        active &= ~np.isin(edge_link_id, closed_links)
        if closed_nodes:
            pl = [net.place_index[n] for n in closed_nodes if n in net.place_index]
            vp = net.vertex_place
            active &= ~((net.kind == GAUGE) & np.isin(vp[net.src], pl))
    if sc.closures.nodes:
        pl = [net.place_index[n] for n in sc.closures.nodes if n in net.place_index]
        vp = net.vertex_place
        active &= ~(np.isin(vp[net.src], pl) | np.isin(vp[net.dst], pl))
    if sc.month is not None:
        active &= ~seasonal_closed(net, sc.month)
    # overrides
    o = sc.overrides
    dwell = net.dwell_hours.copy()
    fee = net.fee_usd.copy()
    move_h = net.move_hours.copy()
    move_usd = net.move_usd.copy()
    border_h = net.border_hours.copy()
    wait_h = net.wait_hours.copy()
    border_edge = net.border & np.isin(net.kind, BORDER_KINDS)
    for key, f in o.border_time_factor.items():
        sel = _border_selector(net, key, border_edge, edge_link_id)
        dwell[sel] -= border_h[sel] * (1.0 - f)
        border_h[sel] *= f
    for key, f in o.border_fee_factor.items():
        fee[_border_selector(net, key, border_edge, edge_link_id)] *= f
    corridor = np.where(net.link >= 0, links["corridor"].to_numpy()[np.maximum(net.link, 0)], "")
    for key, f in o.speed_factor.items():
        sel = _mode_or_corridor(net, key, corridor)
        if f > 0:
            move_h[sel] /= f
    for key, f in o.cost_factor.items():
        move_usd[_mode_or_corridor(net, key, corridor)] *= f
    if o.ferry_wait_hours is not None:
        board = net.kind == FERRY_BOARD
        base_wait = float(net.params["ferry"]["caspian"]["wait_hours"]["value"])
        loading = board & (net.dwell_hours > base_wait * 0.5)  # the boarding direction carries the wait
        dwell[loading] = net.dwell_hours[loading] - base_wait + o.ferry_wait_hours
        wait_h[loading] = net.wait_hours[loading] - base_wait + o.ferry_wait_hours
    state.active = active
    state.hours = move_h + dwell
    state.move_hours, state.border_hours, state.wait_hours = move_h, border_h, wait_h
    state.dwell_hours = dwell
    state.usd = move_usd + fee
    state.label = sc.name
    if o.value_of_time_usd_per_teu_day is not None:
        state.value_of_time_usd_per_day = o.value_of_time_usd_per_teu_day
    if o.carbon_price_usd_per_t is not None:
        state.carbon_price_usd_per_t = o.carbon_price_usd_per_t
    return state


BRI_START_YEAR = 2013  # announced Sep/Oct 2013: a link open by then is a pre-BRI asset (as in `pre-bri-2013`)


def without_projects(net: Network, sc: Scenario, active: np.ndarray) -> np.ndarray:
    """Remove BRI project links and bring back, at their old quality, the rows their upgrades superseded.

    `exclude_all` removes what BRI projects added after BRI_START_YEAR (an asset opened by then, such as
    Zhetygen–Altynkol 2012, stays); `exclude` removes the named projects whatever their year. An upgrade row
    `<old id>__<project id lowercase>` supersedes `<old id>`: removing the upgrade restores the old row.
    """
    proj = net.project
    if sc.projects.exclude_all:
        drop = (proj != "") & ~(net.opened <= BRI_START_YEAR)
    else:
        drop = np.zeros(net.n_edges, dtype=bool)
    if sc.projects.exclude:
        drop |= np.isin(proj, sc.projects.exclude)
    active = active & ~drop
    links = net.links
    ids = links["id"].to_numpy().astype(str)
    dropped = np.unique(net.link[drop & (net.link >= 0)])
    restore = {i.rsplit("__", 1)[0] for i in ids[dropped] if "__p" in i and i.rsplit("__", 1)[1][1:].isdigit()}
    # also any superseded row with the same ends and mode as a removed project row (e.g. dostyk__aktogay
    # for the double-track dostyk__aktogay_2t)
    ends = set(zip(links["from"].to_numpy()[dropped], links["to"].to_numpy()[dropped], links["mode"].to_numpy()[dropped]))
    sup = links["superseded"].notna().to_numpy()
    restore |= {i for i, f, t, m, s_ in zip(ids, links["from"], links["to"], links["mode"], sup) if s_ and (f, t, m) in ends}
    restore &= set(ids)
    if restore:
        edge_link = np.where(net.link >= 0, ids[np.maximum(net.link, 0)], "")
        back = np.isin(edge_link, sorted(restore)) & (np.isnan(net.opened) | (net.opened <= sc.year))
        active = active | back
    return active


def _in_window(month: int, window: str) -> bool:
    """Is mid-`month` inside a 'MM-DD..MM-DD' closure window (which may wrap the new year)?"""
    start, end = (tuple(int(x) for x in part.split("-")) for part in window.split(".."))
    day = (month, 15)
    return (start <= day <= end) if start <= end else (day >= start or day <= end)


def seasonal_closed(net: Network, month: int) -> np.ndarray:
    """Edges of links whose seasonal closure window covers the month."""
    windows = net.links["seasonal_closure"].to_numpy()
    closed_links = np.array([bool(w) and _in_window(month, w) for w in windows])
    return (net.link >= 0) & closed_links[np.maximum(net.link, 0)] if len(closed_links) else np.zeros(net.n_edges, bool)


def _border_selector(net: Network, key: str, border_edge: np.ndarray, edge_link_id: np.ndarray) -> np.ndarray:
    if key == "*":
        return border_edge
    if key in net.countries:
        ci = net.countries.index(key)
        return border_edge & ((net.country_from == ci) | (net.country_to == ci))
    return border_edge & (edge_link_id == key)


def _mode_or_corridor(net: Network, key: str, corridor: np.ndarray) -> np.ndarray:
    if key in MODES:
        return net.mode == MODES.index(key)
    return np.char.find(corridor.astype(str), key) >= 0
