"""Shortest paths on the multimodal graph: edge state, query-time access links, CSR + scipy Dijkstra."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Sequence

import numpy as np
from beltroad.data.geo import EARTH_RADIUS_KM, haversine_km, unit_vectors
from beltroad.network.build import ACCESS, LINK, PORT, ROAD, TERMINAL_KINDS, Network, customs_union_of
from beltroad.routing import deadline
from beltroad.scenario.state import EdgeState, baseline_state

EPS = 1e-6          # scipy drops explicit zeros: every weight gets this floor
# Modelling choices (docs/model.md, "access links"): a door reaches its few nearest terminals by truck, within a
# day's local drayage; farther away only the single nearest terminal is an access point.
ACCESS_NEIGHBOURS = 4
ACCESS_MAX_KM = 300.0
GATE_CANDIDATES = 24  # nearest terminal places examined for gates within the drayage radius
# Modelling choice (docs/model.md, "access links"): first and last miles are trucked, normally within a day's
# drayage (ACCESS_MAX_KM, 300 km); a place whose nearest terminal is more than five such days away is not served
# by the network (islands, open sea, the poles: service refuses it), and a place with no terminal of its own
# country that close is joined to one up to this distance rather than to a foreign one.
REACH_LIMIT_KM = 1500.0


def _customs_table(net: Network) -> dict:
    """Per-country export/import hours and USD plus customs-union groups, computed once per network."""
    return net.derived("customs", _compute_customs_table)


def _compute_customs_table(net: Network) -> dict:
    iso = net.column("border_compliance", "iso3")
    first = np.array(sorted({v: i for i, v in reversed(list(enumerate(iso)))}.values()), dtype=int)  # per economy
    cols = ["border_time_export", "border_time_import", "border_fee_export", "border_fee_import"]
    bc = np.zeros((len(first), len(cols)))
    for j, c in enumerate(cols):
        bc[:, j] = net.column("border_compliance", c).astype(float)[first]
    bc[~(bc >= 0)] = np.nan
    # an economy without Doing Business data gets the median economy's times and fees (docs/model.md)
    bc = np.where(np.isnan(bc), np.nanmedian(bc, axis=0), bc)
    return {"rows": {iso[i]: tuple(float(v) for v in r) for i, r in zip(first, bc)},
            "union": customs_union_of(net.params)}


def end_customs(net: Network, origin_countries: np.ndarray, dest_countries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Export clearance at origin + import clearance at destination (Doing Business border compliance,
    hours and USD) for international pairs outside a common customs union; zero otherwise."""
    table = _customs_table(net)
    rows, union = table["rows"], table["union"]
    o = np.asarray(origin_countries, dtype=object).astype(str)
    d = np.asarray(dest_countries, dtype=object).astype(str)
    names, inv = np.unique(np.concatenate([o, d]), return_inverse=True)
    io, id_ = inv[: len(o)], inv[len(o):]
    vals = np.array([rows.get(c, (0.0, 0.0, 0.0, 0.0)) for c in names]).reshape(len(names), 4)
    group = np.array([union.get(c, c) for c in names], dtype=object)
    international = (io != id_) & (group[io] != group[id_])
    hours = vals[io, 0] + vals[id_, 1]
    usd = vals[io, 2] + vals[id_, 3]
    return np.where(international, hours, 0.0), np.where(international, usd, 0.0)


def end_customs_parts(net: Network, origin_country: str, dest_country: str) -> tuple[tuple[float, float], float]:
    """((export hours at origin, import hours at destination), USD) of one international shipment; zeros for
    a domestic one or inside a customs union."""
    table = _customs_table(net)
    rows, union = table["rows"], table["union"]
    if origin_country == dest_country or union.get(origin_country, origin_country) == union.get(dest_country, dest_country):
        return (0.0, 0.0), 0.0
    o = rows.get(origin_country, (0.0, 0.0, 0.0, 0.0))
    d = rows.get(dest_country, (0.0, 0.0, 0.0, 0.0))
    return (o[0], d[1]), o[2] + d[3]


def customs_beyond_dwell(export_h: np.ndarray, import_h: np.ndarray, n_events: np.ndarray, first_dwell: np.ndarray,
                         last_dwell: np.ndarray) -> np.ndarray:
    """Customs hours that add to a trip: export clearance runs while the box waits at the trip's first border
    or port of loading, import clearance at its last one, so only the part beyond that dwell adds time.
    With a single such event both clearances share it; with none, both add in full."""
    both = np.maximum(export_h + import_h - first_dwell, 0.0)
    apart = np.maximum(export_h - first_dwell, 0.0) + np.maximum(import_h - last_dwell, 0.0)
    return np.where(n_events == 0, export_h + import_h, np.where(n_events == 1, both, apart))


