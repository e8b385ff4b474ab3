"""From a found path to a `Route`: legs, time breakdown, borders, passages, corridors, customs, totals.

The planner hands over a found path as its edges in path order (`PathEvaluator.path_edges`: the network edges
of each segment between the access edges out of and into the stops, which path graphs number n_vertices + i).
A path has tens of edges, so the per-edge work is one pass (`path_core`) over rows of a per-scenario table of
every network edge (`edge_table`), not numpy calls, whose cost per call would be most of it: the pass is
compiled by numba in a long-lived process and runs as plain Python on lists in a one-shot CLI query (the same
source; tests/test_measure_core.py compares both). `measure` gives what the planner compares candidates by;
`describe` makes the Route of a candidate it keeps. The legs' coordinates (the map geometry) are drawn only
when a face asks for them (`Leg.coordinates`), since most callers never do.

Sums are running totals in path order, the same additions in the same order as the code before (a left fold
per leg, padded as np.add.accumulate's grid was), so results are bit-for-bit the same (`np.sum` would add
pairwise).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Callable

import numpy as np

from beltroad.network.build import (ACCESS, FERRY_BOARD, GAUGE, LINK, MODES, PORT, PORT_SEA, RAIL, ROAD, SEA, SEA_MODE,
                                    TRANSFER, TRANSSHIP, Network)
from beltroad.data.geo import EARTH_RADIUS_KM, haversine_km, unit_vectors
from beltroad.data.sea import PASSAGES
from beltroad.places import Place
from beltroad.routing.engine import Access, Graph, _use_compiled, end_customs_parts
from beltroad.scenario.state import EdgeState
from beltroad.routing.result import TIME_PARTS, Leg, Route

HANDLING_KINDS = (TRANSFER, PORT, FERRY_BOARD, GAUGE, TRANSSHIP)
HANDLING_LABELS = {TRANSFER: "rail terminal handling", PORT: "port handling and dwell",
                   FERRY_BOARD: "ferry terminal and wait", GAUGE: "gauge change",
                   TRANSSHIP: "transshipment (change of ship)"}
# the columns summed per leg, in this order
_SUMS = ("km", "hours", "usd", "co2", "moving", "handling", "border", "waiting", "drive")
_HOURS, _USD, _HANDLING, _BORDER = (_SUMS.index(x) for x in ("hours", "usd", "handling", "border"))


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
        self._within: dict[tuple[int, float], np.ndarray] = {}

    @cached_property
    def lon(self) -> np.ndarray:
        return np.array([p.lon for p in self.places], dtype=float)

    @cached_property
    def lat(self) -> np.ndarray:
        return np.array([p.lat for p in self.places], dtype=float)

    @cached_property
    def names(self) -> np.ndarray:
        return np.array([p.name for p in self.places], dtype=object)

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


class PathLines:
    """What drawing a leg reads of a path (`PathEvaluator._leg_coords`): each path edge's network edge (< 0 for
    an access edge) and end vertices (a stop is vertex n_vertices + i), as arrays in path order, made when a
    leg is first drawn (most routes are never drawn)."""

    def __init__(self, pe: "PathEdges"):
        self._pe = pe

    @cached_property
    def edge_id(self) -> np.ndarray:
        return np.array(self._pe.edge_id, dtype=np.int64)

    @cached_property
    def src(self) -> np.ndarray:
        return np.array([r[_SRC] for r in self._pe.rows], dtype=np.int64)

    @cached_property
    def dst(self) -> np.ndarray:
        return np.array([r[_DST] for r in self._pe.rows], dtype=np.int64)


@dataclass(eq=False)
class PathMeasure:
    """A path's legs as numbers (one entry per leg, the customs leg last) and what the planner compares."""

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
        key = self.__dict__.get("_corridor_key")
        if key is not None and key[0] == major_leg_km:
            return key[1]
        out = []
        for j in self.shown:
            if self.modes[j] != "handling" and self.km[j] >= major_leg_km:
                item = (self.modes[j], self.to_country[j] if j < len(self.to_country) else "")
                if not out or out[-1] != item:
                    out.append(item)
        out = tuple(out) or (self.main_mode,)
        self.__dict__["_corridor_key"] = (major_leg_km, out)
        return out


# The per-edge integers of a path (`PathEdges.rows`), by position
(_SRC, _DST, _KIND, _MODE, _LEG, _HAND, _CUSTOMS, _CROSS, _PASSAGE, _LINK, _VC_SRC, _VC_DST) = range(12)
# _LEG: the leg's mode as a MODES index (sea sailings and port-to-sea links sea, access road; -1 a handling stop);
# _HAND: 1 for a handling stop; _CUSTOMS: a border or access link where customs may clear (`_customs`);
# _CROSS: a network border crossing (a movement edge); _PASSAGE: the passage bits of a movement edge (else 0);
# _LINK: the network link of a movement edge (else -1); _VC_SRC, _VC_DST: the country index of its ends (-1 none)


