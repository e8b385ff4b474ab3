"""The route planner: ranked, meaningfully different multimodal alternatives under constraints."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from beltroad.network.build import (FERRY, GAUGE, HANDLING, INLAND, KIND_NAMES, LINK, PORT, PORT_SEA, RAIL,
                                    ROAD, SEA, SEA_MODE, TRANSFER, Network)
from beltroad.data.sea import PASSAGES, canonical_passages
from beltroad.places import Place, PlaceError
from beltroad.routing.engine import EPS, Access, BaseGraph, _use_compiled, end_customs_parts
from beltroad.routing.evaluate import HANDLING_KINDS, PathEdges, PathEvaluator, PathMeasure, Stops, remember
from beltroad.routing.result import PlanResult, Route
from beltroad.scenario.state import EdgeState

OBJECTIVES = ("time", "cost", "co2", "generalized")
MAIN_MODES = ("multimodal", "rail", "sea", "road", "inland_water")
ROAD_RETRY_FACTOR = 4.0  # rail/sea mode: trucking weight multiplier when a short trip came out all-road
PENALTY = 1.6  # weight multiplier on the edges of routes already found, to find different corridors


class RouteError(ValueError):
    """No route satisfies the request; `blocking` names the constraint(s) and `relaxed` what lifting them gives."""

    def __init__(self, message: str, blocking: list[str] | None = None, relaxed: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.blocking = blocking or []
        self.relaxed = relaxed or []

    def __str__(self) -> str:
        out = self.message
        if self.relaxed:
            out += " " + " ".join(self.relaxed)
        return out


@dataclass
class Constraints:
    mode: str = "multimodal"
    avoid_countries: tuple[str, ...] = ()
    avoid_passages: tuple[str, ...] = ()
    via: tuple[Place, ...] = ()
    max_transfers: int | None = None
    max_drayage_km: float | None = None   # None: the sourced default (parameters: drayage.max_radius_km)

    def describe(self) -> list[str]:
        out = []
        if self.mode != "multimodal":
            out.append(f"--mode {self.mode}")
        if self.max_drayage_km is not None:
            out.append(f"--max-drayage-km {self.max_drayage_km:g}")
        out += [f"--avoid-country {c}" for c in self.avoid_countries]
        out += [f"--avoid-passage {p}" for p in self.avoid_passages]
        out += [f"--via {p.name}" for p in self.via]
        if self.max_transfers is not None:
            out.append(f"--max-transfers {self.max_transfers}")
        return out


def normalize_constraints(mode: str = "multimodal", avoid_countries: Iterable[str] = (),
                          avoid_passages: Iterable[str] = (), via: Iterable[Place] = (),
                          max_transfers: int | None = None, max_drayage_km: float | None = None) -> Constraints:
    mode = (mode or "multimodal").lower()
    if mode not in MAIN_MODES:
        raise ValueError(f"mode '{mode}' is not one of {', '.join(MAIN_MODES)}")
    from beltroad.data.countries import ISO2TO3 as _ISO2TO3, ISO3TO2 as _ISO3TO2

    countries = []
    for c in avoid_countries:
        cu = c.strip().upper()
        iso3 = cu if cu in _ISO3TO2 else _ISO2TO3.get(cu)
        if not iso3:
            raise ValueError(f"--avoid-country '{c}' is not an ISO country code (e.g. RUS or RU)")
        countries.append(iso3)
    passages = canonical_passages(avoid_passages, "--avoid-passage")
    if max_transfers is not None and max_transfers < 0:
        raise ValueError("--max-transfers must be 0 or more")
    if max_drayage_km is not None and not (np.isfinite(max_drayage_km) and 0 < max_drayage_km <= 5000):
        raise ValueError("--max-drayage-km must be a number of km above 0 and at most 5000")
    return Constraints(mode=mode, avoid_countries=tuple(dict.fromkeys(countries)),
                       avoid_passages=tuple(dict.fromkeys(passages)), via=tuple(via), max_transfers=max_transfers,
                       max_drayage_km=max_drayage_km)


# Modelling choice (docs/model.md, "rail-sea chains"): with a sea main haul, trains and barges may carry the box
# to or from a port within this distance (as the crow flies) of the origin or destination. It spans the longest
# rail-sea feeders of the network (Chongqing/Chengdu -> Qinzhou, Xi'an -> Lianyungang, ~900-1,000 km apart).
PRECARRIAGE_RADIUS_KM = 1000.0


def near_ends(net: Network, ends: list[tuple[float, float]], radius_km: float) -> np.ndarray:
    """Vertices within `radius_km` (great circle) of any of the trip's ends."""
    from beltroad.data.geo import haversine_km

    near = np.zeros(net.n_vertices, dtype=bool)
    for lat, lon in ends:
        near |= haversine_km(lat, lon, net.vertex_lat, net.vertex_lon) <= radius_km
    return near


def constraint_mask(net: Network, c: Constraints, near: np.ndarray | None = None) -> np.ndarray:
    """Edges allowed by the constraints (before scenario activity).

    Long-haul trucks run on the `road` layer only, which `multimodal`, `rail` and `sea` exclude: their first
    and last miles are access links to terminal gates within the drayage limit, so no route trucks hundreds
    of km between two intermodal legs. `sea` keeps rail, ferries and barges as pre- and on-carriage (the main
    haul must still be at sea); `road` (all-road trips) keeps ro-ro ferries.
    """
    mask = np.ones(net.n_edges, dtype=bool)
    long_road = (net.mode == ROAD) & (net.kind == LINK) & ~net.shuttle  # truck shuttles join railheads
    if c.mode == "multimodal":  # intermodal chains; all-road trips are the `road` search's
        mask &= ~long_road
    elif c.mode == "rail":
        mask &= ~(long_road | (net.mode == SEA_MODE) | (net.mode == INLAND) | (net.kind == PORT))
    elif c.mode == "sea":
        # land and river pre- and on-carriage only near the trip's ends (none when the ends are not given)
        land = (net.mode == RAIL) | (net.mode == INLAND) | (net.kind == TRANSFER) | (net.kind == GAUGE)
        near_edge = near[net.src] & near[net.dst] if near is not None else np.zeros(net.n_edges, dtype=bool)
        mask &= ~long_road & ~(land & ~near_edge)
    elif c.mode == "inland_water":  # the main haul on a river: barges, trucked to and from their terminals
        mask &= ~(long_road | (net.mode == RAIL) | (net.mode == SEA_MODE) | (net.mode == FERRY) | (net.kind == PORT)
                  | (net.kind == GAUGE))
    elif c.mode == "road":
        gate = net.layers.index("gate")
        touches_gate = (net.vertex_layer[net.src] == gate) | (net.vertex_layer[net.dst] == gate)
        mask &= ~((net.mode == RAIL) | (net.mode == SEA_MODE) | (net.mode == INLAND) | (net.kind == PORT)
                  | (net.kind == TRANSFER) | (net.kind == GAUGE) | touches_gate)
    if c.avoid_countries:
        bad = np.array([net.countries.index(x) for x in c.avoid_countries if x in net.countries], dtype=np.int16)
        mask &= ~(np.isin(net.country_from, bad) | np.isin(net.country_to, bad))
    for p in c.avoid_passages:
        mask &= (net.passage_bits >> PASSAGES.index(p)) & 1 == 0
    return mask