def port_and_border_edges(net: Network, g: "Graph", edges: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where customs and dwell happen on graph edges: (network edge index, 0 for an access edge; a port call;
    a network link across a border; a first- or last-mile truck across a border) -- the one classification of
    the skims' customs events and dwell parts."""
    eid = g.edge_id[edges]
    net_e = np.maximum(eid, 0)
    on_net = eid >= 0
    port = on_net & (net.kind[net_e] == PORT)
    border = on_net & (net.kind[net_e] == LINK) & net.border[net_e]
    return net_e, port, border, ~on_net & (g.border_hours[edges] > 0)


def customs_event_dwell(net: Network, g: "Graph", edges: np.ndarray) -> np.ndarray:
    """Dwell hours of the graph edges where customs can clear (a border crossing, by a network link or by a
    first- or last-mile truck, or a port call), -1 elsewhere."""
    _, port, border, access_border = port_and_border_edges(net, g, edges)
    return np.where(port, g.hours[edges], np.where(border | access_border, g.border_hours[edges], -1.0))


@dataclass
class Graph:
    """Edge arrays of one query: the network's edges plus access edges to the query's places."""

    n: int
    src: np.ndarray
    dst: np.ndarray
    hours: np.ndarray
    usd: np.ndarray
    co2_kg: np.ndarray
    km: np.ndarray
    mode: np.ndarray
    kind: np.ndarray
    edge_id: np.ndarray         # network edge index, or -(k+1) for the k-th access edge
    vertex_country: np.ndarray  # country index per vertex (-1 at sea)
    # parts of `hours` (filled for a found path, for the time breakdown): moving incl. drivers' rest,
    # the rest within it, border dwell and waiting for a departure; handling is what remains
    move_hours: np.ndarray | None = None
    rest_hours: np.ndarray | None = None
    border_hours: np.ndarray | None = None
    wait_hours: np.ndarray | None = None


def _haversine_km_each(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """`haversine_km` of each pair of points on its own, to the last bit: numpy squares a lone value by `pow`,
    which can round differently from the `x * x` it uses on arrays, so the squares here are taken one by one
    (`Access.links` measures its fallback terminals one at a time; `edges_many` must give the same km)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(a, dtype=float)) for a in (lat1, lon1, lat2, lon2))
    s_lat = np.array([v ** 2 for v in np.sin((lat2 - lat1) / 2).tolist()])
    s_lon = np.array([v ** 2 for v in np.sin((lon2 - lon1) / 2).tolist()])
    a = s_lat + np.cos(lat1) * np.cos(lat2) * s_lon
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class PointLinks:
    """The access links of many points (`Access.edges_many`), flat: point i's links are the `count[i]` entries
    after those of points 0..i-1, each with the same vertex, km, hours, USD and kg CO2e as `Access.edges`, and
    the border dwell included in its hours (`Access.border_hours`)."""

    count: np.ndarray         # links per point
    verts: np.ndarray         # the network vertex each link joins
    km: np.ndarray            # road km (great circle x access circuity; 0 to the point's own vertices)
    hours: np.ndarray         # driving, drivers' rest and any border dwell
    usd: np.ndarray
    co2_kg: np.ndarray
    border_hours: np.ndarray  # border dwell within `hours` (an access road across an open border)

    def edges(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Point i's links as `Access.edges` returns them."""
        start = int(self.count[:i].sum())
        sl = slice(start, start + int(self.count[i]))
        return self.verts[sl], self.km[sl], self.hours[sl], self.usd[sl], self.co2_kg[sl]


class Access:
    """First- and last-mile road links from an arbitrary point into the network.

    A point joins (a) the `road` vertices of its nearest terminal places, for all-road trips, and (b) the
    `gate` vertices of the intermodal terminals within the drayage limit, where a container starts or ends
    a rail, ferry or sea main haul. The drayage limit is a radius as the crow flies (Directive 92/106/EEC's
    150 km for the road legs of combined transport); if no gate lies within it, the nearest gate is used.
    """

    def __init__(self, net: Network):
        self.net = net
        kinds = net.column("places", "kind")
        self.terminal_places = np.flatnonzero(np.isin(kinds, list(TERMINAL_KINDS)))
        pl = {c: net.column("places", c)[self.terminal_places] for c in ("id", "lat", "lon")}
        self.lat, self.lon = pl["lat"].astype(float), pl["lon"].astype(float)
        self.xyz = unit_vectors(self.lat, self.lon)  # ~1,000 terminals: a dot product beats building a tree
        self.road_vertex = np.array([net.vertex(pid, "road") for pid in pl["id"]])
        self.gate_vertex = np.array([net.vertex(pid, "gate") for pid in pl["id"]])
        self.gate_to_sea = np.array([net.vertex(pid, "port") >= 0 or net.vertex(pid, "ferry") >= 0 for pid in pl["id"]])
        self.terminal_row = {pid: i for i, pid in enumerate(pl["id"])}
        self.sea_rows = np.flatnonzero(self.gate_to_sea & (self.gate_vertex >= 0))
        self.sea_places = self.terminal_places[self.sea_rows]
        self.sea_xyz = self.xyz[self.sea_rows]
        self.country_index = {c: i for i, c in enumerate(net.countries)}
        place_country = np.array([self.country_index.get(c, -1) for c in net.column("places", "country")], dtype=float)
        self.vertex_country = np.where(net.vertex_place >= 0, place_country[np.maximum(net.vertex_place, 0)],
                                       -1).astype(np.int32)
        self.gate_layer = net.layers.index("gate")
        p = net.params
        self.circuity = float(p["circuity"]["access_road"]["value"])
        self.speed = float(p["road"]["speed_kmh"]["road_single"]["value"])
        self.rate = float(p["road"]["rate_usd_per_teu_km"]["road_single"]["value"])
        self.co2 = float(p["road"]["co2e_kg_per_teu_km"]["value"])
        self.drive_h = float(p["road"]["driving_hours_per_day"]["value"])
        self.border_h = float(p["border"]["road_default"]["hours"])
        self.border_usd = float(p["border"]["road_default"]["usd"])
        self.max_drayage_km = float(p["drayage"]["max_radius_km"]["value"])
        union = customs_union_of(p, open_borders_only=True)
        names = {n: i for i, n in enumerate(sorted(set(union.values()) | set(net.countries)))}
        self.union_index = np.array([names[union.get(c, c)] for c in net.countries], dtype=np.int64)
        # countries a truck can drive between in the base scenario: an active road link crosses their border
        # (none between India and Pakistan, whose Wagah crossing has been closed to trade since 2019)
        base = baseline_state(net).active
        cross = base & (net.mode == ROAD) & (net.kind == LINK) & (net.country_from >= 0) & (net.country_to >= 0)
        nc = len(net.countries)
        self.road_open = np.zeros((nc, nc), dtype=bool)
        self.road_open[net.country_from[cross], net.country_to[cross]] = True
        self.road_open |= self.road_open.T
        self.terminal_country = self.vertex_country[self.road_vertex]
        self._home_rows: dict[tuple[int, bool], np.ndarray] = {}

    def drive_elapsed_hours(self, drive_hours: np.ndarray) -> np.ndarray:
        """Elapsed time of a truck leg under a daily driving limit: rest only after a full driving day."""
        drive_hours = np.asarray(drive_hours, dtype=float)
        full_days = np.floor(drive_hours / self.drive_h)
        return drive_hours + full_days * (24.0 - self.drive_h)

    def edges(self, lat: float, lon: float, node_id: str | None, country: str, max_drayage_km: float | None = None,
              sea_fallback: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(vertices, km, hours, USD, kg CO2e) of the access links of a point (road and gate vertices)."""
        return self.edges_with_border(lat, lon, node_id, country, max_drayage_km, sea_fallback)[:5]

    def edges_with_border(self, lat: float, lon: float, node_id: str | None, country: str,
                          max_drayage_km: float | None = None, sea_fallback: bool = True
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """`edges` and the border dwell within their hours (`border_hours` of the same links)."""
        verts, dist = self.links(lat, lon, node_id, country, max_drayage_km, sea_fallback)
        hrs = self.drive_elapsed_hours(dist / self.speed)
        cost = dist * self.rate
        # an access road that crosses a border pays the road border default (none inside a customs union)
        crosses = self._crosses(verts, country)
        border = np.where(crosses, self.border_h, 0.0)
        hrs = hrs + border
        cost = cost + np.where(crosses, self.border_usd, 0.0)
        return verts, dist, hrs, cost, dist * self.co2, border

    def edges_many(self, points: Sequence[tuple[float, float, str | None, str]], sea_fallback: bool = True
                   ) -> "PointLinks":
        """The access links of many points at once (`edges` with the default radius and the sea fallback), as
        flat arrays: the same vertices, in the same order, and the same numbers as `edges` point by point
        (tests/test_dijkstra.py checks every world-1000 city and random points), in numpy over all points
        instead of ~40 small numpy calls per point: a world-1000 skim's 1,000 cities in ~0.02 s, not ~0.13 s.

        Each step of `links` is applied to every point: the k nearest terminal places (by the same matrix-vector
        products and selections, so the same candidates in the same order), the domestic-first filters as masks,
        the fallbacks (nearest domestic terminal, nearest port) for the points that need them; the kept
        candidates of a point then sit in fixed slots of a row (road, road fallback, gates, gate fallback, port,
        own vertices), read out row by row. `sea_fallback` as in `edges` (the planner asks without it)."""
        p = len(points)
        if p == 0:
            z = np.zeros(0)
            return PointLinks(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), z, z, z, z, z)
        lat = np.array([pt[0] for pt in points], dtype=float)
        lon = np.array([pt[1] for pt in points], dtype=float)
        node_ids = [pt[2] for pt in points]
        ci = np.array([self.country_index.get(pt[3], -1) if pt[3] else -1 for pt in points], dtype=np.int64)
        home = np.where(ci >= 0, self.union_index[np.maximum(ci, 0)], -1)
        own_road = np.array([self.net.vertex(n, "road") if n is not None else -1 for n in node_ids], dtype=np.int64)
        own_gate = np.array([self.net.vertex(n, "gate") if n is not None else -1 for n in node_ids], dtype=np.int64)
        xyz = unit_vectors(lat, lon)
        # minus the cosine of the angular distance, by the same matrix-vector product as `links` (a matrix-matrix
        # product rounds differently in the last bit, and the order of near terminals would follow it)
        far = np.empty((p, len(self.terminal_places)))
        for i in range(p):
            np.matmul(self.xyz, xyz[i], out=far[i])
        np.negative(far, out=far)
        rows = np.arange(p)[:, None]

        tree_k = min(max(ACCESS_NEIGHBOURS * 3, GATE_CANDIDATES) + 1, far.shape[1])
        from scipy.spatial import cKDTree  # chord order = great-circle order; only proposes the candidates

        cand = cKDTree(self.xyz).query(xyz, k=tree_k)[1].reshape(p, -1)
        cand = np.take_along_axis(cand, np.argsort(np.take_along_axis(far, cand, axis=1), axis=1), axis=1)
        cand_far = np.take_along_axis(far, cand, axis=1)

        def nearest(k):
            """`_nearest` of every point: the tree's candidates, sorted by `far`, are the answer where every other
            terminal is strictly farther than the k-th and no two of the k are equally far (then any exact
            selection agrees); elsewhere `_nearest` itself."""
            k = min(k, far.shape[1])
            idx = cand[:, :k]
            sure = ((far <= cand_far[:, k - 1:k]).sum(axis=1) == k) & (np.diff(cand_far[:, :k], axis=1) > 0).all(axis=1)
            if not sure.all():
                idx = idx.copy()
                for i in np.flatnonzero(~sure):
                    idx[i] = self._nearest(lat[i], lon[i], k, far[i])[0]
            return idx, haversine_km(lat[:, None], lon[:, None], self.lat[idx], self.lon[idx])

        def domestic(idx, dist, limit, cand):
            """`links`' domestic_first as a mask over the candidates `cand`."""
            vc = self.terminal_country[idx]
            same = (vc >= 0) & (self.union_index[np.maximum(vc, 0)] == home[:, None]) & cand
            ok = same | (vc < 0) | self.road_open[np.maximum(ci, 0)[:, None], np.maximum(vc, 0)]
            keep = np.where((same & (dist <= limit)).any(axis=1)[:, None], same, ok & cand)
            return np.where((ci >= 0)[:, None], keep, cand)

        def home_fallback(need_gate, asked):
            """(row, great-circle km, found) of the nearest domestic terminal within REACH_LIMIT_KM of the points
            `asked` (False elsewhere)."""
            j = np.zeros(p, dtype=np.int64)
            gc = np.zeros(p)
            found = np.zeros(p, dtype=bool)
            vc = self.terminal_country
            same_union = np.where(vc >= 0, self.union_index[np.maximum(vc, 0)], -1)
            for h in np.unique(home[asked & (ci >= 0)]):
                cand = np.flatnonzero((same_union == h) & ((self.gate_vertex >= 0) if need_gate else True))
                if len(cand):
                    who = np.flatnonzero(asked & (home == h))
                    j[who] = cand[np.argmin(far[who][:, cand], axis=1)]
                    gc[who] = _haversine_km_each(lat[who], lon[who], self.lat[j[who]], self.lon[j[who]])
                    found[who] = gc[who] * self.circuity <= REACH_LIMIT_KM
            return j, gc, found

        # road vertices: the nearest terminal places within a day's trucking, else the nearest domestic one
        idx, gc = nearest(ACCESS_NEIGHBOURS * 3)
        km = gc * self.circuity
        road = domestic(idx, km, ACCESS_MAX_KM, np.ones(idx.shape, dtype=bool))
        road &= np.cumsum(road, axis=1) <= ACCESS_NEIGHBOURS
        road_fb = ~(road & (km <= ACCESS_MAX_KM)).any(axis=1)
        fb_j, fb_gc, fb_ok = home_fallback(False, road_fb)
        road_fb &= fb_ok
        road &= ~road_fb[:, None]
        km_min = np.where(road, km, np.inf).min(axis=1)
        road &= km <= np.maximum(ACCESS_MAX_KM, km_min + 1e-6)[:, None]
        has_road = own_road >= 0  # a network node drives from its own road vertex
        road &= ~has_road[:, None]
        road_fb &= ~has_road
        slots = [(self.road_vertex[idx], km, road), (self.road_vertex[fb_j][:, None], (fb_gc * self.circuity)[:, None],
                                                     road_fb[:, None])]
        # gate vertices: intermodal terminals within the drayage radius, else the nearest allowed one and the
        # nearest domestic one
        radius = self.max_drayage_km
        idx, gc = nearest(GATE_CANDIDATES)
        has_gate = self.gate_vertex[idx] >= 0
        allowed = domestic(idx, gc, radius, has_gate)
        within = allowed & (gc <= radius)
        none_within = has_gate.any(axis=1) & ~within.any(axis=1)
        first = allowed & (np.cumsum(allowed, axis=1) == 1) & none_within[:, None]
        gj, ggc, gfound = home_fallback(True, none_within)
        first_gc = np.where(first, gc, np.inf).min(axis=1)
        first_row = idx[rows[:, 0], np.argmax(first, axis=1)]
        # with_home: the nearest allowed gate stays beside the domestic one only if it is nearer and not the same
        first &= ~(gfound & ~(first.any(axis=1) & (first_row != gj) & (first_gc < ggc)))[:, None]
        gate = within | first
        # an inland point with no port within the radius still reaches the sea: by truck to its nearest port
        no_sea = ~((gate & self.gate_to_sea[idx]).any(axis=1) | (gfound & self.gate_to_sea[gj]))
        no_sea &= sea_fallback
        sj = np.zeros(p, dtype=np.int64)
        sgc = np.zeros(p)
        vc = self.terminal_country[self.sea_rows]
        sea_union = np.where(vc >= 0, self.union_index[np.maximum(vc, 0)], -1)
        for i in np.flatnonzero(no_sea):
            closeness = self.sea_xyz @ xyz[i]
            if ci[i] >= 0:  # not across a border closed to trucks
                ok = (vc < 0) | (sea_union == home[i]) | self.road_open[ci[i], np.maximum(vc, 0)]
                closeness = np.where(ok, closeness, -np.inf) if ok.any() else closeness
            sj[i] = self.sea_rows[int(np.argmax(closeness))]
        sgc[no_sea] = _haversine_km_each(lat[no_sea], lon[no_sea], self.lat[sj[no_sea]], self.lon[sj[no_sea]])
        gate_slots = [(idx, gc, gate), (gj[:, None], ggc[:, None], gfound[:, None]),
                      (sj[:, None], sgc[:, None], no_sea[:, None])]
        own_sea = np.zeros(p, dtype=bool)
        for i in np.flatnonzero(own_gate >= 0):
            own_sea[i] = self.gate_to_sea[self.terminal_row[node_ids[i]]]
        for r, g, keep in gate_slots:
            # a terminal ships from its own gate; other gates serve only what it lacks: a port or ferry
            keep &= ~(own_gate >= 0)[:, None] | (self.gate_to_sea[r] & ~own_sea[:, None])
            slots.append((self.gate_vertex[r], g * self.circuity, keep))
        verts = np.concatenate([np.broadcast_to(v, k.shape) for v, _, k in slots], axis=1)
        dist = np.concatenate([np.broadcast_to(d, k.shape) for _, d, k in slots], axis=1)
        keep = np.concatenate([k for _, _, k in slots], axis=1)
        # a place that is a network node starts at its own vertices (last, road before gate)
        keep &= ~((verts == own_road[:, None]) & (own_road >= 0)[:, None])
        keep &= ~((verts == own_gate[:, None]) & (own_gate >= 0)[:, None])
        verts = np.concatenate([verts, own_road[:, None], own_gate[:, None]], axis=1)
        dist = np.concatenate([dist, np.zeros((p, 2))], axis=1)
        keep = np.concatenate([keep, (own_road >= 0)[:, None], (own_gate >= 0)[:, None]], axis=1)
        count = keep.sum(axis=1)
        verts, dist = verts[keep], dist[keep]
        point_country = np.repeat(ci, count)
        crosses = self._crosses_of(verts, point_country)
        return PointLinks(count=count.astype(np.int64), verts=verts.astype(np.int64), km=dist,
                          hours=self.drive_elapsed_hours(dist / self.speed) + np.where(crosses, self.border_h, 0.0),
                          usd=dist * self.rate + np.where(crosses, self.border_usd, 0.0), co2_kg=dist * self.co2,
                          border_hours=np.where(crosses, self.border_h, 0.0))

    def place_links(self) -> tuple[PointLinks, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The access links of every network place as the planner's stop (`edges` with the default drayage radius,
        no sea fallback; the same arrays bit for bit, tests/test_place_links.py), computed for all places at once
        (`edges_many`, ~20 ms) the first time asked, then read by slicing: (links, each place's first link and
        one past its last, the places' lat, lon and country as the links were computed for)."""
        got = self.__dict__.get("_place_links")
        if got is None:  # once per network (kept by it: every scenario's planner reads the same)
            got = self.__dict__.setdefault("_place_links", self.net.derived(
                "routing.place_links", lambda net: self.compute_place_links()))
        return got

    def compute_place_links(self) -> tuple[PointLinks, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """`place_links` computed afresh."""
        net = self.net
        ids, lat, lon, country = (net.column("places", c) for c in ("id", "lat", "lon", "country"))
        lat, lon = lat.astype(float), lon.astype(float)
        points = [(float(a), float(b), i, c) for a, b, i, c in zip(lat, lon, ids, country)]
        links = self.edges_many(points, sea_fallback=False)
        start = np.concatenate([[0], np.cumsum(links.count)]).astype(np.int64)
        for a in (links.verts, links.km, links.hours, links.usd, links.co2_kg, links.border_hours, start):
            a.flags.writeable = False  # shared by every query of every place
        return links, start, lat, lon, country

    def _crosses_of(self, verts: np.ndarray, country_index: np.ndarray) -> np.ndarray:
        """`_crosses` per link: `country_index` is the country (index, -1 none) of each link's point."""
        vc = self.vertex_country[verts]
        home = self.union_index[np.maximum(country_index, 0)]
        return (country_index >= 0) & (vc >= 0) & (self.union_index[np.maximum(vc, 0)] != home)

    def _crosses(self, verts: np.ndarray, country: str) -> np.ndarray:
        """Does the access road from a point in `country` to each of `verts` cross an open border?"""
        ci = self.country_index.get(country, -1)
        vc = self.vertex_country[verts]
        return (ci >= 0) & (vc >= 0) & (self.union_index[np.maximum(vc, 0)] != (self.union_index[ci] if ci >= 0 else 0))

    def border_hours(self, verts: np.ndarray, country: str) -> np.ndarray:
        """Border dwell included in the access links to `verts` (see `edges`)."""
        return np.where(self._crosses(verts, country), self.border_h, 0.0)

    def gate_is_sea(self, verts: np.ndarray) -> np.ndarray:
        """Which of these gate vertices belong to a place with a port or a ferry."""
        sea = self.__dict__.get("_vertex_sea")
        if sea is None:  # per vertex: at a place with a port or a ferry (np.isin once, not per query)
            sea = self.__dict__.setdefault("_vertex_sea", np.isin(self.net.vertex_place, self.sea_places))
        return sea[np.asarray(verts, dtype=np.int64)]

    def is_gate(self, verts: np.ndarray) -> np.ndarray:
        return self.net.vertex_layer[np.asarray(verts)] == self.gate_layer

    def _nearest(self, lat: float, lon: float, k: int, far: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest terminal places (rows) and their great-circle km; `far`: minus the cosine of the
        angular distance to every terminal, when already computed."""
        if far is None:
            far = -(self.xyz @ unit_vectors([lat], [lon])[0])   # minus the cosine of the angular distance
        k = min(k, len(self.terminal_places))
        idx = np.argpartition(far, k - 1)[:k]
        idx = idx[np.argsort(far[idx])]
        return idx, haversine_km(lat, lon, self.lat[idx], self.lon[idx])

    def links(self, lat: float, lon: float, node_id: str | None = None, country: str | None = None,
              max_drayage_km: float | None = None, sea_fallback: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(vertices, road km) of the access candidates of a point: road vertices, then gate vertices.

        With `sea_fallback`, a point with no port within the drayage radius also gets its nearest port (skims
        keep every city pair connected); the planner asks without it, so trucking stays bounded.

        Access stays inside the point's customs territory when it has a terminal within reach: crossing a
        border is the network's job (with its border crossings), not the first-mile truck's.
        """
        ci = self.country_index.get(country, -1) if country else -1
        home = self.union_index[ci] if ci >= 0 else -1

        def domestic_first(idx, km, limit):
            """Domestic terminals when one is within `limit`; else those a truck can reach without crossing a
            border closed to road traffic in the base scenario."""
            vc = self.terminal_country[idx]
            same = (vc >= 0) & (self.union_index[np.maximum(vc, 0)] == home)
            if ci >= 0 and (same & (km <= limit)).any():
                return idx[same], km[same]
            if ci >= 0:
                ok = same | (vc < 0) | self.road_open[ci, np.maximum(vc, 0)]
                return idx[ok], km[ok]
            return idx, km

        def home_fallback(far, need_gate):
            """The nearest domestic terminal (row, great-circle km) if within REACH_LIMIT_KM by road, else None."""
            if ci < 0:
                return None
            rows = self._home_rows.get((int(home), need_gate))
            if rows is None:
                vc = self.terminal_country
                same = (vc >= 0) & (self.union_index[np.maximum(vc, 0)] == home)
                rows = self._home_rows[(int(home), need_gate)] = np.flatnonzero(
                    same & ((self.gate_vertex >= 0) if need_gate else True))
            if not len(rows):
                return None
            j = int(rows[np.argmin(far[rows])])
            gc_km = float(haversine_km(lat, lon, self.lat[j], self.lon[j]))
            return (j, gc_km) if gc_km * self.circuity <= REACH_LIMIT_KM else None

        def with_home(idx, gc, fb):
            """The nearest allowed terminal (`idx`, great-circle `gc`) plus the nearest domestic one `fb`: a
            foreign one across an open border stays a choice (Kabul's nearest railhead is Peshawar), but never
            the only one when the own country has a terminal within reach."""
            if fb is None:
                return idx, gc
            if len(idx) and int(idx[0]) != fb[0] and float(gc[0]) < fb[1]:
                return np.array([int(idx[0]), fb[0]]), np.array([float(gc[0]), fb[1]])
            return np.array([fb[0]]), np.array([fb[1]])

        # road vertices: the few nearest terminal places within a day's local trucking (all-road trips)
        far = -(self.xyz @ unit_vectors([lat], [lon])[0])
        gate_idx, gate_gc = self._nearest(lat, lon, GATE_CANDIDATES, far)
        k = ACCESS_NEIGHBOURS * 3
        if GATE_CANDIDATES > k and len(gate_idx) > k and (np.diff(far[gate_idx[:k + 1]]) > 0).all():
            idx, gc = gate_idx[:k], gate_gc[:k]  # no ties: the k nearest are the first k of the sorted candidates
        else:
            idx, gc = self._nearest(lat, lon, k, far)
        km = gc * self.circuity
        idx, km = domestic_first(idx, km, ACCESS_MAX_KM)
        idx, km = idx[:ACCESS_NEIGHBOURS], km[:ACCESS_NEIGHBOURS]
        if not (km <= ACCESS_MAX_KM).any():  # none within a day: the nearest domestic one, if within reach
            fb = home_fallback(far, False)     # (all-road trips cross borders on the network's roads)
            if fb is not None:
                idx, km = np.array([fb[0]]), np.array([fb[1] * self.circuity])
        keep = km <= max(ACCESS_MAX_KM, float(km.min()) + 1e-6) if len(km) else km > 0
        road_v, road_km = self.road_vertex[idx[keep]], km[keep]
        if node_id is not None and self.net.vertex(node_id, "road") >= 0:
            road_v, road_km = road_v[:0], road_km[:0]  # a network node drives from its own road vertex
        # gate vertices: intermodal terminals within the drayage radius (else the nearest one)
        radius = self.max_drayage_km if max_drayage_km is None else float(max_drayage_km)
        idx, gc = gate_idx, gate_gc
        has_gate = self.gate_vertex[idx] >= 0
        idx, gc = idx[has_gate], gc[has_gate]
        if len(idx):
            idx2, gc2 = domestic_first(idx, gc, radius)
            within = gc2 <= radius
            if within.any():
                idx, gc = idx2[within], gc2[within]
            else:  # none within the radius: the nearest allowed gate and the nearest domestic one within reach
                idx, gc = with_home(idx2[:1], gc2[:1], home_fallback(far, True))
        # an inland point with no port within the radius still reaches the sea: by truck to its nearest port
        sea_gates = self.gate_to_sea[idx] if len(idx) else np.zeros(0, bool)
        if sea_fallback and not sea_gates.any():
            closeness = self.sea_xyz @ unit_vectors([lat], [lon])[0]
            if ci >= 0:  # not across a border closed to trucks
                vc = self.terminal_country[self.sea_rows]
                ok = (vc < 0) | (self.union_index[np.maximum(vc, 0)] == home) | self.road_open[ci, np.maximum(vc, 0)]
                closeness = np.where(ok, closeness, -np.inf) if ok.any() else closeness
            j = self.sea_rows[int(np.argmax(closeness))]
            idx = np.append(idx, j)
            gc = np.append(gc, haversine_km(lat, lon, self.lat[j], self.lon[j]))
        gate_v, gate_km = self.gate_vertex[idx], gc * self.circuity
        own_gate = self.net.vertex(node_id, "gate") if node_id is not None else -1
        if own_gate >= 0:
            # a terminal ships from its own gate (a train to Duisburg runs to Duisburg); other gates serve
            # only what it lacks: a port or ferry within the drayage radius
            own_sea = self.gate_to_sea[self.terminal_row[node_id]]
            keep = self.gate_to_sea[idx] & ~own_sea
            gate_v, gate_km = gate_v[keep], gate_km[keep]
        verts, km = np.concatenate([road_v, gate_v]), np.concatenate([road_km, gate_km])
        if node_id is not None:  # a place that is a network node starts at its own vertices
            for layer in ("road", "gate"):
                own = self.net.vertex(node_id, layer)
                if own >= 0:
                    others = verts != own
                    verts, km = np.append(verts[others], own), np.append(km[others], 0.0)
        return verts, km


def build_graph(net: Network, state: EdgeState, mask: np.ndarray, endpoints: list[tuple[float, float, str | None, str]],
                access: Access, gates: bool | None = None, links: PointLinks | None = None) -> tuple[Graph, list[int]]:
    """Active edges plus one new vertex per endpoint, joined by access edges in both directions.

    `gates`: True joins the endpoints to terminal gates only (intermodal trips), False to road vertices only
    (all-road trips), None to both. `links`: the endpoints' `access.edges_many(endpoints)`, when already
    computed (a skim builds two graphs on the same endpoints)."""
    active = state.active & mask
    idx = np.flatnonzero(active)
    vertex_country = access.vertex_country
    srcs, dsts, hours, usd, co2, km, mode, kind, eid = ([net.src[idx]], [net.dst[idx]], [state.hours[idx]], [state.usd[idx]],
                                                         [state.co2_kg[idx]], [state.km[idx]], [net.mode[idx]],
                                                         [net.kind[idx]], [idx.astype(np.int64)])
    border = [(state.border_hours if state.border_hours is not None else net.border_hours)[idx]]
    n = net.n_vertices
    new_vertices = list(range(n, n + len(endpoints)))
    countries = [access.country_index.get(country, -1) for _, _, _, country in endpoints]
    links = access.edges_many(endpoints) if links is None else links
    owner = np.repeat(np.arange(n, n + len(endpoints), dtype=np.int64), links.count)
    cat = [links.verts, links.km, links.hours, links.usd, links.co2_kg, links.border_hours]
    m = links.count
    if gates is not None:  # gates kept or dropped
        keep = access.is_gate(links.verts) == gates
        owner, cat = owner[keep], [c[keep] for c in cat]
        m = np.bincount(owner - n, minlength=len(endpoints)).astype(np.int64)
    # each endpoint's block: its links out (endpoint -> vertex), then the same links in (vertex -> endpoint)
    total = int(m.sum())
    verts_all = cat[0].astype(np.int64)
    before = np.repeat(np.cumsum(m) - m, m)
    pos_out = np.arange(total) + before
    pos_in = pos_out + np.repeat(m, m)

    def both(out_vals, in_vals, dtype):
        a = np.empty(2 * total, dtype=dtype)
        a[pos_out], a[pos_in] = out_vals, in_vals
        return a

    srcs.append(both(owner, verts_all, np.int64)); dsts.append(both(verts_all, owner, np.int64))
    for lst, vals in ((km, cat[1]), (hours, cat[2]), (usd, cat[3]), (co2, cat[4]), (border, cat[5])):
        lst.append(both(vals, vals, np.float64))
    mode.append(np.full(2 * total, ROAD, dtype=np.int8)); kind.append(np.full(2 * total, ACCESS, dtype=np.int8))
    eid.append(-(np.arange(2 * total, dtype=np.int64) + 1))
    g = Graph(n=n + len(new_vertices), src=np.concatenate(srcs), dst=np.concatenate(dsts), hours=np.concatenate(hours),
              usd=np.concatenate(usd), co2_kg=np.concatenate(co2), km=np.concatenate(km), mode=np.concatenate(mode),
              kind=np.concatenate(kind), edge_id=np.concatenate(eid),
              vertex_country=np.concatenate([vertex_country, np.array(countries, dtype=np.int32)]),
              border_hours=np.concatenate(border))
    return g, new_vertices


def weights_of(g: Graph, state: EdgeState, objective: str) -> np.ndarray:
    tmp = replace(state, hours=g.hours, usd=g.usd, co2_kg=g.co2_kg)
    return tmp.weights(objective)


__all__ = ["Access", "BaseGraph", "Graph", "PointLinks", "build_graph", "weights_of"]


# Point queries use the compiled search (routing.dijkstra) once numba is loaded in this process (by a skim, the
# API's warm-up or `warm_compiled_search()`); a one-shot CLI query runs the same source on lists
# (`routing.pointsearch.point_search_lists`) rather than pay numba's ~1 s import or scipy's ~0.2 s for a few
# searches. All give the same paths (tests/test_dijkstra.py, tests/test_point_search.py). True forces the compiled search, False the
# previous one (scipy's Dijkstra, numpy masks: the oracle of the tests and the benchmarks' "previous").
COMPILED_SEARCH: bool | None = None


def _use_compiled() -> bool:
    if COMPILED_SEARCH is not None:
        return COMPILED_SEARCH
    import sys

    return "beltroad.routing.dijkstra" in sys.modules


def _ends(origin_verts, origin_w, dest_verts, dest_w) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A search's origin and destination links as the searches take them (int64 vertices, float64 weights)."""
    return (np.asarray(origin_verts, dtype=np.int64), np.asarray(origin_w, dtype=np.float64),
            np.asarray(dest_verts, dtype=np.int64), np.asarray(dest_w, dtype=np.float64))


def warm_compiled_search() -> None:
    """Load the compiled point search (from numba's on-disk cache after the first run) for a long-lived process."""
    from beltroad.routing.dijkstra import masked_groups, point_search

    one = np.zeros(1)
    point_search(np.array([0, 1, 1], dtype=np.int64), np.array([1], dtype=np.int64), one, 2,
                 np.array([0], dtype=np.int64), one, np.array([1], dtype=np.int64), one, math.inf)
    masked_groups(np.ones(1, dtype=np.bool_), np.zeros(1, dtype=np.int64), one, np.zeros(1, dtype=np.int64),
                  np.zeros(1, dtype=np.int64))


class BaseGraph:
    """The scenario's active edges as one CSR per objective, built once and reused by every query.

    Parallel edges are reduced to the cheapest; a query masks edges by setting their weight to inf,
    penalises edges by multiplying it, and adds its origin as one extra CSR row (vertex n). The
    destination needs no edges: the best of its access vertices is picked from the distance array.
    """

    def __init__(self, net: Network, state: EdgeState, objective: str):
        self.net, self.state, self.objective = net, state, objective
        n = net.n_vertices
        self.n = n + 1                                  # row n: the query's origin
        idx = np.flatnonzero(state.active)
        raw = state.weights(objective)[idx]
        w = np.maximum(raw, 0.0) + EPS
        # does a path's search distance bound its objective value from above by at most EPS per edge (no weight
        # clipped at 0, no negative price in the generalised cost)? Then a best-route query may stop searching
        # beyond its best route (Planner._bound)
        self.weights_bound_values = bool((raw >= 0).all()) and (objective != "generalized" or (
            state.value_of_time_usd_per_day >= 0 and state.carbon_price_usd_per_t >= 0))
        key = net.src[idx].astype(np.int64) * self.n + net.dst[idx]
        order = np.lexsort((w, key))
        first = np.ones(len(order), dtype=bool)
        first[1:] = key[order][1:] != key[order][:-1]
        keep = order[first]                             # sorted by key = row-major CSR order
        # every parallel edge, cheapest first within its CSR position: a query mask that removes the cheapest
        # (a Suez sailing, a crossing of an avoided country) falls back to the next one (the Cape diversion)
        self.all_edge, self.all_data = idx[order], w[order]
        self.group_start = np.flatnonzero(first)
        self.has_parallel = len(self.all_edge) > len(keep)
        self.edge = idx[keep]                           # CSR position -> network edge (the cheapest)
        self.keys = key[keep]
        self.data = w[keep]
        self.indices = net.dst[self.edge].astype(np.int32)
        counts = np.bincount(net.src[self.edge], minlength=self.n)
        self.indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        # position of the reverse edge (v, u) of each CSR entry, -1 if none (penalties hit both directions)
        rev = net.dst[self.edge].astype(np.int64) * self.n + net.src[self.edge]
        pos = np.searchsorted(self.keys, rev)
        pos = np.minimum(pos, len(self.keys) - 1)
        self.reverse = np.where(self.keys[pos] == rev, pos, -1)
        self._csr: tuple[np.ndarray, np.ndarray] | None = None  # int64 indptr/indices for the compiled search
        self._lists: tuple[list[int], list[int]] | None = None  # the same as lists for the plain-Python search
        self._pos_src: list[int] | None = None

    def weights(self, hours: np.ndarray, usd: np.ndarray, co2: np.ndarray) -> np.ndarray:
        """Search weights of edges with these values: `EdgeState.weights` of them (on a light stand-in for the
        state, not a `dataclasses.replace` copy), clipped at 0, plus EPS."""
        st = self.state
        values = SimpleNamespace(hours=hours, usd=usd, co2_kg=co2, value_of_time_usd_per_day=st.value_of_time_usd_per_day,
                                 carbon_price_usd_per_t=st.carbon_price_usd_per_t)
        return np.maximum(type(st).weights(values, self.objective), 0.0) + EPS

    def masked(self, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(CSR weights, network edge of each CSR position) under a mask over the network's edges: each
        position takes its cheapest allowed parallel edge (weight inf when none is allowed)."""
        if not _use_compiled():
            return self.masked_numpy(allowed)
        from beltroad.routing.dijkstra import masked_groups

        edge = self.edge.copy()
        data = masked_groups(np.asarray(allowed, dtype=np.bool_), self.all_edge, self.all_data, self.group_start, edge)
        return data, edge

    def masked_numpy(self, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`masked` in numpy (the oracle of the tests)."""
        ok = allowed[self.all_edge]
        w = np.where(ok, self.all_data, np.inf)
        data = np.minimum.reduceat(w, self.group_start) if len(w) else w
        edge = self.edge.copy()
        pos = np.flatnonzero(ok)
        group = np.searchsorted(self.group_start, pos, side="right") - 1
        first_pos = pos[np.unique(group, return_index=True)[1]]  # sorted by weight: first allowed is the best
        edge[np.unique(group)] = self.all_edge[first_pos]
        return data, edge

    def path(self, data: np.ndarray, origin_verts: np.ndarray, origin_w: np.ndarray, dest_verts: np.ndarray,
             dest_w: np.ndarray, limit: float = math.inf) -> tuple[list[int], int, int] | None:
        """Cheapest origin -> destination path under `data` (CSR weights, inf = masked).

        Returns (CSR positions of the network edges in order, index of the origin access edge used,
        index of the destination access edge used), or None when no path exists (or none costs at most
        `limit`: the search then stops early). A compiled search (routing.dijkstra.point_search) on the base
        CSR, stopping once the destination is settled; `path_scipy` is the same answer from scipy's Dijkstra
        (the oracle of the tests). Raises `deadline.PlanningTimeout` when the caller's time limit has passed.
        """
        deadline.check()
        if COMPILED_SEARCH is False:
            return self._within_limit(self.path_scipy(data, origin_verts, origin_w, dest_verts, dest_w), data,
                                      origin_w, dest_w, limit)
        if not _use_compiled():
            return self.path_python(data, origin_verts, origin_w, dest_verts, dest_w, limit)
        from beltroad.routing.dijkstra import point_search

        if self._csr is None:
            self._csr = (self.indptr.astype(np.int64), self.indices.astype(np.int64))
        indptr, indices = self._csr
        ov, ow, dv, dw = _ends(origin_verts, origin_w, dest_verts, dest_w)
        dist, pred = point_search(indptr, indices, np.asarray(data, dtype=np.float64), self.n - 1, ov, ow, dv, dw,
                                  float(limit))
        return self._trace(dist, pred, ov, ow, dv, dw, limit)

    def path_python(self, data: np.ndarray, origin_verts: np.ndarray, origin_w: np.ndarray, dest_verts: np.ndarray,
                    dest_w: np.ndarray, limit: float = math.inf) -> tuple[list[int], int, int] | None:
        """`path` by the compiled search's source run in plain Python on lists (`point_search_lists`)."""
        from beltroad.routing.pointsearch import point_search_lists

        if self._lists is None:
            self._lists = (self.indptr.tolist(), self.indices.tolist())
        indptr, indices = self._lists
        ov, ow, dv, dw = _ends(origin_verts, origin_w, dest_verts, dest_w)
        dist, pred = point_search_lists(indptr, indices, np.asarray(data, dtype=np.float64).tolist(), self.n - 1,
                                        ov.tolist(), ow.tolist(), dv.tolist(), dw.tolist(), float(limit))
        return self._trace(np.array(dist), np.array(pred, dtype=np.int64), ov, ow, dv, dw, limit)

    def _trace(self, dist: np.ndarray, pred: np.ndarray, ov: np.ndarray, origin_w: np.ndarray, dv: np.ndarray,
               dest_w: np.ndarray, limit: float = math.inf) -> tuple[list[int], int, int] | None:
        """The best destination access link and the CSR positions back from it to the origin's access link."""
        if not len(dv):
            return None
        total = dist[dv] + dest_w
        b = int(np.argmin(total))
        if not (total[b] < math.inf and total[b] <= limit):  # none, or beyond the limit (not sought)
            return None
        if self._pos_src is None:
            self._pos_src = self.net.src[self.edge].tolist()  # CSR position -> the vertex it leaves
        pos_src = self._pos_src
        positions = []
        v = int(dv[b])
        q = int(pred[v])
        while q >= 0:
            positions.append(q)
            v = pos_src[q]
            q = int(pred[v])
        positions.reverse()
        return positions, -1 - q, b

    def _within_limit(self, found, data, origin_w, dest_w, limit):
        """A found path, or None when it costs more than `limit` (as the searches with a limit answer)."""
        if found is None or limit == math.inf:
            return found
        positions, a, b = found
        total = float(origin_w[a])
        for q in positions:  # added in path order, as the searches add
            total += float(data[q])
        return found if total + float(dest_w[b]) <= limit else None

    def path_scipy(self, data: np.ndarray, origin_verts: np.ndarray, origin_w: np.ndarray, dest_verts: np.ndarray,
                   dest_w: np.ndarray) -> tuple[list[int], int, int] | None:
        """`path` by scipy's Dijkstra over a CSR matrix with the origin as its last row."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        indptr = self.indptr.copy()
        indptr[-1] += len(origin_verts)  # the last row (the origin) was empty in the base graph
        mat = csr_matrix((np.concatenate([data, origin_w]),
                          np.concatenate([self.indices, origin_verts.astype(np.int32)]), indptr),
                         shape=(self.n, self.n))
        dist, pred = dijkstra(mat, directed=True, indices=self.n - 1, return_predecessors=True)
        total = dist[dest_verts] + dest_w
        if not len(total) or not np.isfinite(total.min()):
            return None
        b = int(np.argmin(total))
        verts = [int(dest_verts[b])]
        while verts[-1] != self.n - 1:
            verts.append(int(pred[verts[-1]]))
        verts.reverse()
        first_hop = verts[1]
        a = int(np.flatnonzero(origin_verts == first_hop)[np.argmin(origin_w[origin_verts == first_hop])])
        pairs = np.array([u * self.n + v for u, v in zip(verts[1:-1], verts[2:])], dtype=np.int64)
        positions = np.searchsorted(self.keys, pairs).tolist() if len(pairs) else []
        return positions, a, b