class PathEdges:
    """A found path's edges in path order: edge j is network edge `edge_id[j]` (< 0: an access edge, -(2k+1) out of
    stop k, -(2k+2) into stop k+1), its integers (_SRC ... _VC_DST) and summed quantities (_SUMS) the rows
    `idx[j]` of `ints`/`vals` or, when idx[j] < 0, rows -1 - idx[j] of `acc_ints`/`acc_vals`; and, once measured,
    how its edges group into legs: every handling stop is a leg of its own, and a run of consecutive movement
    edges of one mode (sea sailings and port-to-sea links count as sea, first/last-mile access as road) is one
    leg. Plain lists: a path has tens of edges, where numpy's cost per call would be most of the work."""

    def __init__(self, edge_id: list[int], idx: list[int], ints: list, vals: list, acc_ints: list[list[int]],
                 acc_vals: list[list[float]]):
        self.edge_id, self.idx, self.ints, self.vals = edge_id, idx, ints, vals
        self.acc_ints, self.acc_vals = acc_ints, acc_vals
        self.starts: list[int] = []   # first edge of each leg (`PathEvaluator.measure`)
        self.ends: list[int] = []     # one past the last edge of each leg
        self.crossings: list[int] = []  # the network border crossings (path edges)
        self.gauges: list[int] = []     # the gauge changes (path edges)
        self.links: list[int] = []      # the network links used, in order (consecutive repeats dropped)

    @cached_property
    def rows(self) -> list[list[int]]:
        """Per edge, the integers _SRC ... _VC_DST (shared lists: read, never written)."""
        ints, acc = self.ints, self.acc_ints
        return [ints[k] if k >= 0 else acc[-1 - k] for k in self.idx]

    @cached_property
    def values(self) -> list[list[float]]:
        """Per edge, the summed quantities (_SUMS) (shared lists: read, never written)."""
        vals, acc = self.vals, self.acc_vals
        return [vals[k] if k >= 0 else acc[-1 - k] for k in self.idx]

    def value(self, j: int) -> list[float]:
        """The summed quantities of edge j (without making `values`)."""
        k = self.idx[j]
        return self.vals[k] if k >= 0 else self.acc_vals[-1 - k]

    def col(self, name: str) -> list[float]:
        i = _SUMS.index(name)
        return [v[i] for v in self.values]

    def lines(self) -> PathLines:
        return PathLines(self)


def _access_row(src: int, dst: int, vc_src: int, vc_dst: int, link: tuple, speed: float
                ) -> tuple[list[int], list[float]]:
    """The integers and summed quantities of an access edge (`link`: vertex, hours, USD, kg CO2e, km, border
    hours of an access link): its moving hours are its hours less the border dwell, its drivers' rest what they
    exceed the driving time by. The same float operations, in the same order, as on the path's arrays before."""
    _, hours, usd, co2, km, border = link
    move = hours - border
    rest = move - km / speed            # the drivers' rest within the moving hours
    handling = hours - move - border - 0.0
    return ([src, dst, ACCESS, ROAD, ROAD, 0, 1 if border > 0 else 0, 0, 0, -1, vc_src, vc_dst],
            [km, hours, usd, co2, move, 0.0 if 0.0 > handling else handling, border, 0.0, move - rest])


