"""From a found path to a `Route`: legs, time breakdown, borders, passages, corridors, customs, totals.

The planner finds a path as a small `Graph` (its edges in path order, the stops as extra vertices); this
module turns it into what a user reads. Per-edge work is done with numpy over the path's edges: which edges
are handling stops, where one leg ends and the next begins, each leg's sums. The legs' coordinates (the map
geometry) are drawn only when a face asks for them (`Leg.coordinates`), since most callers never do.

Sums are running totals in path order (`np.add.accumulate`), the same additions in the same order as the
loop this replaced, so results are bit-for-bit those of the previous code (`np.sum` would add pairwise).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import numpy as np

from beltroad.network.build import (ACCESS, FERRY_BOARD, GAUGE, LINK, MODES, PORT, PORT_SEA, RAIL, ROAD, SEA, SEA_MODE,
                                    TRANSFER, TRANSSHIP, Network)
from beltroad.data.geo import EARTH_RADIUS_KM, haversine_km, unit_vectors
from beltroad.data.sea import PASSAGES
from beltroad.places import Place
from beltroad.routing.engine import Access, Graph, end_customs_parts
from beltroad.scenario.state import EdgeState
from beltroad.routing.result import TIME_PARTS, Leg, Route

HANDLING_KINDS = (TRANSFER, PORT, FERRY_BOARD, GAUGE, TRANSSHIP)
HANDLING_LABELS = {TRANSFER: "rail terminal handling", PORT: "port handling and dwell",
                   FERRY_BOARD: "ferry terminal and wait", GAUGE: "gauge change",
                   TRANSSHIP: "transshipment (change of ship)"}
_IS_HANDLING = np.zeros(max(HANDLING_KINDS + (ACCESS, SEA, LINK)) + 1, dtype=bool)
_IS_HANDLING[list(HANDLING_KINDS)] = True
_LEG_MODE_NAMES = np.asarray(MODES + [""], dtype=object)  # by leg code; -1 (a handling stop) is the last, ""
# the columns summed per leg, in this order
_SUMS = ("km", "hours", "usd", "co2", "moving", "handling", "border", "waiting", "drive")
_HANDLING, _BORDER = _SUMS.index("handling"), _SUMS.index("border")


def _max0(x: float) -> float:
    """np.maximum(x, 0.0) of one value (x itself when x >= 0 or NaN)."""
    return x if (x >= 0.0 or x != x) else 0.0
CUSTOMS_DETAIL = ("export and import customs (Doing Business border compliance, beyond the border or port dwell it "
                  "overlaps)")


STOP_CACHE_SIZE = 4096  # per planner: per-place work kept for the next query of that place (about 3 KB each)


EDGE_LINES_MAX_POINTS = 200_000  # per network: drawn edge lines kept (~130 bytes a point, so ~26 MB at most)


class _EdgeLines(dict):
    """(edge, src, dst) -> its drawn [[lon, lat], ...] (`PathEvaluator._leg_coords`), filled as legs are drawn and
    emptied when it holds EDGE_LINES_MAX_POINTS points (the sea lanes alone have ~750,000: a long-running server
    would otherwise keep them all as Python lists). Safe without a lock: a lost entry is only drawn again."""

    points = 0

    def keep(self, key: tuple, pts: list[list[float]]) -> None:
        if self.points + len(pts) > EDGE_LINES_MAX_POINTS:
            self.clear()
            self.points = 0
        self[key] = pts
        self.points += len(pts)


def _new_edge_lines(net: Network) -> _EdgeLines:
    from beltroad.routing.result import EdgeLine, joined_text

    lines = _EdgeLines()
    lines.kinds = (EdgeLine, joined_text)  # what `_leg_coords` makes (an import there costs ~1 us)
    return lines


def remember(cache: dict, key, value) -> None:
    """Keep `value` in a per-planner cache of per-place work, emptied when full (popular places come back at
    once). Safe without a lock: a dict's get and set are atomic, and a lost entry is only computed again."""
    if len(cache) >= STOP_CACHE_SIZE:
        cache.clear()
    cache[key] = value