# The planner reads a network place's access links (and radius masks) from tables computed for all network places
# at once (`Access.place_links`, `Planner._place_within`) in a long-lived process: by default once the compiled
# search is loaded (the API's warm-up, a skim, `warm_compiled_search`), as a one-shot CLI query would pay more for
# the tables (~0.05 s, and scipy's import) than it saves. True / False force them on / off (the tests compare both).
PLACE_TABLES: bool | None = None


def use_place_tables() -> bool:
    if PLACE_TABLES is not None:
        return PLACE_TABLES
    from beltroad.routing.engine import _use_compiled

    return _use_compiled()


@dataclass
class AccessLinks:
    """The access links of one stop: parallel arrays, one entry per terminal vertex it can reach."""

    verts: np.ndarray
    km: np.ndarray
    hours: np.ndarray
    usd: np.ndarray
    co2: np.ndarray
    border: np.ndarray          # border dwell within `hours` (an access road that crosses a border)
    weight: np.ndarray          # objective weight of each link
    gate: np.ndarray            # True: the link ends at an intermodal gate; False: at a road vertex

    def ends(self, layer: str) -> "AccessLinks":
        """The links to road vertices (`layer` "road": all-road trips) or to gates ("gate": intermodal trips),
        kept on the object (the planner keeps a place's links for its next query)."""
        kept = self.__dict__.setdefault("_ends", {})
        out = kept.get(layer)
        if out is None:
            out = kept[layer] = self.subset(~self.gate if layer == "road" else self.gate)
        return out

    def link(self, j: int) -> tuple:
        """Link j as (vertex, hours, USD, kg CO2e, km, border hours): what a path's access edge takes
        (`PathEvaluator.path_edges`), read from lists made once per object."""
        rows = self.__dict__.get("_rows")
        if rows is None:
            rows = self.__dict__["_rows"] = list(zip(*(getattr(self, f).tolist() for f in
                                                       ("verts", "hours", "usd", "co2", "km", "border"))))
        return rows[j]

    def subset(self, keep: np.ndarray | None) -> "AccessLinks":
        if keep is None:
            return self
        return AccessLinks(*(getattr(self, f)[keep] for f in
                             ("verts", "km", "hours", "usd", "co2", "border", "weight", "gate")))

    def scaled(self, factor: float) -> "AccessLinks":
        """The same links with their objective weight multiplied (to make trucking dearer in a retry)."""
        return AccessLinks(self.verts, self.km, self.hours, self.usd, self.co2, self.border, self.weight * factor,
                           self.gate)


@dataclass(eq=False)  # candidates are told apart by identity (each has its own signature)
class _Candidate:
    """A found path: measured (what the planner compares) and, once asked, described as a Route."""

    measure: PathMeasure
    evaluator: PathEvaluator
    _route: Route | None = None

    @property
    def route(self) -> Route:
        if self._route is None:
            self._route = self.evaluator.describe(self.measure)
        return self._route

    @property
    def objective_value(self) -> float:
        return self.measure.objective_value

    @property
    def signature(self) -> tuple:
        return self.measure.signature

    @property
    def edges(self) -> list[int]:
        return self.measure.edges


_SEA_OR_HANDLING = np.zeros(128, dtype=bool)  # by edge kind (an int8): a sailing, a port-sea link or a handling stop
_SEA_OR_HANDLING[[SEA, PORT_SEA, *HANDLING_KINDS]] = True

MAJOR_LEG_KM = 300.0  # legs shorter than this (drayage, port access) do not make two routes different

# Detour rule (docs/model.md, "Alternatives"), modelling choices: an alternative is dropped when it is both longer
# than DETOUR_KM_FACTOR x the best route's km and slower than DETOUR_TIME_FACTOR x its time.
# - time: the "bounded stretch" of alternative-route planning (Abraham, Delling, Goldberg & Werneck, Alternative
#   Routes in Road Networks, ACM JEA 18, 2013), 1.25 in OSRM and Valhalla (valhalla/valhalla PR #2626,
#   kAtMostLonger); here only half of an AND, so a slower but not much longer route (another mode's trade-off)
#   stays.
# - km, same main mode as a better route: two corridors of one mode each run 1.10-1.42 x the great circle
#   (parameters.yaml circuity: rail IQR 1.10-1.35, road 1.24, mountain road 1.42), so they differ by ~1.3x
#   (1.42 / 1.10); beyond 1.5 x the best route's km (that ratio with a margin) a route is a loop (Xi'an -> Almaty
#   via Mongolia and Russia, Bandar Abbas -> Moscow via Pakistan and China), not a corridor choice.
# - km, a new main mode: the sea between China and Europe sails ~1.8 x the landbridge (Shanghai -> Rotterdam
#   19,640 km on this network vs the 10,800 km Lianyungang -> Rotterdam landbridge, A1.07) and ~2.4 x round the
#   Cape (+6,482 km, A6.14); from inland China the rail pre-carriage to a port adds up to PRECARRIAGE_RADIUS_KM
#   (Chongqing -> Duisburg via the Cape: 2.7 x, Xi'an -> Hamburg 2.9 x). 3.0 keeps every Asia-Europe sea
#   alternative, Red Sea closed or not, and drops a 46-day sea loop for a 1,500 km land trip (Dar es Salaam ->
#   Kampala via Jebel Ali, 7.5 x) or a sea voyage round Arabia from Jeddah to Riyadh (6.5 x).
DETOUR_TIME_FACTOR = 1.25
DETOUR_KM_FACTOR_SAME_MODE = 1.5
DETOUR_KM_FACTOR_NEW_MODE = 3.0


def _detours(ordered: list[_Candidate]) -> set[int]:
    """Positions (in objective order) of the candidates that are detours of the best one (see DETOUR_*)."""
    if not ordered:
        return set()
    best = ordered[0].measure
    out, modes = set(), set()
    for i, cand in enumerate(ordered):
        m = cand.measure
        factor = DETOUR_KM_FACTOR_SAME_MODE if m.main_mode in modes else DETOUR_KM_FACTOR_NEW_MODE
        modes.add(m.main_mode)
        if i and m.total_km > factor * best.total_km and m.total_hours > DETOUR_TIME_FACTOR * best.total_hours:
            out.add(i)
    return out