def path_core(ints, vals, idx, acc_ints, acc_vals, ib, fb):  # pragma: no cover - compiled (and run in plain Python)
    """A path's legs, their sums and what it passes, in one pass over its edges (`PathEvaluator.measure`).

    Edge j is row idx[j] of `ints` (the integers _SRC ... _VC_DST) and `vals` (the _SUMS quantities) or, when
    idx[j] < 0, row -1 - idx[j] of `acc_ints` and `acc_vals`. Works in `ib` (integers, at least 45 + 20 n) and
    `fb` (floats, at least 9 n + 10) and leaves its answer at ib[24 + 10 n:] (its length is returned) and at the
    start of `fb`, as `PathEvaluator.measure` reads them. Written with indexing, loops and arithmetic only,
    which mean the same on lists (plain Python, a one-shot CLI query) and on numpy arrays (compiled by numba in
    a long-lived process, `_compiled_core`).

    - legs: a handling stop is a leg of its own; a run of movement edges of one leg mode is one leg;
    - per-leg sums of each _SUMS column: v0 + v1 + ... one edge at a time in path order, then + 0.0 for a leg
      shorter than the longest: the sums the planner has always given (np.add.accumulate down a legs x
      longest-leg grid padded with zeros; `np.sum` would add pairwise and differ in the last bits);
    - per leg, the country where it ends: of its last edge into a country, else of its first edge;
    - over the movement edges: km per leg mode in the order first used (access trucks 0; the mode's own edges
      added in path order, see `measure`), the countries passed (consecutive repeats dropped), the passage bits
      of each edge that has any; over all edges: transfers (handling stops but gauge changes) and the customs
      events (port calls, border links, first/last-mile trucks across a border): how many, and the dwell of
      the first and of the last (the handling and dwell of a port call, the border dwell of a crossing).
    """
    n = len(idx)
    o_start = 8
    o_hand = 8 + n
    o_code = 8 + 2 * n
    o_to = 8 + 3 * n
    o_cseq = 8 + 4 * n
    o_pbits = 8 + 6 * n
    o_cross = 8 + 7 * n
    o_gauge = 8 + 8 * n
    o_link = 8 + 9 * n
    o_codes = 8 + 10 * n
    o_km = 9 * n
    n_legs = 0
    n_codes = 0
    n_cseq = 0
    n_pbits = 0
    n_cross = 0
    n_gauge = 0
    n_link = 0
    prev_link = -1
    transfers = 0
    n_events = 0
    dwell_first = 0.0
    dwell_last = 0.0
    prev_h = 0
    prev_leg = 0
    prev_c = -1
    longest = 0
    to_c = -1
    for j in range(n):
        k = idx[j]
        if k >= 0:
            r = ints[k]
            v = vals[k]
        else:
            r = acc_ints[-1 - k]
            v = acc_vals[-1 - k]
        h = r[_HAND]
        leg = r[_LEG]
        kind = r[_KIND]
        if j == 0 or h != 0 or prev_h != 0 or leg != prev_leg:  # a new leg
            if n_legs > 0:
                ib[o_to + n_legs - 1] = to_c
                if j - ib[o_start + n_legs - 1] > longest:
                    longest = j - ib[o_start + n_legs - 1]
            ib[o_start + n_legs] = j
            ib[o_hand + n_legs] = h
            ib[o_code + n_legs] = leg
            to_c = r[_VC_DST]
            at = 9 * n_legs
            for c in range(9):
                fb[at + c] = v[c]
            n_legs += 1
        else:
            at = 9 * (n_legs - 1)
            for c in range(9):
                fb[at + c] = fb[at + c] + v[c]
            if r[_VC_DST] >= 0:
                to_c = r[_VC_DST]
        prev_h = h
        prev_leg = leg
        if h != 0:
            if kind != GAUGE:
                transfers += 1
            else:
                ib[o_gauge + n_gauge] = j
                n_gauge += 1
            if kind == PORT:  # a port call: the box waits its handling and dwell there
                if n_events == 0:
                    dwell_first = v[_HANDLING]
                dwell_last = v[_HANDLING]
                n_events += 1
            continue
        if r[_CUSTOMS] != 0:  # a border crossing: it waits the border dwell
            if n_events == 0:
                dwell_first = v[_BORDER]
            dwell_last = v[_BORDER]
            n_events += 1
        x = 0.0 if kind == ACCESS else v[0]
        found = -1
        for i in range(n_codes):
            if ib[o_codes + i] == leg:
                found = i
        if found < 0:
            ib[o_codes + n_codes] = leg
            ib[o_codes + 8 + n_codes] = 1
            fb[o_km + n_codes] = x
            n_codes += 1
        else:
            ib[o_codes + 8 + found] += 1
            fb[o_km + found] = fb[o_km + found] + x
        ci = r[_VC_SRC]
        if ci >= 0 and ci != prev_c:
            ib[o_cseq + n_cseq] = ci
            n_cseq += 1
            prev_c = ci
        ci = r[_VC_DST]
        if ci >= 0 and ci != prev_c:
            ib[o_cseq + n_cseq] = ci
            n_cseq += 1
            prev_c = ci
        if r[_PASSAGE] != 0:
            ib[o_pbits + n_pbits] = r[_PASSAGE]
            n_pbits += 1
        if r[_CROSS] != 0:
            ib[o_cross + n_cross] = j
            n_cross += 1
        if r[_LINK] >= 0 and r[_LINK] != prev_link:
            ib[o_link + n_link] = r[_LINK]
            n_link += 1
            prev_link = r[_LINK]
    if n_legs > 0:
        ib[o_to + n_legs - 1] = to_c
        if n - ib[o_start + n_legs - 1] > longest:
            longest = n - ib[o_start + n_legs - 1]
    for leg_i in range(n_legs):  # a leg shorter than the longest: + 0.0 (the padding of the grid)
        end = ib[o_start + leg_i + 1] if leg_i + 1 < n_legs else n
        if end - ib[o_start + leg_i] < longest:
            at = 9 * leg_i
            for c in range(9):
                fb[at + c] = fb[at + c] + 0.0
    # the answer, packed after the work space: 9 counts, then per leg its first edge, handling flag, leg mode and
    # end country; the countries passed; the passage bits; the leg modes used and their edge counts; the border
    # crossings (path edges); the gauge changes (path edges); the links used (consecutive repeats dropped). The
    # floats: the leg sums (leg by leg), the km per leg mode, the first and the last customs event's dwell
    o = o_codes + 16
    ib[o] = n_legs
    ib[o + 1] = n_codes
    ib[o + 2] = n_cseq
    ib[o + 3] = n_pbits
    ib[o + 4] = transfers
    ib[o + 5] = n_events
    ib[o + 6] = n_cross
    ib[o + 7] = n_gauge
    ib[o + 8] = n_link
    o += 9
    for src in (o_start, o_hand, o_code, o_to):
        for i in range(n_legs):
            ib[o + i] = ib[src + i]
        o += n_legs
    for src, count in ((o_cseq, n_cseq), (o_pbits, n_pbits)):
        for i in range(count):
            ib[o + i] = ib[src + i]
        o += count
    for i in range(n_codes):
        ib[o + i] = ib[o_codes + i]
        ib[o + n_codes + i] = ib[o_codes + 8 + i]
        fb[9 * n_legs + i] = fb[o_km + i]
    o += 2 * n_codes
    for src, count in ((o_cross, n_cross), (o_gauge, n_gauge), (o_link, n_link)):
        for i in range(count):
            ib[o + i] = ib[src + i]
        o += count
    fb[9 * n_legs + n_codes] = dwell_first
    fb[9 * n_legs + n_codes + 1] = dwell_last
    return o - (o_codes + 16)