@dataclass
class Stops:
    """The stops of one query (origin, vias, destination): path graphs number them n_vertices + i."""

    places: list[Place]
    shared: dict | None = field(default=None, repr=False, compare=False)  # the planner's `within` by place
    table: Callable[[Place, float], np.ndarray | None] | None = field(default=None, repr=False, compare=False)
    radii: tuple[float, ...] = field(default=(), repr=False, compare=False)  # asked together (see `within`)

    def __post_init__(self) -> None:
        self.lon = np.array([p.lon for p in self.places], dtype=float)
        self.lat = np.array([p.lat for p in self.places], dtype=float)
        self.names = np.array([p.name for p in self.places], dtype=object)
        self._within: dict[tuple[int, float], np.ndarray] = {}

    def within(self, net: Network, i: int, radius_km: float, vertex_xyz: np.ndarray) -> np.ndarray:
        """Vertices within `radius_km` (great circle) of stop i, computed once per query and radius.

        The haversine distance is computed only for the vertices that a dot product of unit vectors
        (`vertex_xyz`) puts between radius_km - 1 km and radius_km + 1 km (a margin far above the dot product's
        rounding error, ~1e-10 km): those nearer are within, those farther are not, so the answer is the full
        computation's. The other `radii` of the stop not yet known are computed in the same pass (elementwise,
        the same values as one by one)."""
        key = (i, radius_km)
        out = self._within.get(key)
        if out is None and self.shared is not None:
            p = self.places[i]
            out = self._within[key] = self.shared.get((p.lat, p.lon, radius_km))
        if out is None and self.table is not None:  # a network place's mask from the planner's table
            out = self.table(self.places[i], radius_km)
            if out is not None:
                self._within[key] = out
        if out is None:
            p = self.places[i]
            # this radius and the others the planner asks (`radii`) at once: one product, one haversine call
            radii = [radius_km] + [r for r in self.radii if r != radius_km and (i, r) not in self._within]
            cos_angle = vertex_xyz @ unit_vectors([p.lat], [p.lon])[0]
            nears, outs = [], []
            for r in radii:
                near = cos_angle >= np.cos((r + 1.0) / EARTH_RADIUS_KM)
                nears.append(near)
                outs.append(cos_angle >= np.cos((r - 1.0) / EARTH_RADIUS_KM) if r > 2.0 else np.zeros_like(near))
            band = np.flatnonzero(np.logical_or.reduce([near & ~o for near, o in zip(nears, outs)]))
            km = haversine_km(p.lat, p.lon, net.vertex_lat[band], net.vertex_lon[band])
            for r, near, o in zip(radii, nears, outs):
                sel = near[band] & ~o[band]
                o[band[sel]] = km[sel] <= r
                o.flags.writeable = False  # shared by the queries of this place
                self._within[(i, r)] = o
                if self.shared is not None:
                    remember(self.shared, (p.lat, p.lon, r), o)
            out = self._within[key]
        return out


@dataclass(eq=False)
class PathMeasure:
    """A path's legs as numbers (one entry per leg, the customs leg last) and what the planner compares."""

    g: Graph
    stops: Stops
    origin: Place
    destination: Place
    pe: "PathEdges"
    first: list[int]                # first path edge of each leg (not the customs leg)
    modes: list[str]
    km: list[float]
    hours: list[float]
    usd: list[float]
    co2: list[float]
    parts: list[list[float]]        # per TIME_PARTS, per leg
    to_country: list[str]
    shown: list[int]                # the legs a route shows (the others are empty)
    total_hours: float
    total_usd: float
    total_co2: float
    total_km: float
    moving_km: dict[str, float]     # km per mode (access trucks 0), in the order first used
    main_mode: str
    countries: list[str]
    passages: list[str]
    transfers: int
    objective_value: float
    signature: tuple
    edges: list[int]                # network edges of the path

    @property
    def transit_days(self) -> float:
        return self.total_hours / 24.0

    def corridor_key(self, major_leg_km: float) -> tuple:
        """The sequence of major legs (mode, country where each ends): what makes two routes different."""
        key = []
        for j in self.shown:
            if self.modes[j] != "handling" and self.km[j] >= major_leg_km:
                item = (self.modes[j], self.to_country[j] if j < len(self.to_country) else "")
                if not key or key[-1] != item:
                    key.append(item)
        return tuple(key) or (self.main_mode,)