def _select(cands: list[_Candidate], n: int, drop_detours: bool = True) -> list[_Candidate]:
    """The best route, then the best non-dominated route of each other main mode, then the rest by objective;
    ranked by objective. With `drop_detours` (no mode asked for), detours of the best route are not offered."""
    ordered = sorted(cands, key=lambda k: k.objective_value)
    if drop_detours:
        gone = _detours(ordered)
        ordered = [c for i, c in enumerate(ordered) if i not in gone]

    def dominated(c: _Candidate) -> bool:  # slower, dearer and dirtier than another candidate
        a = c.measure
        return any(o is not c and o.measure.transit_days <= a.transit_days and o.measure.total_usd <= a.total_usd
                   and o.measure.total_co2 <= a.total_co2 for o in ordered)

    chosen: list[_Candidate] = []
    modes: set[str] = set()
    for cand in ordered:
        if cand.measure.main_mode not in modes and len(chosen) < n and (not chosen or not dominated(cand)):
            chosen.append(cand)
            modes.add(cand.measure.main_mode)
    for cand in ordered:
        if len(chosen) >= n:
            break
        if cand not in chosen:
            chosen.append(cand)
    return sorted(chosen, key=lambda k: k.objective_value)


class Planner:
    """Holds a network, one scenario's edge state and the access index; answers plan queries."""

    def __init__(self, net: Network, state: EdgeState, access: Access | None = None):
        self.net = net
        self.state = state
        self.access = access or Access(net)
        self.place_names = net.column("places", "name")
        self.place_ids = net.column("places", "id")
        self.vertex_names = np.where(net.vertex_place >= 0, self.place_names[np.maximum(net.vertex_place, 0)], "sea")
        self._bases: dict[str, BaseGraph] = {}
        self.port_roles = net.port_roles
        # where a train hands a box to a ship or takes it from one: rail <-> port, and the terminal transfers of
        # a port city (a train unloaded there can only go on by sea or to a door nearby)
        rail_layer = np.char.startswith(np.asarray(net.layers), "rail")[net.vertex_layer]
        port_place = np.zeros(net.table_len("places"), dtype=bool)
        port_place[[net.place_index[pid] for pid in net.port_roles]] = True
        at_port = port_place[np.maximum(net.vertex_place[net.src], 0)] & (net.vertex_place[net.src] >= 0)
        # barges hand boxes to ships as trains do (a Yangtze barge to Shanghai): the same pre-carriage limit
        barge_l = net.layers.index("barge") if "barge" in net.layers else -1
        inland_layer = rail_layer | (np.arange(len(net.layers)) == barge_l)[net.vertex_layer]
        self._rail_port_edges = ((net.kind == PORT) & (inland_layer[net.src] | inland_layer[net.dst])) | (
            (net.kind == TRANSFER) & at_port)
        # ports where a sea crossing joins two rail legs (the Black Sea feeders of the Middle Corridor): trains
        # hand boxes to ships there wherever the trip starts or ends
        bridge = set()
        for svc in net.services_by_lane.get("med_black_sea", []):
            bridge |= set(svc)
        bridge_place = np.isin(net.vertex_place[net.src], [net.place_index[p] for p in bridge if p in net.place_index])
        self._rail_port_edges &= ~bridge_place
        port_countries = {self.access.country_index[c] for c in net.column("places", "country")[port_place]
                          if c in self.access.country_index}
        self._coastal_unions = {int(self.access.union_index[c]) for c in port_countries}
        # vertices at a place served by container barges (an inland_water search needs one at each end)
        barge = net.layers.index("barge") if "barge" in net.layers else -1
        self.barge_place = np.isin(net.vertex_place, net.vertex_place[net.vertex_layer == barge]) & (net.vertex_place >= 0)
        union = self.access.union_index
        self._edge_union = np.where(net.country_from >= 0, union[np.maximum(net.country_from, 0)], -1)
        self._rail_port_idx = np.flatnonzero(self._rail_port_edges)
        # land bridges (parameters.yaml rail.landbridge): ports whose through trains reach interior points far
        # beyond PRECARRIAGE_RADIUS_KM (Los Angeles -> Chicago)
        lb = (net.params.get("rail") or {}).get("landbridge") or {}
        self._landbridge_km = float((lb.get("max_rail_km") or {}).get("value", 0.0))
        lb_place = np.isin(net.column("places", "locode").astype(object), list((lb.get("ports") or {}).get("value", [])))
        touches = lambda v: lb_place[np.maximum(net.vertex_place[v], 0)] & (net.vertex_place[v] >= 0)  # noqa: E731
        self._landbridge_rp = touches(net.src[self._rail_port_idx]) | touches(net.dst[self._rail_port_idx])
        self._landbridge_vertex = touches(np.arange(net.n_vertices))
        from beltroad.data.geo import unit_vectors

        self._vertex_xyz = unit_vectors(net.vertex_lat, net.vertex_lon)
        self._mode_masks: dict[str, np.ndarray] = {}
        self._sea_land: tuple | None = None
        self._masked_cache: dict[tuple[str, str], tuple] = {}   # a mode's masked CSR (not sea: it needs the ends), see _masked
        self._corridor_edge = np.isin(net.kind, (LINK, SEA))  # what penalty rounds discourage
        # per-place work kept across queries (routing.evaluate.remember): access links, rail-port parts, and
        # the vertices within a radius of a place
        self._stop_cache: dict = {}
        self._within_cache: dict = {}
        self._drayage_key = float(self.access.max_drayage_km)
        self._place_weights: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # per objective, see _table_links
        self.evaluator = PathEvaluator(net, self.access, self.place_names, self.place_ids, self.vertex_names, state)

    # ------------------------------------------------------------------------------------------
    def plan(self, origin: Place, destination: Place, *, objective: str = "time", alternatives: int = 3,
             constraints: Constraints | None = None, teu: float = 1.0, scenario_label: str = "baseline") -> PlanResult:
        if objective not in OBJECTIVES:
            raise ValueError(f"objective '{objective}' is not one of {', '.join(OBJECTIVES)}")
        if not 1 <= alternatives <= 10:
            raise ValueError("alternatives must be between 1 and 10")
        c = constraints or Constraints()
        for p in (origin, destination, *c.via):
            if p.country in c.avoid_countries:
                raise RouteError(f"{p.label} lies in {p.country}, which --avoid-country excludes.",
                                 blocking=[f"--avoid-country {p.country}"])
        candidates = self._candidates(origin, destination, c, objective, alternatives)
        if not candidates:
            raise self._explain(origin, destination, c, objective)
        routes = []
        for rank, cand in enumerate(_select(candidates, alternatives, drop_detours=c.mode == "multimodal"), start=1):
            cand.route.rank = rank  # its legs draw their coordinates when a face asks for them
            routes.append(self._scale(cand.route, teu))
        quantity = f"{teu:g} TEU"
        notes = []
        if c.max_transfers is not None:
            notes.append(f"routes limited to at most {c.max_transfers} transfers")
        return PlanResult(origin=origin, destination=destination, scenario=scenario_label, objective=objective,
                          quantity=quantity, routes=routes, notes=notes,
                          value_of_time_usd_per_teu_day=self.state.value_of_time_usd_per_day,
                          carbon_price_usd_per_t=self.state.carbon_price_usd_per_t)

    def _scale(self, route: Route, teu: float) -> Route:
        if teu == 1.0:
            return route
        route.cost_usd *= teu
        route.co2_kg *= teu
        for leg in route.legs:
            leg.cost_usd *= teu
            leg.co2_kg *= teu
        return route

    # ------------------------------------------------------------------------------------------
    def _constraint_mask(self, c: Constraints, near: np.ndarray | None) -> np.ndarray:
        """`constraint_mask`, its mode part computed once per planner; sea's land edges per query (they are
        allowed near the trip's ends only)."""
        if c.avoid_countries or c.avoid_passages or (c.mode == "sea" and near is None):
            return constraint_mask(self.net, c, near)
        if c.mode == "sea":
            net = self.net
            if self._sea_land is None:
                land = (net.mode == RAIL) | (net.mode == INLAND) | (net.kind == TRANSFER) | (net.kind == GAUGE)
                long_road = (net.mode == ROAD) & (net.kind == LINK) & ~net.shuttle
                idx = np.flatnonzero(land & ~long_road)
                self._sea_land = (~long_road & ~land, idx, net.src[idx], net.dst[idx])
            mask, idx, src, dst = self._sea_land
            mask = mask.copy()
            mask[idx] = near[src] & near[dst]
            return mask
        mask = self._mode_masks.get(c.mode)
        if mask is None:
            mask = self._mode_masks[c.mode] = constraint_mask(self.net, Constraints(mode=c.mode))
        return mask

    def _masked(self, base: BaseGraph, c: Constraints, near: np.ndarray | None, rail_port: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """`base.masked` under the mode's mask and the query's rail-port mask. For a mode whose mask no query
        changes (not sea, nothing avoided), the mode's masked CSR is kept per planner and a query recomputes
        only the CSR positions that hold a rail-port edge (`_rail_port_groups`), as `base.masked` would."""
        if c.mode == "sea" and near is not None and not (c.avoid_countries or c.avoid_passages) and _use_compiled():
            return self._masked_sea(base, near, rail_port)
        mask = self._constraint_mask(c, near)
        if c.mode in self._mode_masks and mask is self._mode_masks[c.mode]:
            key = (base.objective, c.mode)
            hit = self._masked_cache.get(key)
            if hit is None:
                data, edge = base.masked(mask)  # shared by the queries: read, never written
                hit = self._masked_cache[key] = (data, edge, self._rail_port_groups(base, mask))
            data, edge, groups = hit
            if groups is None:
                return data, edge
            if len(groups) == 3:  # one edge at each such position: only its weight changes (inf when masked)
                at, rp_edge, rp_data = groups
                data = data.copy()
                data[at] = np.where(rail_port[rp_edge], rp_data, np.inf)
                return data, edge
            pos, mode_ok, first_of, at, cheapest = groups
            ok = mode_ok & rail_port[base.all_edge[pos]]
            idx = np.where(ok, np.arange(len(pos)), len(pos))
            first = np.minimum.reduceat(idx, first_of)           # first allowed edge of each position, if any
            has = first < len(pos)
            j = pos[np.where(has, first, 0)]
            data, edge = data.copy(), edge.copy()
            data[at] = np.where(has, base.all_data[j], np.inf)
            edge[at] = np.where(has, base.all_edge[j], cheapest)
            return data, edge
        return base.masked(mask & rail_port)

    def _masked_sea(self, base: BaseGraph, near: np.ndarray, rail_port: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`base.masked` under the sea mode's mask (`_constraint_mask`: land edges only near the trip's ends) and
        the query's rail-port mask, with the compiled search loaded: the CSR under the sea mask without land edges
        is kept per planner, and a query recomputes (`masked_groups`, as `base.masked` does) only the CSR
        positions whose parallel edges include a land or a rail-port edge."""
        from beltroad.routing.dijkstra import masked_groups

        key = (base.objective, "sea")
        hit = self._masked_cache.get(key)
        if hit is None:
            net = self.net
            self._constraint_mask(Constraints(mode="sea"), np.zeros(net.n_vertices, dtype=bool))  # (`_sea_land`)
            mask0, idx = self._sea_land[:2]           # the sea mask without land edges; the land edges
            variable = np.zeros(net.n_edges, dtype=bool)
            variable[idx] = True
            variable |= self._rail_port_edges & mask0
            group_of = np.repeat(np.arange(len(base.group_start)),
                                 np.diff(np.append(base.group_start, len(base.all_edge))))
            at = np.unique(group_of[variable[base.all_edge]])
            pos = np.flatnonzero(np.isin(group_of, at))  # their edges: grouped, cheapest first
            first_of = np.flatnonzero(np.diff(np.concatenate([[-1], group_of[pos]])) != 0)
            data, edge = base.masked(mask0)  # shared by the queries: read, never written
            hit = self._masked_cache[key] = (data, edge, at, base.all_edge[pos], base.all_data[pos], first_of,
                                             base.edge[at])
        data, edge, at, all_edge, all_data, first_of, cheapest = hit
        if not len(at):
            return data, edge
        edge_at = cheapest.copy()
        data_at = masked_groups(self._constraint_mask(Constraints(mode="sea"), near) & rail_port, all_edge, all_data,
                                first_of, edge_at)
        data, edge = data.copy(), edge.copy()
        data[at] = data_at
        edge[at] = edge_at
        return data, edge

    def _rail_port_groups(self, base: BaseGraph, mask: np.ndarray) -> tuple | None:
        """The CSR positions whose parallel edges include a rail-port edge that `mask` allows (None: none), as
        (their edges' positions in `base.all_edge`, allowed by `mask`, where each position's edges start, the
        CSR positions, their cheapest edge); or, when each of these positions has that one edge only, as (the
        CSR positions, their edge, its weight): a query's rail-port mask then only sets a weight or inf."""
        group_of = np.repeat(np.arange(len(base.group_start)), np.diff(np.append(base.group_start, len(base.all_edge))))
        rp = self._rail_port_edges[base.all_edge] & mask[base.all_edge]
        at = np.unique(group_of[rp])
        if not len(at):
            return None
        pos = np.flatnonzero(np.isin(group_of, at))                # in order: grouped, cheapest first
        first_of = np.flatnonzero(np.diff(np.concatenate([[-1], group_of[pos]])) != 0)
        if len(pos) == len(at):  # (the edge is then allowed by `mask`, and the position's cheapest)
            return at, base.all_edge[pos], base.all_data[pos]
        return pos, mask[base.all_edge[pos]], first_of, at, base.edge[at]

    def _base(self, objective: str) -> BaseGraph:
        if objective not in self._bases:
            self._bases[objective] = BaseGraph(self.net, self.state, objective)
        return self._bases[objective]

    def _rail_port_mask(self, stops: list[Place], access: list[AccessLinks], query: Stops) -> np.ndarray:
        """Trains carry boxes to or from a ship only for a trip end that has no port of its own within the
        drayage radius, and only at ports within PRECARRIAGE_RADIUS_KM of that end: nobody rails 1,600 km from
        Shanghai to Shenzhen, or from Genoa to Rotterdam, to catch or leave a ship. Next to a stop, trains
        load and unload as usual."""
        net = self.net
        ok = np.zeros(len(self._rail_port_idx), dtype=bool)
        for i, (p, acc) in enumerate(zip(stops, access)):
            is_end = p in (stops[0], stops[-1])
            kept = "_rail_port_end" if is_end else "_rail_port_via"
            part = acc.__dict__.get(kept)  # (kept with the links, which are kept per place)
            if part is None:
                key = ("rail_port", p.lat, p.lon, p.node_id, p.country, self._drayage_key, is_end,
                       tuple(acc.verts.tolist()), tuple(acc.gate.tolist()))
                part = self._stop_cache.get(key)
                if part is None:
                    part = self._table_rail_port(p, acc, is_end)
                    if part is None:
                        part = self._rail_port_part(i, p, acc, is_end, query)
                    remember(self._stop_cache, key, part)
                acc.__dict__[kept] = part
            ok |= part
        mask = np.ones(net.n_edges, dtype=bool)
        mask[self._rail_port_idx] = ok
        return mask

    def _rail_port_part(self, i: int, p: Place, acc: AccessLinks, is_end: bool, query: Stops) -> np.ndarray:
        """The rail-port edges that stop i opens (see `_rail_port_mask`)."""
        net = self.net
        rp = self._rail_port_idx                     # only these edges can be masked
        src = net.src[rp]
        union = self.access.union_index
        ok = query.within(net, i, self.access.max_drayage_km, self._vertex_xyz)[src]  # loading or unloading next to a stop
        own_port = bool(self.access.gate_is_sea(acc.verts[acc.gate]).any())
        if not own_port and is_end:
            # a country with ports of its own (or its customs union's) rails to those; a landlocked one
            # to its neighbours'
            ci = self.access.country_index.get(p.country, -1)
            home = union[ci] if ci >= 0 else -1
            same = (self._edge_union[rp] == home) | (home not in self._coastal_unions)
            ok |= query.within(net, i, PRECARRIAGE_RADIUS_KM, self._vertex_xyz)[src] & same
            if self._landbridge_km > PRECARRIAGE_RADIUS_KM:  # through trains of a land-bridge port
                ok |= query.within(net, i, self._landbridge_km, self._vertex_xyz)[src] & self._landbridge_rp
        ok.flags.writeable = False
        return ok

    def _table_row(self, p: Place) -> int | None:
        """The row of a network place in the tables (None: tables off, or not a network place as they have it)."""
        if p.node_id is None or not use_place_tables():
            return None
        row = self.net.place_index.get(p.node_id)
        if row is None:
            return None
        _, _, lat, lon, country = self.access.place_links()
        return row if (lat[row] == p.lat and lon[row] == p.lon and country[row] == p.country) else None

    def _table_gate(self) -> np.ndarray:
        """Which of the table's access links end at a gate."""
        gate = self.__dict__.get("_place_gate")
        if gate is None:
            gate = self.access.is_gate(self.access.place_links()[0].verts)
            gate.flags.writeable = False
            gate = self.__dict__.setdefault("_place_gate", gate)
        return gate

    def _table_rail_port(self, p: Place, acc: AccessLinks, is_end: bool) -> np.ndarray | None:
        """`_rail_port_part` of a network place whose access links are the table's, read from a table of every
        network place (as a trip end and as a via), or None. Computed for all places at once on the first ask:
        the same boolean operations on the table's radius masks (tests/test_place_links.py)."""
        row = self._table_row(p)
        if row is None:
            return None
        links, start = self.access.place_links()[:2]
        a, b = int(start[row]), int(start[row + 1])
        if not (np.array_equal(acc.verts, links.verts[a:b]) and np.array_equal(acc.gate, self._table_gate()[a:b])):
            return None  # other links (a country avoided, another drayage radius): computed per query
        return self._rail_port_tables()[1 if is_end else 0][row]

    def _rail_port_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """`_compute_rail_port_table`, once per network (every scenario's planner has the same rail-port edges)."""
        table = self.__dict__.get("_rail_port_table")
        if table is None:
            table = self.__dict__.setdefault("_rail_port_table", self.net.derived(
                f"routing.place_rail_port {self._table_radii()}", lambda net: self._compute_rail_port_table()))
        return table

    def _compute_rail_port_table(self) -> tuple[np.ndarray, np.ndarray]:
        """(as a via, as a trip end): places x rail-port edges, `_rail_port_part` of every network place."""
        net = self.net
        rp = self._rail_port_idx
        src = net.src[rp]
        links, start, _, _, country = self.access.place_links()
        masks = self._within_tables()[2]
        near = masks[float(self.access.max_drayage_km)][:, src]
        owner = np.repeat(np.arange(len(country)), np.diff(start))
        own_port = np.zeros(len(country), dtype=bool)
        own_port[owner[self._table_gate() & self.access.gate_is_sea(links.verts)]] = True
        union = self.access.union_index
        ci = np.array([self.access.country_index.get(c, -1) for c in country], dtype=np.int64)
        home = np.where(ci >= 0, union[np.maximum(ci, 0)], -1)
        landlocked = np.array([h not in self._coastal_unions for h in home.tolist()], dtype=bool)
        same = (self._edge_union[rp][None, :] == home[:, None]) | landlocked[:, None]
        far = masks[PRECARRIAGE_RADIUS_KM][:, src] & same
        if self._landbridge_km > PRECARRIAGE_RADIUS_KM:
            far |= masks[self._landbridge_km][:, src] & self._landbridge_rp[None, :]
        end = near | (~own_port[:, None] & far)
        near.flags.writeable = False
        end.flags.writeable = False
        return near, end

    def _table_links(self, p: Place, c: Constraints, base: BaseGraph) -> AccessLinks | None:
        """The access links of a network place read from the network's table (`Access.place_links`, all places
        at once), or None: not a network place as the table has it, another drayage radius, or tables off
        (`use_place_tables`). The same arrays as `Access.edges` gives (tests/test_place_links.py)."""
        row = self._table_row(p) if c.max_drayage_km is None else None
        if row is None:
            return None
        links, start = self.access.place_links()[:2]
        extra = self._place_weights.get(base.objective)
        if extra is None:  # each link's objective weight and layer, for all places at once
            weight = base.weights(links.hours, links.usd, links.co2_kg)
            weight.flags.writeable = False
            extra = (weight, self._table_gate())
            extra = self._place_weights.setdefault(base.objective, extra)
        weight, gate = extra
        a, b = int(start[row]), int(start[row + 1])
        verts = links.verts[a:b]
        keep = None
        if c.avoid_countries:
            avoided = [self.access.country_index[x] for x in c.avoid_countries if x in self.access.country_index]
            keep = ~np.isin(self.access.vertex_country[verts], avoided) if avoided else None
        return AccessLinks(verts, links.km[a:b], links.hours[a:b], links.usd[a:b], links.co2_kg[a:b],
                           links.border_hours[a:b], weight[a:b], gate[a:b]).subset(keep)

    def _table_radii(self) -> tuple[float, ...]:
        """The radii the planner asks `Stops.within` for: the drayage radius, the pre-carriage radius and the
        land-bridge radius."""
        return tuple(dict.fromkeys([float(self.access.max_drayage_km), PRECARRIAGE_RADIUS_KM]
                                   + ([self._landbridge_km] if self._landbridge_km > PRECARRIAGE_RADIUS_KM else [])))

    def _place_within(self, p: Place, radius_km: float) -> np.ndarray | None:
        """`Stops.within` of a network place (the vertices within `radius_km` of it) read from a table of every
        network place for the planner's radii, or None (not a network place as the table has it, another
        radius). The table is computed for all places at once on the first ask (one matrix product, the
        haversine in the same 2 km band as `Stops.within`; the same masks, tests/test_place_links.py)."""
        row = self.net.place_index.get(p.node_id) if p.node_id is not None else None
        if row is None:
            return None
        lat, lon, masks = self._within_tables()
        mask = masks.get(float(radius_km))
        if mask is None or not (lat[row] == p.lat and lon[row] == p.lon):
            return None
        return mask[row]

    def _within_tables(self) -> tuple[np.ndarray, np.ndarray, dict[float, np.ndarray]]:
        """(places' lat, lon, {radius: places x vertices mask}), once per network."""
        table = self.__dict__.get("_within_table")
        if table is None:
            table = self.__dict__.setdefault("_within_table", self.net.derived(
                f"routing.place_within {self._table_radii()}", lambda net: self._compute_within_table()))
        return table

    def warm_place_tables(self) -> None:
        """Build the network places' tables now (a server's warm-up), not in its first query; and load what
        measures found paths in a long-lived process (`PathEvaluator.warm`)."""
        self.evaluator.warm()
        if use_place_tables():
            self.access.place_links()
            self._table_gate()
            self._within_tables()
            self._rail_port_tables()

    def _compute_within_table(self) -> tuple[np.ndarray, np.ndarray, dict[float, np.ndarray]]:
        from beltroad.data.geo import EARTH_RADIUS_KM, haversine_km, unit_vectors

        net = self.net
        lat, lon = net.column("places", "lat").astype(float), net.column("places", "lon").astype(float)
        cos_angle = unit_vectors(lat, lon) @ self._vertex_xyz.T          # places x vertices
        masks = {}
        for r in self._table_radii():
            near = cos_angle >= np.cos((r + 1.0) / EARTH_RADIUS_KM)
            out = cos_angle >= np.cos((r - 1.0) / EARTH_RADIUS_KM) if r > 2.0 else np.zeros_like(near)
            pi, vi = np.nonzero(near & ~out)
            out[pi, vi] = haversine_km(lat[pi], lon[pi], net.vertex_lat[vi], net.vertex_lon[vi]) <= r
            out.flags.writeable = False
            masks[r] = out
        return lat, lon, masks

    def _stops(self, stops: list[Place]) -> Stops:
        """The stops of a query, with the planner's kept radius masks and (when kept) the network places' table."""
        return Stops(stops, self._within_cache, self._place_within if use_place_tables() else None,
                     self._table_radii())

    def _access(self, stops: list[Place], c: Constraints, base: BaseGraph) -> list[AccessLinks]:
        """Access links of every stop, with their objective weights (avoided countries removed); kept per place,
        drayage radius, objective and avoided countries for the next query (they are the same arrays). A network
        place's come from the network's table when kept (`_table_links`)."""
        out = []
        for p in stops:
            key = ("access", p.lat, p.lon, p.node_id, p.country, c.max_drayage_km, base.objective, c.avoid_countries)
            links = self._stop_cache.get(key)
            if links is None:
                links = self._table_links(p, c, base)
                if links is not None:
                    for f in ("verts", "km", "hours", "usd", "co2", "border", "weight", "gate"):
                        getattr(links, f).flags.writeable = False
                    remember(self._stop_cache, key, links)
            if links is None:
                avoided = [self.access.country_index[x] for x in c.avoid_countries if x in self.access.country_index]
                if type(self.access).edges is Access.edges:  # (a subclass may keep its own `edges`)
                    verts, km, hrs, usd, co2, border = self.access.edges_with_border(
                        p.lat, p.lon, p.node_id, p.country, c.max_drayage_km, sea_fallback=False)
                else:
                    verts, km, hrs, usd, co2 = self.access.edges(p.lat, p.lon, p.node_id, p.country, c.max_drayage_km,
                                                                 sea_fallback=False)
                    border = self.access.border_hours(verts, p.country)
                keep = ~np.isin(self.access.vertex_country[verts], avoided) if avoided else None
                links = AccessLinks(verts, km, hrs, usd, co2, border, base.weights(hrs, usd, co2),
                                    self.access.is_gate(verts)).subset(keep)
                for f in ("verts", "km", "hours", "usd", "co2", "border", "weight", "gate"):
                    getattr(links, f).flags.writeable = False
                remember(self._stop_cache, key, links)
            out.append(links)
        return out

    def _candidates(self, origin: Place, destination: Place, c: Constraints, objective: str, n: int) -> list[_Candidate]:
        stops = [origin, *c.via, destination]
        modes = {"multimodal": ["multimodal", "rail", "sea", "road", "inland_water"]}.get(c.mode, [c.mode])
        found: dict[tuple, _Candidate] = {}
        query = self._stops(stops)
        base = self._base(objective)
        all_access = self._access(stops, c, base)
        rail_port = self._rail_port_mask(stops, all_access, query)  # the same for every mode's search
        evaluated: dict[tuple, _Candidate] = {}
        by_ends: dict[str, list[AccessLinks]] = {}
        for vi, mode in enumerate(modes):
            # all-road trips start on the road layer; intermodal main hauls at a terminal gate
            ends = "road" if mode == "road" else "gate"
            acc = by_ends.get(ends)
            if acc is None:
                acc = by_ends[ends] = [a.ends(ends) for a in all_access]
            if any(len(a.verts) == 0 for a in acc):
                continue
            if mode == "inland_water" and not all(self._barge_reach(a) for a in (acc[0], acc[-1])):
                continue  # no barge terminal within reach of an end: nothing to search
            cm = Constraints(mode=mode, avoid_countries=c.avoid_countries, avoid_passages=c.avoid_passages)
            near = self._sea_ends_reach(query) if mode == "sea" else None  # as near_ends, plus land bridges
            allowed_data, edge_of = self._masked(base, cm, near, rail_port)
            penalty = None  # weight multipliers of the penalty rounds and retries (none yet: all 1)
            rounds = n + 1 if vi == 0 and n > 1 else 1  # penalty rounds on the first search find other corridors
            done, retries = 0, 0
            while done < rounds:
                data = allowed_data * penalty if penalty is not None else allowed_data
                # best route only: a first search (true weights) need not look beyond the best route found so far
                limit = self._bound(found, base, origin, destination) if n == 1 and retries == 0 else math.inf
                segments = []
                for i in range(len(stops) - 1):
                    o, d = acc[i], acc[i + 1]
                    seg = base.path(data, o.verts, o.weight, d.verts, d.weight, limit)
                    if seg is None:
                        segments = None
                        break
                    segments.append((i, seg))
                if segments is None:
                    break
                # the same path found again (by another mode's search or penalty round) is evaluated once
                edges = [edge_of[np.array(pos, dtype=np.int64)] for _, (pos, _, _) in segments]
                e_lists = [e.tolist() for e in edges]
                key = tuple((acc[i].link(a)[0], tuple(e), acc[i + 1].link(b)[0])
                            for (i, (_, a, b)), e in zip(segments, e_lists))
                cand = evaluated.get(key)
                if cand is None and n == 1 and mode == "road" and self._beyond_with_rest(
                        found, base, origin, destination, data, acc, segments, edge_of):
                    break  # best route only: this all-road trip, drivers' rest included, is slower than the best
                if cand is None:
                    pe = self.evaluator.path_edges(query, [(i, e, e_list, acc[i].link(a), acc[i + 1].link(b))
                                                           for (i, (_, a, b)), e, e_list in zip(segments, edges, e_lists)])
                    cand = evaluated[key] = self._evaluate(pe, origin, destination, objective, query)
                fits_mode = mode == "multimodal" or cand.measure.main_mode == mode
                if mode == "multimodal" and cand.measure.main_mode == "sea" and not self._near_sea_ends(cand, query):
                    fits_mode = False  # a sea route found without the sea search's near-ends rule: not offered
                if not fits_mode and mode in ("rail", "sea", "inland_water") and retries < 2:
                    # a short trip where two drayage trucks beat any main haul: make the trucks dearer, retry
                    acc = [a.scaled(ROAD_RETRY_FACTOR) for a in acc]
                    if mode == "sea" and cand.measure.main_mode in ("rail", "inland_water"):
                        # pre- and on-carriage legs that joined into a land main haul (Dar es Salaam -> Mombasa
                        # by the Central Line and Lake Victoria): make the legs it used dearer, so a sailing wins
                        land = self._used(segments, e_lists)
                        penalty = np.ones(len(base.data)) if penalty is None else penalty
                        penalty[land] *= ROAD_RETRY_FACTOR
                    retries += 1
                    continue
                done += 1
                if fits_mode and (c.max_transfers is None or cand.measure.transfers <= c.max_transfers):
                    prev = found.get(cand.signature)
                    if prev is None or cand.objective_value < prev.objective_value:
                        found[cand.signature] = cand
                if done >= rounds:
                    break  # (no round left: the penalties would not be used)
                # discourage what this route used: its corridor edges (not access, not handling), both ways
                used = self._used(segments, e_lists)
                if not used:
                    break
                penalty = np.ones(len(base.data)) if penalty is None else penalty
                penalty[used] *= PENALTY
                reverse = self._reverse(base)
                penalty[[r for r in (reverse[p] for p in used) if r >= 0]] *= PENALTY
        return self._prune(list(found.values()), n)

    def _bound(self, found: dict, base: BaseGraph, origin: Place, destination: Place) -> float:
        """The search limit of a best-route query: the objective value of the best route found so far, less what
        every route of the query adds beyond its summed weights for sure (the customs fee, in USD objectives),
        plus the most by which a path's search distance can exceed its summed weights (each edge's weight floor
        EPS, rounding); inf when no route is found yet or when a distance does not bound the value (a negative
        weight, value of time or carbon price). Measuring adds only what is >= 0 to the summed weights (customs
        time beyond dwell, drivers' rest beyond the access links'), so a first search (true weights, no
        penalty) that ends beyond this limit has no route better than the best one: skipping it changes no
        answer."""
        if not found or not base.weights_bound_values:
            return math.inf
        best = min(c.objective_value for c in found.values())
        fee = max(end_customs_parts(self.net, origin.country, destination.country)[1], 0.0) if base.objective in (
            "cost", "generalized") else 0.0
        return best - fee + 2.0 * (self.net.n_vertices + 2) * EPS + 1e-7 * abs(best) + 1e-9

    def _beyond_with_rest(self, found: dict, base: BaseGraph, origin: Place, destination: Place, data: np.ndarray,
                          acc: list[AccessLinks], segments: list, edge_of: np.ndarray) -> bool:
        """Is a found path (true weights) of the time objective slower than `_bound` allows once the drivers'
        rest that measuring adds for sure is counted? The search compares driving hours; measuring adds, per
        road leg j, rest(d_j) - (the rest already in its access links), with rest(x) = floor(x / driving hours
        per day) x the hours off duty per day. With T the path's driving hours and L an upper bound on its road
        legs, the sum over legs of rest(d_j) >= rest(T) - (L - 1) x off-duty hours (a floor of a sum exceeds the
        sum of floors by less than one per term). Only for a search that has no retries (the road mode's):
        skipping its measuring then skips nothing that could be the best route."""
        limit = self._bound(found, base, origin, destination)
        if base.objective != "time" or limit == math.inf:
            return False
        net, a_ = self.net, self.access
        pos = np.concatenate([np.asarray(p, dtype=np.int64) for _, (p, _, _) in segments])
        e = edge_of[pos]
        kind = net.kind[e]
        road = (net.mode[e] == ROAD) & ~_SEA_OR_HANDLING[kind]
        legs = 1 + int((~road).sum())               # road legs are separated by at least one other edge
        access_drive = [acc[i].km[a] / a_.speed for i, (_, a, _) in segments] + [
            acc[i + 1].km[b] / a_.speed for i, (_, _, b) in segments]
        off_duty = 24.0 - a_.drive_h
        drive = float(self.state.move_hours[e[road]].sum()) + float(sum(access_drive))
        in_access = sum(np.floor(x / a_.drive_h) * off_duty for x in access_drive)
        rest = max(np.floor((drive - 1e-6) / a_.drive_h) * off_duty - (legs - 1) * off_duty - in_access, 0.0)
        total = 0.0
        for i, (positions, a, b) in segments:  # the search distance (weights + EPS) of each segment
            total += float(acc[i].weight[a]) + float(np.sum(data[np.asarray(positions, dtype=np.int64)])) + float(
                acc[i + 1].weight[b])
        return total + rest > limit

    def _barge_reach(self, links: AccessLinks) -> bool:
        """Does a stop reach a place served by container barges (kept with its links)?"""
        out = links.__dict__.get("_barge")
        if out is None:
            out = links.__dict__["_barge"] = bool(self.barge_place[links.verts].any())
        return out

    def _sea_ends_reach(self, query: Stops) -> np.ndarray:
        """Vertices where a sea route's trains, barges and terminals may be: within PRECARRIAGE_RADIUS_KM of the
        origin or destination, or within the land-bridge radius of an end that has a land-bridge port within it
        (Chicago's trains from Los Angeles; `_rail_port_mask` still limits where they meet ships)."""
        near = query.__dict__.get("_sea_ends_reach")
        if near is not None:
            return near
        near = self._sea_end_reach(query, 0) | self._sea_end_reach(query, len(query.places) - 1)
        query.__dict__["_sea_ends_reach"] = near  # (read, never written)
        return near

    def _sea_end_reach(self, query: Stops, i: int) -> np.ndarray:
        """`_sea_ends_reach` of one end (stop i), kept per place (the union of both ends' is the trip's)."""
        p = query.places[i]
        key = ("sea_end", p.lat, p.lon)
        near = self._within_cache.get(key)
        if near is None:
            net = self.net
            near = query.within(net, i, PRECARRIAGE_RADIUS_KM, self._vertex_xyz)
            if self._landbridge_km > PRECARRIAGE_RADIUS_KM:
                far = query.within(net, i, self._landbridge_km, self._vertex_xyz)
                if (far & self._landbridge_vertex).any():
                    near = near | far
            remember(self._within_cache, key, near)  # (read, never written)
        return near

    def _near_sea_ends(self, cand: _Candidate, query: Stops) -> bool:
        """Does a route whose main haul is at sea keep its rail, barge and terminal legs within
        PRECARRIAGE_RADIUS_KM of the origin or destination, as the `sea` search requires (constraint_mask)?"""
        net = self.net
        e = np.asarray(cand.edges, dtype=np.int64)
        e = e[(e >= 0)]
        land = (net.mode[e] == RAIL) | (net.mode[e] == INLAND) | (net.kind[e] == TRANSFER) | (net.kind[e] == GAUGE)
        if not land.any():
            return True
        near = self._sea_ends_reach(query)
        e = e[land]
        return bool((near[net.src[e]] & near[net.dst[e]]).all())

    def _used(self, segments: list, e_lists: list[list[int]]) -> list[int]:
        """The CSR positions of a found path's corridor edges (`_corridor_edge`: links and sailings, not access or
        handling), all segments in order."""
        corridor = self.__dict__.get("_corridor_list")
        if corridor is None:
            corridor = self.__dict__.setdefault("_corridor_list", self._corridor_edge.tolist())
        return [p for (_, (pos, _, _)), edges in zip(segments, e_lists) for p, e in zip(pos, edges) if corridor[e]]

    @staticmethod
    def _reverse(base: BaseGraph) -> list[int]:
        """`base.reverse` as a list (kept with the CSR)."""
        out = base.__dict__.get("_reverse_list")
        if out is None:
            out = base.__dict__.setdefault("_reverse_list", base.reverse.tolist())
        return out

    def _prune(self, cands: list[_Candidate], n: int) -> list[_Candidate]:
        """Drop candidates that differ from a better one only by a small detour."""
        cands.sort(key=lambda k: k.objective_value)
        kept: list[_Candidate] = []
        edge_sets = {id(c): set(c.edges) for c in cands}
        for cand in cands:
            similar = False
            for k in kept:
                overlap = len(edge_sets[id(k)] & edge_sets[id(cand)]) / max(1, min(len(k.edges), len(cand.edges)))
                if k.measure.corridor_key(MAJOR_LEG_KM) == cand.measure.corridor_key(MAJOR_LEG_KM) or (
                        k.measure.main_mode == cand.measure.main_mode and overlap > 0.8):
                    similar = True
                    break
            if not similar:
                kept.append(cand)
        return kept

    # ------------------------------------------------------------------------------------------
    def _evaluate(self, pe: PathEdges, origin: Place, destination: Place, objective: str, query: Stops
                  ) -> _Candidate:
        """The candidate of a found path: measured now, described as a Route only if the planner keeps it
        (see routing.evaluate)."""
        return _Candidate(self.evaluator.measure(pe, origin, destination, objective, query), self.evaluator)

    # ------------------------------------------------------------------------------------------
    def _explain(self, origin: Place, destination: Place, c: Constraints, objective: str) -> RouteError:
        """Find which constraint blocks the trip by lifting each in turn."""
        options = c.describe()
        if not options:
            return RouteError(f"No route from {origin.label} to {destination.label} exists on the network "
                              f"in scenario '{self.state.label}'.", blocking=[f"scenario {self.state.label}"])
        relaxed, blocking = [], []
        for opt in options:
            kw = dict(mode=c.mode, avoid_countries=c.avoid_countries, avoid_passages=c.avoid_passages, via=c.via,
                      max_transfers=c.max_transfers)
            if opt.startswith("--mode"):
                kw["mode"] = "multimodal"
            elif opt.startswith("--avoid-country"):
                kw["avoid_countries"] = tuple(x for x in c.avoid_countries if x != opt.split()[-1])
            elif opt.startswith("--avoid-passage"):
                kw["avoid_passages"] = tuple(x for x in c.avoid_passages if x != opt.split()[-1])
            elif opt.startswith("--via"):
                kw["via"] = tuple(p for p in c.via if p.name != opt.split(" ", 1)[1])
            elif opt.startswith("--max-transfers"):
                kw["max_transfers"] = None
            cands = self._candidates(origin, destination, Constraints(**kw), objective, 1)
            if cands:
                best = min(cands, key=lambda k: k.objective_value).route
                blocking.append(opt)
                relaxed.append(f"Without {opt}: {best.summary}, {best.transit_days:.1f} days, "
                               f"{best.cost_usd:,.0f} USD/TEU.")
        if not blocking:
            blocking = options
            relaxed = ["No single relaxation helps; the combination of constraints blocks every route."]
        return RouteError(f"No route from {origin.label} to {destination.label} satisfies "
                          f"{' '.join(options)}; blocked by {', '.join(blocking)}.", blocking=blocking, relaxed=relaxed)


__all__ = ["Constraints", "OBJECTIVES", "MAIN_MODES", "Planner", "PlaceError", "RouteError", "constraint_mask",
           "normalize_constraints", "HANDLING", "KIND_NAMES"]