_PASSAGE_NAMES: dict[int, list[str]] = {}  # passage bits -> the passages' names, by passage index

# the compiled `path_core` (numba), made on first use in a long-lived process (`_use_core_compiled`). numba's cache
# on disk is invalidated when this file changes, not when the network constants it reads (kinds) change.
_COMPILED_CORE = None
# True / False: measure paths with the compiled core / its plain-Python run; None: compiled once the compiled point
# search is loaded (`routing.engine._use_compiled`, a server or a skim), as importing numba costs a one-shot CLI
# query more than it saves (the tests compare both)
COMPILED_CORE: bool | None = None


def _use_core_compiled() -> bool:
    if COMPILED_CORE is not None:
        return COMPILED_CORE
    return _use_compiled()


def _compiled_core():
    global _COMPILED_CORE
    if _COMPILED_CORE is None:
        from numba import njit

        _COMPILED_CORE = njit(cache=True, nogil=True, boundscheck=True)(path_core)
    return _COMPILED_CORE


class _Names:
    """The name of each vertex of a path graph: the network's vertex names, then the query's stops (n_vertices +
    i), looked up one at a time (a describe reads a few dozen, not a copy of all)."""

    __slots__ = ("vertex", "stops", "n")

    def __init__(self, vertex_names: list[str], stop_names: list[str]):
        self.vertex, self.stops, self.n = vertex_names, stop_names, len(vertex_names)

    def __getitem__(self, v: int) -> str:
        return self.vertex[v] if v < self.n else self.stops[v - self.n]