@dataclass
class PathEdges:
    """Per-edge arrays of a found path (path order) and how its edges group into legs."""

    src: np.ndarray
    dst: np.ndarray
    kind: np.ndarray
    mode: np.ndarray              # the edge's own mode (MODES index)
    edge_id: np.ndarray           # network edge, or < 0 for an access edge
    on_net: np.ndarray            # edge_id >= 0
    net_edge: np.ndarray          # max(edge_id, 0): safe to index network arrays (use with on_net)
    values: np.ndarray            # (edges, len(_SUMS)) the summed quantities
    handling: np.ndarray          # bool: a handling stop (terminal, port, ferry boarding, gauge change)
    leg_mode: np.ndarray          # object: the mode of the leg the edge belongs to ("" for handling stops)
    leg_code: np.ndarray          # the same as a MODES index (-1 for handling stops)
    leg: np.ndarray               # leg index of each edge
    starts: np.ndarray            # first edge of each leg
    ends: np.ndarray              # one past the last edge of each leg

    def col(self, name: str) -> np.ndarray:
        return self.values[:, _SUMS.index(name)]


def path_edges(g: Graph) -> PathEdges:
    """Gather a path graph's per-edge arrays and cut it into legs: every handling stop is a leg of its own,
    and a run of consecutive movement edges of one mode (sea sailings and port-to-sea links count as sea,
    first/last-mile access as road) is one leg."""
    kind = g.kind.astype(np.int64)
    eid = g.edge_id
    hours, move, border, wait = g.hours, g.move_hours, g.border_hours, g.wait_hours
    rest = hours - move - border - wait
    handling_h = np.where(0.0 > rest, 0.0, rest)  # max(x, 0.0) as Python's max would
    handling = _IS_HANDLING[kind]
    leg_code = g.mode.astype(np.int64)  # a copy: the leg's mode as a MODES index (-1: a handling stop)
    leg_code[(kind == SEA) | (kind == PORT_SEA)] = SEA_MODE
    leg_code[kind == ACCESS] = ROAD
    leg_code[handling] = -1
    leg_mode = _LEG_MODE_NAMES[leg_code]
    drive = np.where(leg_code == ROAD, move - g.rest_hours, 0.0)
    km = g.km
    values = np.column_stack([km, hours, g.usd, g.co2_kg, move, handling_h, border, wait, drive])
    m = len(kind)
    new = np.ones(m, dtype=bool)
    if m > 1:
        new[1:] = handling[1:] | handling[:-1] | (leg_code[1:] != leg_code[:-1])
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], m)
    leg = np.cumsum(new) - 1
    return PathEdges(src=g.src, dst=g.dst, kind=kind, mode=g.mode, edge_id=eid, on_net=eid >= 0, net_edge=np.maximum(eid, 0),
                     values=values, handling=handling, leg_mode=leg_mode, leg_code=leg_code, leg=leg, starts=starts,
                     ends=ends)


def running_sums(values: np.ndarray, pe: PathEdges) -> np.ndarray:
    """Per-leg totals of `values` (edges x columns), added one edge at a time in path order."""
    offset = np.arange(len(pe.leg)) - pe.starts[pe.leg]
    grid = np.zeros((int(offset.max()) + 1 if len(offset) else 1, len(pe.starts), values.shape[1]))
    grid[offset, pe.leg] = values
    return np.add.accumulate(grid, axis=0)[-1]


def last_where(ok: np.ndarray, pe: PathEdges) -> np.ndarray:
    """Per leg: the last edge where `ok` holds, or the leg's first edge."""
    idx = np.where(ok, np.arange(len(ok)), -1)
    idx[pe.starts] = np.maximum(idx[pe.starts], pe.starts)
    return np.maximum.reduceat(idx, pe.starts)


class _Names:
    """The name of each vertex of a path graph: the network's vertex names, then the query's stops (n_vertices +
    i), looked up one at a time (a describe reads a few dozen, not a copy of all)."""

    __slots__ = ("vertex", "stops", "n")

    def __init__(self, vertex_names: np.ndarray, stop_names: np.ndarray):
        self.vertex, self.stops, self.n = vertex_names, stop_names, len(vertex_names)

    def __getitem__(self, v) -> str:
        v = int(v)
        return self.vertex[v] if v < self.n else self.stops[v - self.n]


class PathEvaluator:
    """Turns the planner's found paths into `Route`s (network lookups gathered once per network)."""

    def __init__(self, net: Network, access: Access, place_names: np.ndarray, place_ids: np.ndarray,
                 vertex_names: np.ndarray, state: EdgeState):
        self.net, self.access, self.state = net, access, state
        self.place_names, self.place_ids, self.vertex_names = place_names, place_ids, vertex_names
        self.countries = np.asarray(net.countries + [""], dtype=object)  # index -1: no country (at sea)
        n_links = net.table_len("links")
        self.link_ids = net.column("links", "id") if n_links else np.array([], dtype=object)
        self.link_corridors = ([tuple(c for c in str(v).split(";") if c) for v in net.column("links", "corridor")]
                               if n_links else [])
        self.layer_names = np.asarray(net.layers, dtype=object)

    # ---------------------------------------------------------------------------------------- route
    def route(self, g: Graph, origin: Place, destination: Place, objective: str, stops: Stops) -> tuple[Route, tuple, list[int]]:
        """(route, signature, network edges) of a path graph (`measure`, then `describe`)."""
        m = self.measure(g, origin, destination, objective, stops)
        return self.describe(m), m.signature, m.edges

    def measure(self, g: Graph, origin: Place, destination: Place, objective: str, stops: Stops) -> "PathMeasure":
        """What the planner compares paths by, and the legs' numbers: legs cut and summed, truck rest,
        customs, totals, main mode, countries, passages, the objective value. `describe` adds the rest."""
        pe = path_edges(g)
        sums = running_sums(pe.values, pe)
        first = pe.starts.tolist()
        handling = pe.handling[pe.starts].tolist()
        cols = dict(zip(_SUMS, sums.T.tolist()))
        modes = ["handling" if h else pe.leg_mode[e] for e, h in zip(first, handling)]
        km = [0.0 if h else x for x, h in zip(cols["km"], handling)]
        hours, moving = cols["hours"], cols["moving"]
        self._truck_rest(modes, hours, moving, cols["drive"])
        parts = [moving, cols["handling"], cols["border"], [0.0] * len(first), cols["waiting"]]  # as TIME_PARTS
        usd, co2 = cols["usd"], cols["co2"]
        extra, cu, n_events = self._customs(pe, origin, destination)
        if extra is not None:  # the customs leg, last
            modes, km, hours, usd, co2 = modes + ["handling"], km + [0.0], hours + [extra], usd + [cu], co2 + [0.0]
            parts = [x + [v] for x, v in zip(parts, (0.0, 0.0, 0.0, extra, 0.0))]
        d_country = g.vertex_country[pe.dst]
        to_country = self.countries[d_country[last_where(d_country >= 0, pe)]].tolist()
        total_h, total_usd, total_co2, total_km = (float(sum(x)) for x in (hours, usd, co2, km))
        mode_km = self._mode_km(pe)
        moving_km = {m: k for m, k in mode_km.items() if m != "handling"}
        main_mode = max(moving_km, key=moving_km.get) if moving_km else "road"
        countries = self._countries(g, pe, origin, destination)
        passages = self._passages(pe)
        shown = [j for j in range(len(modes)) if km[j] > 0.05 or hours[j] > 0.01 or usd[j] > 0.01]
        value = {"time": total_h, "cost": total_usd, "co2": total_co2,
                 "generalized": total_usd + total_h / 24.0 * self.state.value_of_time_usd_per_day
                 + total_co2 / 1000.0 * self.state.carbon_price_usd_per_t}[objective]
        return PathMeasure(g=g, stops=stops, origin=origin, destination=destination, pe=pe, first=first, modes=modes,
                           km=km, hours=hours, usd=usd, co2=co2, parts=parts, to_country=to_country, shown=shown,
                           total_hours=total_h, total_usd=total_usd, total_co2=total_co2, total_km=total_km,
                           moving_km=moving_km, main_mode=main_mode, countries=countries, passages=passages,
                           transfers=int((pe.handling & (pe.kind != GAUGE)).sum()), objective_value=value,
                           signature=(main_mode, tuple(countries), tuple(passages)),
                           edges=pe.edge_id[pe.on_net].tolist())

    def describe(self, m: "PathMeasure") -> Route:
        """The Route of a measured path: its legs (named, labelled, drawn on demand), borders, gauge changes,
        corridors, summary line and time breakdown."""
        pe = m.pe
        names = _Names(self.vertex_names, m.stops.names)
        legs = [self._leg(m, j, names) for j in m.shown]
        via = m.countries[1:-1]
        moving = m.moving_km
        others = sorted((x for x in moving if x != m.main_mode and moving[x] > 50), key=lambda x: -moving[x])
        summary = "+".join([m.main_mode] + others) + (f" via {'-'.join(via)}" if via else "") + (
            f" ({', '.join(m.passages)})" if m.passages else "")
        modes = list(dict.fromkeys(leg.mode for leg in legs if leg.mode != "handling"))  # of the legs shown
        breakdown = {k: float(sum(leg.hours_by_part[k] for leg in legs)) for k in TIME_PARTS}
        route = Route(rank=0, summary=summary, modes=modes, main_mode=m.main_mode, distance_km=m.total_km,
                      transit_days=m.total_hours / 24.0, cost_usd=m.total_usd, co2_kg=m.total_co2,
                      countries=m.countries, passages=m.passages, border_crossings=self._border_crossings(pe, names),
                      gauge_changes=self._gauge_changes(pe, names), transfers=m.transfers,
                      corridors=self._corridors(pe), legs=legs, time_breakdown_hours=breakdown,
                      terminal_to_terminal_days=self._terminal_hours(m, legs, breakdown) / 24.0)
        route.objective_value = m.objective_value
        return route

    @staticmethod
    def _terminal_hours(m: "PathMeasure", legs: list[Leg], breakdown: dict[str, float]) -> float:
        """Terminal to terminal: without the first- and last-mile trucks of an intermodal trip, and customs.
        Only a road leg made of access links is drayage: a truck shuttle between two railheads (the Karakoram
        Highway) is part of the terminal-to-terminal haul."""
        t2t = m.total_hours - breakdown["customs"]
        pe = m.pe
        movement = [(j, leg) for j, leg in zip(m.shown, legs) if leg.mode != "handling" and j < len(m.first)]
        if m.main_mode != "road" and movement:
            for j, leg in dict([movement[0], movement[-1]]).items():
                if leg.mode == "road" and (pe.kind[pe.starts[j]:pe.ends[j]] == ACCESS).all():
                    t2t -= leg.transit_hours
        return t2t

    # ---------------------------------------------------------------------------------------- legs
    def _leg(self, m: "PathMeasure", j: int, names: "_Names") -> Leg:
        """Leg j of a measured path: a handling stop, a run of movement edges of one mode, or the customs leg."""
        parts = {k: m.parts[i][j] for i, k in enumerate(TIME_PARTS)}
        if j == len(m.first):  # the customs leg
            return Leg("handling", m.origin.name, m.destination.name, 0.0, m.hours[j], m.usd[j], 0.0, CUSTOMS_DETAIL,
                       hours_by_part=parts)
        pe, e = m.pe, m.first[j]
        if m.modes[j] == "handling":
            return Leg("handling", str(names[pe.src[e]]), str(names[pe.dst[e]]), 0.0, m.hours[j], m.usd[j], m.co2[j],
                       self._handling_label(pe, e, parts["waiting"]), hours_by_part=parts)
        end = int(pe.ends[j])
        d_names = [names[v] for v in pe.dst[e:end].tolist()]
        to_place = next((x for x in reversed(d_names) if x != "sea"), d_names[0])  # the last named place (not "sea")
        return Leg(m.modes[j], str(names[pe.src[e]]), str(to_place), m.km[j], m.hours[j], m.usd[j], m.co2[j],
                   detail=self._liner_detail(pe, e), to_country=m.to_country[j], hours_by_part=parts,
                   draw=partial(self._leg_coords, m.g, m.stops, e, end))

    def _handling_label(self, pe: PathEdges, e: int, wait: float) -> str:
        """What a terminal, port, ferry, gauge-change or transshipment stop is, by its kind."""
        net = self.net
        kind = int(pe.kind[e])
        s, d = int(pe.src[e]), int(pe.dst[e])
        label = HANDLING_LABELS[kind]
        if kind == PORT:
            pid = self.place_ids[net.vertex_place[s if net.vertex_place[s] >= 0 else d]]
            export = net.layers[net.vertex_layer[d]] == "port"  # loading onto a ship: the export dwell
            basis = net.port_export_basis.get(pid, "register") if export else \
                net.port_dwell_basis.get(pid, "register")
            if basis == "export_default":
                label += " (export dwell: default)"
            elif basis != "register":
                label += f" (regional fallback dwell: {basis.replace('_', ' ')})"
        elif kind == TRANSFER and "barge" in (net.layers[net.vertex_layer[s]], net.layers[net.vertex_layer[d]]):
            label = "barge terminal handling" + (" and wait" if wait > 0 else "")
        elif kind == GAUGE:
            la, lb = net.layers[net.vertex_layer[s]], net.layers[net.vertex_layer[d]]
            label = f"gauge change {la[4:]}->{lb[4:]} mm"
        return label

    def _liner_detail(self, pe: PathEdges, e: int) -> str:
        """'liner service X: hub Singapore -> gateway Rotterdam' for a leg that starts with a liner sailing."""
        ne = int(pe.edge_id[e])
        if pe.kind[e] != SEA or ne < 0 or not self.net.service[ne]:
            return ""
        return f"liner service {self.net.service[ne]}: {self.port_role(int(pe.src[e]))} -> {self.port_role(int(pe.dst[e]))}"

    def port_role(self, v: int) -> str:
        """'hub Singapore', 'gateway Rotterdam', ... for a port vertex (from the register)."""
        net = self.net
        pid = self.place_ids[net.vertex_place[v]] if net.vertex_place[v] >= 0 else ""
        return f"{net.port_roles.get(pid, 'port')} {self.place_names[net.vertex_place[v]]}" if pid else "sea"

    def _truck_rest(self, modes: list[str], hours: list[float], moving: list[float], drive: list[float]) -> None:
        """A truck rests only after a full driving day: each road leg's rest follows the daily limit (road edges
        carry driving hours only; the search compares driving time). Updates `hours` and `moving` in place."""
        road = [j for j, x in enumerate(modes) if x == "road"]
        if not road:
            return
        day_h = self.access.drive_h
        off_h = 24.0 - day_h
        # Access.drive_elapsed_hours less the driving hours, one leg at a time (the same operations)
        exact = [(d + math.floor(d / day_h) * off_h) - d for d in (drive[j] for j in road)]
        for j, x in zip(road, exact):
            old_rest = moving[j] - drive[j]
            hours[j] += x - old_rest
            moving[j] = drive[j] + x

    # ---------------------------------------------------------------------------------------- what it crosses
    def _countries(self, g: Graph, pe: PathEdges, origin: Place, destination: Place) -> list[str]:
        """Countries in the order the movement edges pass them, from the origin's to the destination's."""
        mv = ~pe.handling
        seq = g.vertex_country[np.column_stack([pe.src[mv], pe.dst[mv]]).ravel()]
        names = self.countries[seq[seq >= 0]]
        prev = np.concatenate([np.array([origin.country], dtype=object), names])[:-1]
        countries = [origin.country, *names[names != prev].tolist()]
        if countries[-1] != destination.country and destination.country:
            countries.append(destination.country)
        return countries

    def _passages(self, pe: PathEdges) -> list[str]:
        """Straits and canals the sailings pass, in the order first passed."""
        bits = self.net.passage_bits[pe.net_edge[pe.on_net & ~pe.handling]]
        out: dict[str, None] = {}
        for b in bits[bits != 0].tolist():  # edge by edge; within an edge by passage index
            for i, name in enumerate(PASSAGES):
                if (b >> i) & 1:
                    out[name] = None
        return list(out)

    def _corridors(self, pe: PathEdges) -> list[str]:
        """Named corridors of the network links used, in the order first used."""
        if not self.link_corridors:
            return []
        link = self.net.link[pe.net_edge[pe.on_net & ~pe.handling]]
        out: dict[str, None] = {}
        for li in dict.fromkeys(link[link >= 0].tolist()):
            out.update(dict.fromkeys(self.link_corridors[li]))
        return list(out)

    def _border_crossings(self, pe: PathEdges, names: "_Names") -> list[dict]:
        net = self.net
        at = np.flatnonzero(pe.on_net & ~pe.handling & net.border[pe.net_edge])
        out = []
        for e in at.tolist():
            ne, s, d = int(pe.edge_id[e]), int(pe.src[e]), int(pe.dst[e])
            out.append({"from_country": net.countries[net.country_from[ne]], "to_country": net.countries[net.country_to[ne]],
                        "at": f"{names[s]} - {names[d]}", "mode": MODES[int(pe.mode[e])],
                        "dwell_hours": round(float(pe.col("border")[e]), 1), "fee_usd": round(float(net.fee_usd[ne]), 1)})
        return out

    def _gauge_changes(self, pe: PathEdges, names: "_Names") -> list[dict]:
        net = self.net
        out = []
        for e in np.flatnonzero(pe.kind == GAUGE).tolist():
            s, d = int(pe.src[e]), int(pe.dst[e])
            la, lb = net.layers[net.vertex_layer[s]], net.layers[net.vertex_layer[d]]
            out.append({"place": str(names[s]), "from_mm": int(la[4:]), "to_mm": int(lb[4:]),
                        "hours": round(float(pe.col("hours")[e]), 1), "cost_usd": round(float(pe.col("usd")[e]), 1)})
        return out

    def _mode_km(self, pe: PathEdges) -> dict[str, float]:
        """Km per leg mode (access trucks count 0), modes in the order first used."""
        moving = (~pe.handling).tolist()
        codes = pe.leg_code.tolist()
        km = [0.0 if k == ACCESS else x for k, x in zip(pe.kind.tolist(), pe.values[:, 0].tolist())]
        out = {}
        for c in dict.fromkeys(x for x, mv in zip(codes, moving) if mv):
            vals = [x if (mv and code == c) else 0.0 for x, mv, code in zip(km, moving, codes)]
            total = vals[0]
            for x in vals[1:]:  # added one edge at a time in path order, as np.add.accumulate adds
                total += x
            out[MODES[c]] = total
        return out

    def _customs(self, pe: PathEdges, origin: Place, destination: Place) -> tuple[float | None, float, int]:
        """(hours, USD, customs events) of export and import clearance; None hours for a trip without.

        Customs clear once: export at the origin, import at the destination (Doing Business border
        compliance), while the container already waits at the first border or port of the trip (or the last):
        only the part of the clearance time beyond that dwell adds time (docs/model.md, "customs")."""
        net = self.net
        (exp_h, imp_h), cu = end_customs_parts(net, origin.country, destination.country)
        if not (exp_h or imp_h or cu):
            return None, 0.0, 0
        port = pe.kind == PORT
        border = ~pe.handling & ((pe.on_net & (pe.kind == LINK) & net.border[pe.net_edge])
                                 | ((pe.kind == ACCESS) & (pe.col("border") > 0)))
        at = np.flatnonzero(port | border)
        n = len(at)
        if n == 0:  # customs_beyond_dwell for one trip, in scalars (the same operations)
            extra = exp_h + imp_h
        else:
            e0, e1 = int(at[0]), int(at[-1])
            first = float(pe.values[e0, _HANDLING if port[e0] else _BORDER])
            last = float(pe.values[e1, _HANDLING if port[e1] else _BORDER])
            extra = _max0(exp_h + imp_h - first) if n == 1 else _max0(exp_h - first) + _max0(imp_h - last)
        return float(extra), cu, n

    # ---------------------------------------------------------------------------------------- geometry
    def _leg_coords(self, g: Graph, stops: Stops, lo: int, hi: int) -> list[list[float]]:
        """[lon, lat] points of the leg made of path edges lo..hi-1: each edge's line, joined where one ends
        at the next one's start.

        The same edges give the same line: a network edge's points are made once per network (`_edge_lines`),
        and so is a whole run of network edges (its key: the edges), which legs between the same terminals draw
        again and again, and a leg from or to a query's place (its key: the edges and the places' positions),
        joined from its runs and its other edges' lines. They are kept and shared, read-only (`EdgeLine`, whose
        [lon, lat] pairs are the edges' own), each with its JSON text, made once when the API first asks."""
        lines = self.net.derived("routing.edge_lines", _new_edge_lines)
        ei, sr, ds = g.edge_id[lo:hi], g.src[lo:hi], g.dst[lo:hi]
        key = (ei.tobytes(), sr.tobytes(), ds.tobytes(), ei.dtype.char + sr.dtype.char + ds.dtype.char)
        run = lines.get(key)  # a run of network edges (bytes: hashed and compared at C speed)
        if run is not None:
            return run
        placed_key = (*key, stops.lon.tobytes(), stops.lat.tobytes())  # a leg from or to a query's place
        leg = lines.get(placed_key)
        if leg is not None:
            return leg
        EdgeLine, joined_text = lines.kinds
        n = self.net.n_vertices
        eids, srcs, dsts = ei.tolist(), sr.tolist(), ds.tolist()
        on_net = [ne >= 0 and s < n and d < n for ne, s, d in zip(eids, srcs, dsts)]
        if on_net and all(on_net):  # a run of network edges: their kept lines, joined; kept whole
            out: list[list[float]] = []
            for e, ne, s, d in zip(range(lo, hi), eids, srcs, dsts):
                edge_key = (ne, s, d)
                pts = lines.get(edge_key)
                if pts is None:
                    pts = EdgeLine(self._edge_coords(g, stops, e).tolist())
                    lines.keep(edge_key, pts)
                if out and pts:
                    last, p0 = out[-1], pts[0]
                    if last[0] == p0[0] and last[1] == p0[1]:
                        out.extend(pts[1:])
                        continue
                out.extend(pts)
            run = EdgeLine(out)
            lines.keep(key, run)
            return run
        parts: list[tuple[EdgeLine, bool]] = []  # (line, without its first point)
        joined: list[list[float]] = []
        e = lo
        while e < hi:
            if on_net[e - lo]:  # the run of network edges from here
                end = e + 1
                while end < hi and on_net[end - lo]:
                    end += 1
                pts = self._leg_coords(g, stops, e, end)
            else:
                end = e + 1
                if eids[e - lo] < 0:  # an access edge: the straight line `_edge_coords` draws, as floats
                    pts = EdgeLine([list(self._pos(srcs[e - lo], stops)), list(self._pos(dsts[e - lo], stops))])
                else:
                    pts = EdgeLine(self._edge_coords(g, stops, e).tolist())
            e = end
            skip = False
            if joined and pts:
                last, p0 = joined[-1], pts[0]
                skip = last[0] == p0[0] and last[1] == p0[1]
            joined.extend(pts[1:] if skip else pts)
            parts.append((pts, skip))
        leg = EdgeLine(joined, partial(joined_text, parts))
        lines.keep(placed_key, leg)  # (its line depends on the places' positions too)
        return leg

    def _pos(self, v: int, stops: Stops) -> tuple[float, float]:
        net = self.net
        if v < net.n_vertices:
            return float(net.vertex_lon[v]), float(net.vertex_lat[v])
        i = v - net.n_vertices
        return float(stops.lon[i]), float(stops.lat[i])

    def _edge_coords(self, g: Graph, stops: Stops, e: int) -> np.ndarray:
        """(n, 2) lon, lat of one path edge: a sailing's sea lane, a land link's OpenStreetMap line (data/geometry.py,
        from its `from` to its `to` node, with the network's own end points so that consecutive legs join), or
        a straight line."""
        net = self.net
        ne = int(g.edge_id[e])
        s, d = int(g.src[e]), int(g.dst[e])
        if ne >= 0 and net.edge_geom[ne] >= 0:
            gi = int(net.edge_geom[ne])
            a, b = net.geom_offsets[gi], net.geom_offsets[gi + 1]
            pts = np.column_stack([net.geom_lon[a:b], net.geom_lat[a:b]]).astype(float)
            ps = self._pos(s, stops)
            if len(pts) and (abs(float(pts[0, 0]) - ps[0]) > 1e-6 or abs(float(pts[0, 1]) - ps[1]) > 1e-6):
                pts = pts[::-1]
            return pts
        a, b = self._pos(s, stops), self._pos(d, stops)
        if ne >= 0 and net.link[ne] >= 0 and net.mode[ne] in (RAIL, ROAD):
            from beltroad.data.geometry import link_geometry_array

            line = link_geometry_array(str(self.link_ids[int(net.link[ne])]))
            if line is not None and len(line) >= 2:
                x0, y0 = float(line[0, 0]), float(line[0, 1])
                if (x0 - b[0]) ** 2 + (y0 - b[1]) ** 2 < (x0 - a[0]) ** 2 + (y0 - a[1]) ** 2:
                    line = line[::-1]
                return np.concatenate([[a], line[1:-1], [b]]).astype(float)
        return np.array([a, b], dtype=float)