class PathEvaluator:
    """Turns the planner's found paths into `Route`s (network lookups gathered once per network)."""

    def __init__(self, net: Network, access: Access, place_names: np.ndarray, place_ids: np.ndarray,
                 vertex_names: np.ndarray, state: EdgeState):
        self.net, self.access, self.state = net, access, state
        self.place_names, self.place_ids, self.vertex_names = place_names, place_ids, vertex_names
        self.countries = list(net.countries) + [""]  # index -1: no country (at sea)
        n_links = net.table_len("links")
        self.link_ids = net.column("links", "id") if n_links else np.array([], dtype=object)
        self.link_corridors = ([tuple(c for c in str(v).split(";") if c) for v in net.column("links", "corridor")]
                               if n_links else [])
        self.layer_names = np.asarray(net.layers, dtype=object)
        self._edge_rows: tuple[np.ndarray, np.ndarray] | None = None
        self._vertex_country: list[int] | None = None
        # per network edge, what `describe` writes of it: a handling stop's label (and whether it waited), a
        # liner sailing's service line (safe without a lock: a lost entry is only made again)
        self._labels: dict[tuple[int, bool], str] = {}
        self._customs_parts: dict[tuple[str, str], tuple] = {}  # (origin, destination country) -> end_customs_parts
        self._liners: dict[int, str] = {}

    # ---------------------------------------------------------------------------------------- path
    def edge_table(self) -> tuple[np.ndarray, np.ndarray]:
        """(integers (edges x 12, as `PathEdges.rows`), summed quantities (edges x len(_SUMS))) of every network
        edge in this scenario, computed once (vectorised) so that a path gathers its rows in two calls. The same
        elementwise operations as on a path's arrays: handling hours are what the hours exceed moving, border
        and waiting hours by (at least 0), a road edge's driving hours its moving hours."""
        if self._edge_rows is None:
            net, st = self.net, self.state
            kind = net.kind.astype(np.int64)
            handling = np.isin(kind, HANDLING_KINDS)
            leg = net.mode.astype(np.int64)
            leg[(kind == SEA) | (kind == PORT_SEA)] = SEA_MODE
            leg[kind == ACCESS] = ROAD
            leg[handling] = -1
            hours, move, border, wait = (np.asarray(x, dtype=float) for x in (st.hours, st.move_hours,
                                                                               st.border_hours, st.wait_hours))
            rest = hours - move - border - wait
            values = np.column_stack([np.asarray(st.km, dtype=float), hours, np.asarray(st.usd, dtype=float),
                                      np.asarray(st.co2_kg, dtype=float), move, np.where(0.0 > rest, 0.0, rest),
                                      border, wait, np.where(leg == ROAD, move - 0.0, 0.0)])
            vc = self.access.vertex_country
            ints = np.column_stack([net.src, net.dst, kind, net.mode, leg, handling, ~handling & (kind == LINK) & net.border,
                                    ~handling & net.border, np.where(handling, 0, net.passage_bits),
                                    np.where(handling, -1, net.link), vc[net.src], vc[net.dst]]).astype(np.int64)
            self._edge_rows = (ints, values)
        return self._edge_rows

    def _edge_lists(self) -> tuple[list, list] | None:
        """`edge_table` as Python lists (one list per edge), kept when paths are measured by the compiled core
        (a long-lived process): a path then takes its rows without making new numbers. None otherwise (a one-shot
        CLI query measures a few paths and would spend more on the lists, ~10 ms, than it saves)."""
        lists = self.__dict__.get("_lists")
        if lists is None:
            if not _use_core_compiled():
                return None
            ints, vals = self.edge_table()
            lists = self.__dict__.setdefault("_lists", (ints.tolist(), vals.tolist()))
        return lists

    def warm(self) -> None:
        """Load the compiled core and the kept edge lists now (a server's warm-up), when they are used."""
        if _use_core_compiled():
            self._edge_lists()
            ints, vals = self.edge_table()  # one call on a one-edge path loads it (from numba's cache on disk)
            _compiled_core()(ints, vals, np.zeros(1, dtype=np.int64), np.zeros((0, ints.shape[1]), dtype=np.int64),
                             np.zeros((0, vals.shape[1])), np.zeros(65, dtype=np.int64), np.zeros(19))

    def path_edges(self, stops: Stops, segments: list[tuple[int, np.ndarray, list[int], tuple, tuple]]) -> PathEdges:
        """The `PathEdges` of a found path: per segment (stop i, its network edges in order as an array and as a
        list, the access link out of stop i, the access link into stop i + 1; each link as (vertex, hours, USD,
        kg CO2e, km, border hours)), the access edge out, the network edges, the access edge in."""
        nv, speed = self.net.n_vertices, self.access.speed
        vc = self._vertex_country
        if vc is None:
            vc = self._vertex_country = self.access.vertex_country.tolist()
        stop_vc = stops.__dict__.get("_country_index")
        if stop_vc is None:
            stop_vc = stops.__dict__["_country_index"] = [self.access.country_index.get(p.country, -1)
                                                          for p in stops.places]
        lists = self._edge_lists()
        local: list[np.ndarray] = []
        acc_ints: list[list[int]] = []
        acc_vals: list[list[float]] = []
        eids: list[int] = []
        idx: list[int] = []
        n_local = 0
        for k, (i, e, e_list, out_link, in_link) in enumerate(segments):
            r, v = _access_row(nv + i, out_link[0], stop_vc[i], vc[out_link[0]], out_link, speed)
            acc_ints.append(r)
            acc_vals.append(v)
            eids.append(-(2 * k + 1))
            eids += e_list
            eids.append(-(2 * k + 2))
            idx.append(-(2 * k + 1))
            if lists is None:  # rows gathered for this path: idx numbers them
                idx += range(n_local, n_local + len(e_list))
                n_local += len(e_list)
                local.append(e)
            else:              # the kept lists of every network edge
                idx += e_list
            idx.append(-(2 * k + 2))
            r, v = _access_row(in_link[0], nv + i + 1, vc[in_link[0]], stop_vc[i + 1], in_link, speed)
            acc_ints.append(r)
            acc_vals.append(v)
        if lists is None:
            ints, vals = self.edge_table()
            e = np.concatenate(local) if len(local) > 1 else local[0]
            lists = (ints[e].tolist(), vals[e].tolist())
        return PathEdges(eids, idx, lists[0], lists[1], acc_ints, acc_vals)

    def _core(self, pe: PathEdges) -> tuple[list[int], list[float]]:
        """`path_core` of a path: compiled on the network's arrays, or in plain Python on the path's lists."""
        n = len(pe.idx)
        at = 24 + 10 * n
        if _use_core_compiled():
            ints, vals = self.edge_table()
            ib, fb = np.empty(45 + 20 * n, dtype=np.int64), np.empty(9 * n + 10)
            size = _compiled_core()(ints, vals, np.array(pe.idx, dtype=np.int64),
                                    np.array(pe.acc_ints, dtype=np.int64), np.array(pe.acc_vals, dtype=np.float64), ib, fb)
            out = ib[at:at + size].tolist()
            return out, fb[:9 * out[0] + out[1] + 2].tolist()
        ib, fb = [0] * (45 + 20 * n), [0.0] * (9 * n + 10)
        size = path_core(pe.ints, pe.vals, pe.idx, pe.acc_ints, pe.acc_vals, ib, fb)
        return ib[at:at + size], fb

    # ---------------------------------------------------------------------------------------- measure
    def measure(self, pe: PathEdges, origin: Place, destination: Place, objective: str, stops: Stops) -> "PathMeasure":
        """What the planner compares paths by, and the legs' numbers: legs cut and summed (`path_core`), truck
        rest, customs, totals, main mode, countries, passages, the objective value. `describe` adds the rest."""
        ib, fb = self._core(pe)
        n = len(pe.idx)
        n_legs, n_codes, n_cseq, n_pbits, transfers, n_events, n_cross, n_gauge, n_link = ib[:9]
        at = 9 + 4 * n_legs
        first, handling = ib[9:9 + n_legs], ib[9 + n_legs:9 + 2 * n_legs]
        codes, to_c = ib[9 + 2 * n_legs:9 + 3 * n_legs], ib[9 + 3 * n_legs:at]
        cseq, pbits = ib[at:at + n_cseq], ib[at + n_cseq:at + n_cseq + n_pbits]
        at += n_cseq + n_pbits
        mode_codes, mode_counts = ib[at:at + n_codes], ib[at + n_codes:at + 2 * n_codes]
        at += 2 * n_codes
        pe.starts, pe.ends = first, first[1:] + [n]
        pe.crossings, pe.gauges = ib[at:at + n_cross], ib[at + n_cross:at + n_cross + n_gauge]
        pe.links = ib[at + n_cross + n_gauge:at + n_cross + n_gauge + n_link]
        names = self.countries
        to_country = [names[c] for c in to_c]
        sums = fb[:9 * n_legs]
        km, hours, usd, co2, moving, handling_h, border, waiting, drive = [sums[c::9] for c in range(9)]
        modes = ["handling" if h else MODES[c] for c, h in zip(codes, handling)]
        km = [0.0 if h else x for x, h in zip(km, handling)]
        self._truck_rest(modes, hours, moving, drive)
        parts = [moving, handling_h, border, [0.0] * n_legs, waiting]  # as TIME_PARTS
        extra, cu = self._customs(n_events, *fb[9 * n_legs + n_codes:9 * n_legs + n_codes + 2], origin, destination)
        if extra is not None:  # the customs leg, last
            modes, km, hours, usd, co2 = modes + ["handling"], km + [0.0], hours + [extra], usd + [cu], co2 + [0.0]
            parts = [x + [v] for x, v in zip(parts, (0.0, 0.0, 0.0, extra, 0.0))]
        total_h, total_usd, total_co2, total_km = (float(sum(x)) for x in (hours, usd, co2, km))
        # km per leg mode (access trucks 0), modes in the order first used: each mode's km were added one edge at a
        # time down the path with 0.0 for every other edge; adding 0.0 changes nothing but a -0.0 (into 0.0), so
        # they are the mode's own edges' sums (`path_core`), plus 0.0 when the path has other edges
        mode_km = {MODES[c]: (t + 0.0 if count < n else t) for c, count, t in
                   zip(mode_codes, mode_counts, fb[9 * n_legs:9 * n_legs + n_codes])}
        moving_km = {m: k for m, k in mode_km.items() if m != "handling"}
        main_mode = max(moving_km, key=moving_km.get) if moving_km else "road"
        countries, prev = [origin.country], origin.country
        for c in cseq:
            if names[c] != prev:
                countries.append(names[c])
            prev = names[c]
        if countries[-1] != destination.country and destination.country:
            countries.append(destination.country)
        passages: dict[str, None] = {}
        for b in pbits:  # edge by edge; within an edge by passage index
            names_b = _PASSAGE_NAMES.get(b)
            if names_b is None:
                names_b = _PASSAGE_NAMES[b] = [name for i, name in enumerate(PASSAGES) if (b >> i) & 1]
            for name in names_b:
                passages[name] = None
        passages = list(passages)
        shown = [j for j in range(len(modes)) if km[j] > 0.05 or hours[j] > 0.01 or usd[j] > 0.01]
        if objective == "time":
            value = total_h
        elif objective == "cost":
            value = total_usd
        elif objective == "co2":
            value = total_co2
        else:  # generalized
            value = (total_usd + total_h / 24.0 * self.state.value_of_time_usd_per_day
                     + total_co2 / 1000.0 * self.state.carbon_price_usd_per_t)
        return PathMeasure(stops=stops, origin=origin, destination=destination, pe=pe, first=first, modes=modes,
                           km=km, hours=hours, usd=usd, co2=co2, parts=parts, to_country=to_country, shown=shown,
                           total_hours=total_h, total_usd=total_usd, total_co2=total_co2, total_km=total_km,
                           moving_km=moving_km, main_mode=main_mode, countries=countries, passages=passages,
                           transfers=transfers, objective_value=value,
                           signature=(main_mode, tuple(countries), tuple(passages)),
                           edges=[x for x in pe.edge_id if x >= 0])

    def describe(self, m: "PathMeasure") -> Route:
        """The Route of a measured path: its legs (named, labelled, drawn on demand), borders, gauge changes,
        corridors, summary line and time breakdown."""
        pe = m.pe
        vertex_names = self.__dict__.get("_vertex_name_list")
        if vertex_names is None:
            vertex_names = self.__dict__.setdefault("_vertex_name_list", self.vertex_names.tolist())
        names = _Names(vertex_names, [p.name for p in m.stops.places])
        lines = pe.lines()
        by_leg = list(zip(*m.parts))  # each leg's hours per TIME_PARTS
        legs = [self._leg(m, j, names, lines, by_leg[j]) for j in m.shown]
        via = m.countries[1:-1]
        moving = m.moving_km
        others = sorted((x for x in moving if x != m.main_mode and moving[x] > 50), key=lambda x: -moving[x])
        summary = "+".join([m.main_mode] + others) + (f" via {'-'.join(via)}" if via else "") + (
            f" ({', '.join(m.passages)})" if m.passages else "")
        modes = list(dict.fromkeys(leg.mode for leg in legs if leg.mode != "handling"))  # of the legs shown
        # the legs' hours_by_part, added leg by leg
        breakdown = {k: float(sum([m.parts[i][j] for j in m.shown])) for i, k in enumerate(TIME_PARTS)}
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
                if leg.mode == "road" and all(r[_KIND] == ACCESS for r in pe.rows[pe.starts[j]:pe.ends[j]]):
                    t2t -= leg.transit_hours
        return t2t

    # ---------------------------------------------------------------------------------------- legs
    def _leg(self, m: "PathMeasure", j: int, names: "_Names", lines: PathLines, hours: tuple[float, ...]) -> Leg:
        """Leg j of a measured path (`hours`: its hours per TIME_PARTS): a handling stop, a run of movement edges
        of one mode, or the customs leg."""
        parts = dict(zip(TIME_PARTS, hours))
        if j == len(m.first):  # the customs leg
            return Leg("handling", m.origin.name, m.destination.name, 0.0, m.hours[j], m.usd[j], 0.0, CUSTOMS_DETAIL,
                       hours_by_part=parts)
        pe, e = m.pe, m.first[j]
        r = pe.rows[e]
        if m.modes[j] == "handling":
            key = (pe.edge_id[e], parts["waiting"] > 0)  # a network edge's label (kept: the network's own)
            label = self._labels.get(key)
            if label is None:
                label = self._labels[key] = self._handling_label(pe, e, parts["waiting"])
            return Leg("handling", str(names[r[_SRC]]), str(names[r[_DST]]), 0.0, m.hours[j], m.usd[j], m.co2[j],
                       label, hours_by_part=parts)
        end = pe.ends[j]
        for x in reversed(pe.rows[e:end]):  # the last named place (not "sea"), else where the first edge goes
            to_place = names[x[_DST]]
            if to_place != "sea":
                break
        else:
            to_place = names[r[_DST]]
        detail = self._liners.get(pe.edge_id[e])  # (kept per network edge; access edges have none)
        if detail is None:
            detail = self._liner_detail(pe, e)
            if pe.edge_id[e] >= 0:
                self._liners[pe.edge_id[e]] = detail
        return Leg(m.modes[j], str(names[r[_SRC]]), str(to_place), m.km[j], m.hours[j], m.usd[j], m.co2[j],
                   detail=detail, to_country=m.to_country[j], hours_by_part=parts,
                   draw=partial(self._leg_coords, lines, m.stops, e, end))

    def _handling_label(self, pe: PathEdges, e: int, wait: float) -> str:
        """What a terminal, port, ferry, gauge-change or transshipment stop is, by its kind."""
        net = self.net
        r = pe.rows[e]
        kind, s, d = r[_KIND], r[_SRC], r[_DST]
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
        ne = pe.edge_id[e]
        r = pe.rows[e]
        if r[_KIND] != SEA or ne < 0 or not self.net.service[ne]:
            return ""
        return f"liner service {self.net.service[ne]}: {self.port_role(r[_SRC])} -> {self.port_role(r[_DST])}"

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
    def _corridors(self, pe: PathEdges) -> list[str]:
        """Named corridors of the network links used, in the order first used."""
        if not self.link_corridors:
            return []
        out: dict[str, None] = {}
        for li in dict.fromkeys(pe.links):
            for c in self.link_corridors[li]:
                out[c] = None
        return list(out)

    def _border_crossings(self, pe: PathEdges, names: "_Names") -> list[dict]:
        net = self.net
        kept = self.__dict__.setdefault("_crossings", {})  # network edge -> (from, to, at, mode, fee): its own
        out = []
        for e in pe.crossings:
            r, ne = pe.rows[e], pe.edge_id[e]
            known = kept.get(ne)
            if known is None:
                known = kept[ne] = (net.countries[net.country_from[ne]], net.countries[net.country_to[ne]],
                                    f"{names[r[_SRC]]} - {names[r[_DST]]}", MODES[r[_MODE]],
                                    round(float(net.fee_usd[ne]), 1))
            out.append({"from_country": known[0], "to_country": known[1], "at": known[2], "mode": known[3],
                        "dwell_hours": round(pe.value(e)[_BORDER], 1), "fee_usd": known[4]})
        return out

    def _gauge_changes(self, pe: PathEdges, names: "_Names") -> list[dict]:
        net = self.net
        out = []
        for e in pe.gauges:
            s, d = pe.rows[e][_SRC], pe.rows[e][_DST]
            la, lb = net.layers[net.vertex_layer[s]], net.layers[net.vertex_layer[d]]
            out.append({"place": str(names[s]), "from_mm": int(la[4:]), "to_mm": int(lb[4:]),
                        "hours": round(pe.value(e)[_HOURS], 1), "cost_usd": round(pe.value(e)[_USD], 1)})
        return out

    def _customs(self, n: int, first: float, last: float, origin: Place, destination: Place
                 ) -> tuple[float | None, float]:
        """(hours, USD) of export and import clearance; None hours for a trip without. The path's customs events
        (port calls and border crossings: network links across a border, first/last-mile trucks across one):
        `n` of them, the box waiting `first` hours at the first and `last` at the last (`path_core`).

        Customs clear once: export at the origin, import at the destination (Doing Business border
        compliance), while the container already waits at the first border or port of the trip (or the last):
        only the part of the clearance time beyond that dwell adds time (docs/model.md, "customs")."""
        pair = (origin.country, destination.country)
        parts = self._customs_parts.get(pair)
        if parts is None:
            parts = self._customs_parts[pair] = end_customs_parts(self.net, *pair)
        (exp_h, imp_h), cu = parts
        if not (exp_h or imp_h or cu):
            return None, 0.0
        if n == 0:  # customs_beyond_dwell for one trip, in scalars (the same operations)
            extra = exp_h + imp_h
        else:
            extra = _max0(exp_h + imp_h - first) if n == 1 else _max0(exp_h - first) + _max0(imp_h - last)
        return float(extra), cu

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

