"""The route planner: ranked, meaningfully different multimodal alternatives under constraints."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from beltroad.network.build import (ACCESS, FERRY, GAUGE, HANDLING, INLAND, KIND_NAMES, LINK, MODES, PORT, PORT_SEA,
                                    RAIL, ROAD, SEA, SEA_MODE, TRANSFER, TRANSSHIP, FERRY_BOARD, Network)
from beltroad.network.sea import PASSAGES, canonical_passages
from beltroad.places import Place, PlaceError
from beltroad.routing.engine import Access, BaseGraph, EdgeState, Graph, customs_beyond_dwell, end_customs_parts
from beltroad.routing.result import TIME_PARTS, Leg, PlanResult, Route

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
    from beltroad.countries import ISO2TO3 as _ISO2TO3, ISO3TO2 as _ISO3TO2

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
    from beltroad.geo import haversine_km

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

    def subset(self, keep: np.ndarray | None) -> "AccessLinks":
        if keep is None:
            return self
        return AccessLinks(*(getattr(self, f)[keep] for f in
                             ("verts", "km", "hours", "usd", "co2", "border", "weight", "gate")))

    def scaled(self, factor: float) -> "AccessLinks":
        """The same links with their objective weight multiplied (to make trucking dearer in a retry)."""
        return AccessLinks(self.verts, self.km, self.hours, self.usd, self.co2, self.border, self.weight * factor,
                           self.gate)


@dataclass
class _Query:
    """Per-query state (stops and their positions), so one Planner serves concurrent queries."""

    stops: list[Place]
    endpoint_pos: list[tuple[float, float]]


@dataclass
class _Candidate:
    edges: list[int]
    route: Route
    signature: tuple
    objective_value: float = 0.0
    gen: int = 0
    graph: Graph | None = None          # the path's edges, kept to draw the route once it is selected
    geometry: bool = False              # legs already carry their coordinates
    query: "_Query | None" = None


MAJOR_LEG_KM = 300.0  # legs shorter than this (drayage, port access) do not make two routes different


def _corridor_key(route: Route) -> tuple:
    """What makes two routes different to a planner: the sequence of major legs (mode, where each ends)."""
    key = []
    for leg in route.legs:
        if leg.mode != "handling" and leg.distance_km >= MAJOR_LEG_KM:
            item = (leg.mode, leg.to_country)
            if not key or key[-1] != item:
                key.append(item)
    return tuple(key) or (route.main_mode,)  # a short trip: its main mode tells routes apart (barge vs rail)


def _select(cands: list[_Candidate], n: int) -> list[_Candidate]:
    """The best route, then the best non-dominated route of each other main mode, then the rest by objective;
    ranked by objective."""
    ordered = sorted(cands, key=lambda k: k.objective_value)

    def dominated(c: _Candidate) -> bool:  # slower, dearer and dirtier than another candidate
        a = c.route
        return any(o is not c and o.route.transit_days <= a.transit_days and o.route.cost_usd <= a.cost_usd
                   and o.route.co2_kg <= a.co2_kg for o in ordered)

    chosen: list[_Candidate] = []
    modes: set[str] = set()
    for cand in ordered:
        if cand.route.main_mode not in modes and len(chosen) < n and (not chosen or not dominated(cand)):
            chosen.append(cand)
            modes.add(cand.route.main_mode)
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
        self.place_names = net.places["name"].to_numpy()
        self.place_ids = net.places["id"].to_numpy()
        self.vertex_names = np.where(net.vertex_place >= 0, self.place_names[np.maximum(net.vertex_place, 0)], "sea")
        self.link_corridor = net.links["corridor"].to_numpy() if len(net.links) else np.array([])
        self._bases: dict[str, BaseGraph] = {}
        self.port_roles = net.port_roles
        # where a train hands a box to a ship or takes it from one: rail <-> port, and the terminal transfers of
        # a port city (a train unloaded there can only go on by sea or to a door nearby)
        rail_layer = np.char.startswith(np.asarray(net.layers), "rail")[net.vertex_layer]
        port_place = np.zeros(len(net.places), dtype=bool)
        port_place[[net.place_index[pid] for pid in net.port_roles]] = True
        at_port = port_place[np.maximum(net.vertex_place[net.src], 0)] & (net.vertex_place[net.src] >= 0)
        self._rail_port_edges = ((net.kind == PORT) & (rail_layer[net.src] | rail_layer[net.dst])) | (
            (net.kind == TRANSFER) & at_port)
        # ports where a sea crossing joins two rail legs (the Black Sea feeders of the Middle Corridor): trains
        # hand boxes to ships there wherever the trip starts or ends
        bridge = set()
        for svc in net.services_by_lane.get("med_black_sea", []):
            bridge |= set(svc)
        bridge_place = np.isin(net.vertex_place[net.src], [net.place_index[p] for p in bridge if p in net.place_index])
        self._rail_port_edges &= ~bridge_place
        port_countries = {self.access.country_index[c] for c in net.places.loc[port_place, "country"]
                          if c in self.access.country_index}
        self._coastal_unions = {int(self.access.union_index[c]) for c in port_countries}
        # vertices at a place served by container barges (an inland_water search needs one at each end)
        barge = net.layers.index("barge") if "barge" in net.layers else -1
        self.barge_place = np.isin(net.vertex_place, net.vertex_place[net.vertex_layer == barge]) & (net.vertex_place >= 0)

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
        for rank, cand in enumerate(_select(candidates, alternatives), start=1):
            drawn = cand.route if cand.geometry else self._evaluate(
                cand.graph, list(range(len(cand.graph.src))), origin, destination, objective, cand.query,
                geometry=True).route  # geometry only for the routes shown
            drawn.rank = rank
            routes.append(self._scale(drawn, teu))
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
    def _base(self, objective: str) -> BaseGraph:
        if objective not in self._bases:
            self._bases[objective] = BaseGraph(self.net, self.state, objective)
        return self._bases[objective]

    def _rail_port_mask(self, stops: list[Place], access: list[AccessLinks]) -> np.ndarray:
        """Trains carry boxes to or from a ship only for a trip end that has no port of its own within the
        drayage radius, and only at ports within PRECARRIAGE_RADIUS_KM of that end: nobody rails 1,600 km from
        Shanghai to Shenzhen, or from Genoa to Rotterdam, to catch or leave a ship. Next to a stop, trains
        load and unload as usual."""
        net = self.net
        rail_port = self._rail_port_edges
        ok = np.zeros(net.n_edges, dtype=bool)
        from beltroad.geo import haversine_km

        union = self.access.union_index
        edge_union = np.where(net.country_from >= 0, union[np.maximum(net.country_from, 0)], -1)
        for p, acc in zip(stops, access):
            dist = haversine_km(p.lat, p.lon, net.vertex_lat, net.vertex_lon)[net.src]  # per vertex, then edges
            ok |= dist <= self.access.max_drayage_km  # loading or unloading next to a stop
            own_port = bool(self.access.gate_is_sea(acc.verts[acc.gate]).any())
            if not own_port and p in (stops[0], stops[-1]):
                # a country with ports of its own (or its customs union's) rails to those; a landlocked one
                # to its neighbours'
                ci = self.access.country_index.get(p.country, -1)
                home = union[ci] if ci >= 0 else -1
                same = (edge_union == home) | (home not in self._coastal_unions)
                ok |= (dist <= PRECARRIAGE_RADIUS_KM) & same
        return ~rail_port | ok

    def _access(self, stops: list[Place], c: Constraints, base: BaseGraph) -> list[AccessLinks]:
        """Access links of every stop, with their objective weights (avoided countries removed)."""
        avoided = [self.access.country_index[x] for x in c.avoid_countries if x in self.access.country_index]
        out = []
        for p in stops:
            verts, km, hrs, usd, co2 = self.access.edges(p.lat, p.lon, p.node_id, p.country, c.max_drayage_km,
                                                         sea_fallback=False)
            border = self.access.border_hours(verts, p.country)
            keep = ~np.isin(self.access.vertex_country[verts], avoided) if avoided else np.ones(len(verts), bool)
            links = AccessLinks(verts, km, hrs, usd, co2, border, base.weights(hrs, usd, co2), self.access.is_gate(verts))
            out.append(links.subset(keep))
        return out

    def _candidates(self, origin: Place, destination: Place, c: Constraints, objective: str, n: int) -> list[_Candidate]:
        stops = [origin, *c.via, destination]
        modes = {"multimodal": ["multimodal", "rail", "sea", "road", "inland_water"]}.get(c.mode, [c.mode])
        found: dict[tuple, _Candidate] = {}
        query = _Query(stops=stops, endpoint_pos=[(p.lon, p.lat) for p in stops])
        base = self._base(objective)
        all_access = self._access(stops, c, base)
        rail_port = self._rail_port_mask(stops, all_access)  # the same for every mode's search
        evaluated: dict[tuple, _Candidate] = {}
        for vi, mode in enumerate(modes):
            cm = Constraints(mode=mode, avoid_countries=c.avoid_countries, avoid_passages=c.avoid_passages)
            near = near_ends(self.net, [(p.lat, p.lon) for p in (origin, destination)],
                             PRECARRIAGE_RADIUS_KM) if mode == "sea" else None
            allowed_data, edge_of = base.masked(constraint_mask(self.net, cm, near) & rail_port)
            # all-road trips start on the road layer; intermodal main hauls at a terminal gate
            acc = [a.subset(~a.gate if mode == "road" else a.gate) for a in all_access]
            if any(len(a.verts) == 0 for a in acc):
                continue
            if mode == "inland_water" and not all(self.barge_place[a.verts].any() for a in (acc[0], acc[-1])):
                continue  # no barge terminal within reach of an end: nothing to search
            penalty = np.ones(len(base.data))
            rounds = n + 1 if vi == 0 and n > 1 else 1  # penalty rounds on the first search find other corridors
            done, retries = 0, 0
            while done < rounds:
                data = allowed_data * penalty
                segments = []
                for i in range(len(stops) - 1):
                    o, d = acc[i], acc[i + 1]
                    seg = base.path(data, o.verts, o.weight, d.verts, d.weight)
                    if seg is None:
                        segments = None
                        break
                    segments.append((i, seg))
                if segments is None:
                    break
                g, used = self._path_graph(edge_of, acc, segments, query)
                # the same path found again (by another mode's search or penalty round) is evaluated once
                key = tuple((int(acc[i].verts[a]), tuple(edge_of[np.asarray(pos, dtype=np.int64)].tolist()),
                             int(acc[i + 1].verts[b])) for i, (pos, a, b) in segments)
                cand = evaluated.get(key)
                if cand is None:
                    cand = evaluated[key] = self._evaluate(g, list(range(len(g.src))), origin, destination, objective,
                                                           query, geometry=n == 1)
                fits_mode = mode == "multimodal" or cand.route.main_mode == mode
                if not fits_mode and mode in ("rail", "sea", "inland_water") and retries < 2:
                    # a short trip where two drayage trucks beat any main haul: make the trucks dearer, retry
                    acc = [a.scaled(ROAD_RETRY_FACTOR) for a in acc]
                    retries += 1
                    continue
                done += 1
                if fits_mode and (c.max_transfers is None or cand.route.transfers <= c.max_transfers):
                    prev = found.get(cand.signature)
                    if prev is None or cand.objective_value < prev.objective_value:
                        found[cand.signature] = cand
                # discourage what this route used: its corridor edges (not access, not handling), both ways
                used = used[np.isin(self.net.kind[edge_of[used]], (LINK, SEA))]
                if len(used) == 0:
                    break
                penalty[used] *= PENALTY
                rev = base.reverse[used]
                penalty[rev[rev >= 0]] *= PENALTY
        return self._prune(list(found.values()), n)

    def _path_graph(self, edge_of: np.ndarray, acc: list[AccessLinks], segments: list, query: _Query
                    ) -> tuple[Graph, np.ndarray]:
        """The edges of a found path as a small Graph (stop i is vertex n_vertices + i), for evaluation."""
        net, st = self.net, self.state
        nv = net.n_vertices
        names = ("src", "dst", "hours", "usd", "co2", "km", "mode", "kind", "eid", "move", "rest", "border", "wait")
        cols: dict[str, list] = {k: [] for k in names}
        used_all = []
        k = 0
        for i, (positions, a, b) in segments:
            o, d = acc[i], acc[i + 1]
            e = edge_of[np.array(positions, dtype=np.int64)] if positions else np.array([], dtype=np.int64)
            used_all.append(np.array(positions, dtype=np.int64))
            cols["src"].append(np.concatenate([[nv + i], net.src[e], [d.verts[b]]]))
            cols["dst"].append(np.concatenate([[o.verts[a]], net.dst[e], [nv + i + 1]]))
            o_move, d_move = o.hours[a] - o.border[a], d.hours[b] - d.border[b]
            o_rest = o_move - o.km[a] / self.access.speed
            d_rest = d_move - d.km[b] / self.access.speed
            for name, arr_o, arr_n, arr_d in (
                    ("hours", o.hours[a], st.hours[e], d.hours[b]), ("usd", o.usd[a], st.usd[e], d.usd[b]),
                    ("co2", o.co2[a], st.co2_kg[e], d.co2[b]), ("km", o.km[a], st.km[e], d.km[b]),
                    ("move", o_move, st.move_hours[e], d_move), ("rest", o_rest, np.zeros(len(e)), d_rest),
                    ("border", o.border[a], st.border_hours[e], d.border[b]),
                    ("wait", 0.0, st.wait_hours[e], 0.0)):
                cols[name].append(np.concatenate([[arr_o], arr_n, [arr_d]]))
            cols["mode"].append(np.concatenate([[ROAD], net.mode[e], [ROAD]]))
            cols["kind"].append(np.concatenate([[ACCESS], net.kind[e], [ACCESS]]))
            cols["eid"].append(np.concatenate([[-(k + 1)], e, [-(k + 2)]]))
            k += 2
        vc = np.concatenate([self.access.vertex_country,
                             np.array([self.access.country_index.get(p.country, -1) for p in query.stops], dtype=np.int32)])
        cat = {name: np.concatenate(cols[name]) for name in names}
        g = Graph(n=nv + len(query.stops), src=cat["src"].astype(np.int64), dst=cat["dst"].astype(np.int64),
                  hours=cat["hours"], usd=cat["usd"], co2_kg=cat["co2"], km=cat["km"],
                  mode=cat["mode"].astype(np.int8), kind=cat["kind"].astype(np.int8), edge_id=cat["eid"].astype(np.int64),
                  vertex_country=vc, move_hours=cat["move"], rest_hours=cat["rest"], border_hours=cat["border"],
                  wait_hours=cat["wait"])
        return g, np.concatenate(used_all) if used_all else np.array([], dtype=np.int64)

    def _prune(self, cands: list[_Candidate], n: int) -> list[_Candidate]:
        """Drop candidates that differ from a better one only by a small detour."""
        cands.sort(key=lambda k: k.objective_value)
        kept: list[_Candidate] = []
        for cand in cands:
            similar = False
            for k in kept:
                overlap = len(set(k.edges) & set(cand.edges)) / max(1, min(len(k.edges), len(cand.edges)))
                if _corridor_key(k.route) == _corridor_key(cand.route) or (
                        k.route.main_mode == cand.route.main_mode and overlap > 0.8):
                    similar = True
                    break
            if not similar:
                kept.append(cand)
        return kept

    # ------------------------------------------------------------------------------------------
    def _evaluate(self, g: Graph, path: list[int], origin: Place, destination: Place, objective: str,
                  query: _Query, geometry: bool = False) -> _Candidate:
        net = self.net
        edges = np.array(path, dtype=np.int64)
        eid = g.edge_id[edges]
        legs: list[Leg] = []
        cur: Leg | None = None
        countries: list[str] = [origin.country]
        passages: list[str] = []
        borders, gauges, corridors = [], [], []
        transfers = 0
        mode_km: dict[str, float] = {}
        border_events: list[tuple[str, float]] = []   # (kind, dwell hours) in path order: where customs can clear
        fallback_ports: list[str] = []
        road_drive: dict[int, float] = {}               # id(leg) -> driving hours of a road leg

        def vcountry(v: int) -> str:
            return net.countries[g.vertex_country[v]] if g.vertex_country[v] >= 0 else ""

        def vname(v: int) -> str:
            if v >= net.n_vertices:
                return query.stops[v - net.n_vertices].name
            return str(self.vertex_names[v])

        for e, ne in zip(edges, eid):
            s, d = int(g.src[e]), int(g.dst[e])
            mode = MODES[int(g.mode[e])]
            kind = int(g.kind[e])
            hours, usd, co2, km = float(g.hours[e]), float(g.usd[e]), float(g.co2_kg[e]), float(g.km[e])
            move, border, wait = float(g.move_hours[e]), float(g.border_hours[e]), float(g.wait_hours[e])
            parts = {"moving": move, "handling": max(hours - move - border - wait, 0.0), "border": border,
                     "customs": 0.0, "waiting": wait}
            coords = [[float(x), float(y)] for x, y in self._edge_coords(g, e, ne, query)] if geometry else []
            if kind in (TRANSFER, PORT, FERRY_BOARD, GAUGE, TRANSSHIP):
                if kind != GAUGE:
                    transfers += 1
                if kind == PORT:
                    border_events.append(("port", parts["handling"]))
                label = {TRANSFER: "rail terminal handling", PORT: "port handling and dwell",
                         FERRY_BOARD: "ferry terminal and wait", GAUGE: "gauge change",
                         TRANSSHIP: "transshipment (change of ship)"}[kind]
                if kind == PORT:
                    pid = self.place_ids[net.vertex_place[s if net.vertex_place[s] >= 0 else d]]
                    basis = net.port_dwell_basis.get(pid, "register")
                    if basis != "register":
                        label += f" (regional fallback dwell: {basis.replace('_', ' ')})"
                        fallback_ports.append(vname(s))
                if kind == TRANSFER and "barge" in (net.layers[net.vertex_layer[s]], net.layers[net.vertex_layer[d]]):
                    label = "barge terminal handling" + (" and wait" if wait > 0 else "")
                if kind == GAUGE:
                    la, lb = net.layers[net.vertex_layer[s]], net.layers[net.vertex_layer[d]]
                    label = f"gauge change {la[4:]}->{lb[4:]} mm"
                    gauges.append({"place": vname(s), "from_mm": int(la[4:]), "to_mm": int(lb[4:]),
                                   "hours": round(hours, 1), "cost_usd": round(usd, 1)})
                legs.append(Leg("handling", vname(s), vname(d), 0.0, hours, usd, co2, label, hours_by_part=parts))
                cur = None
                continue
            if (ne >= 0 and kind == LINK and net.border[ne]) or (kind == ACCESS and border > 0):
                border_events.append(("border", border))  # as customs_event_dwell (skims) counts them
            if ne >= 0:
                if net.border[ne]:
                    cf, ct = net.countries[net.country_from[ne]], net.countries[net.country_to[ne]]
                    borders.append({"from_country": cf, "to_country": ct, "at": f"{vname(s)} - {vname(d)}",
                                    "mode": mode, "dwell_hours": round(border, 1),
                                    "fee_usd": round(float(net.fee_usd[ne]), 1)})
                for i, name in enumerate(PASSAGES):
                    if (int(net.passage_bits[ne]) >> i) & 1 and name not in passages:
                        passages.append(name)
                if net.link[ne] >= 0:
                    for corr in str(self.link_corridor[net.link[ne]]).split(";"):
                        if corr and corr not in corridors:
                            corridors.append(corr)
            for v in (s, d):
                if v < len(g.vertex_country) and g.vertex_country[v] >= 0:
                    cc = net.countries[g.vertex_country[v]]
                    if countries[-1] != cc:
                        countries.append(cc)
            leg_mode = "sea" if kind in (SEA, PORT_SEA) else mode
            if kind == ACCESS:
                leg_mode = "road"
            mode_km[leg_mode] = mode_km.get(leg_mode, 0.0) + (0.0 if kind == ACCESS else km)
            drive = move - float(g.rest_hours[e]) if leg_mode == "road" else 0.0
            if cur is not None and cur.mode == leg_mode:
                cur.to_place = vname(d) if vname(d) != "sea" else cur.to_place
                cur.to_country = vcountry(d) or cur.to_country
                cur.distance_km += km
                cur.transit_hours += hours
                cur.cost_usd += usd
                cur.co2_kg += co2
                for k, v in parts.items():
                    cur.hours_by_part[k] += v
                cur.coordinates += coords[1:] if cur.coordinates and coords and cur.coordinates[-1] == coords[0] else coords
            else:
                detail = ""
                if kind == SEA and ne >= 0 and net.service[ne]:
                    detail = f"liner service {net.service[ne]}: {self._port_role(s)} -> {self._port_role(d)}"
                cur = Leg(leg_mode, vname(s), vname(d), km, hours, usd, co2, detail=detail, coordinates=coords,
                          to_country=vcountry(d), hours_by_part=parts)
                legs.append(cur)
            if leg_mode == "road":
                road_drive[id(cur)] = road_drive.get(id(cur), 0.0) + drive
        # A truck rests only after a full driving day: each road leg's rest follows the daily limit (road edges
        # carry driving hours only; the search compares driving time).
        for leg in legs:
            if id(leg) in road_drive:
                drive = road_drive[id(leg)]
                exact = float(self.access.drive_elapsed_hours(drive)) - drive
                old_rest = leg.hours_by_part["moving"] - drive
                leg.transit_hours += exact - old_rest
                leg.hours_by_part["moving"] = drive + exact
        if countries[-1] != destination.country and destination.country:
            countries.append(destination.country)
        # Customs clear once: export at the origin, import at the destination (Doing Business border
        # compliance), while the container already waits at the first border or port of the trip (or the last):
        # only the part of the clearance time beyond that dwell adds time (docs/model.md, "customs").
        ch, cu = end_customs_parts(net, origin.country, destination.country)
        exp_h, imp_h = ch
        if exp_h or imp_h or cu:
            dwell = [h for _, h in border_events]
            extra = float(customs_beyond_dwell(np.array([exp_h]), np.array([imp_h]), np.array([len(dwell)]),
                                               np.array([dwell[0] if dwell else 0.0]),
                                               np.array([dwell[-1] if dwell else 0.0]))[0])
            legs.append(Leg("handling", origin.name, destination.name, 0.0, extra, cu, 0.0,
                            "export and import customs (Doing Business border compliance, beyond the border or port "
                            "dwell it overlaps)", hours_by_part={"moving": 0.0, "handling": 0.0, "border": 0.0,
                                                                 "customs": extra, "waiting": 0.0}))
        total_h = float(sum(leg.transit_hours for leg in legs))
        total_usd = float(sum(leg.cost_usd for leg in legs))
        total_co2 = float(sum(leg.co2_kg for leg in legs))
        total_km = float(sum(leg.distance_km for leg in legs))
        moving = {m: k for m, k in mode_km.items() if m != "handling"}
        main_mode = max(moving, key=moving.get) if moving else "road"

        via = [p for p in countries[1:-1]]
        others = sorted((m for m in moving if m != main_mode and moving[m] > 50), key=lambda m: -moving[m])
        summary = "+".join([main_mode] + others) + (f" via {'-'.join(via)}" if via else "") + (
            f" ({', '.join(passages)})" if passages else "")
        legs = [leg for leg in legs if leg.distance_km > 0.05 or leg.transit_hours > 0.01 or leg.cost_usd > 0.01]
        modes = list(dict.fromkeys(leg.mode for leg in legs if leg.mode != "handling"))  # of the legs shown
        breakdown = {k: float(sum(leg.hours_by_part[k] for leg in legs)) for k in TIME_PARTS}
        # terminal to terminal: without the first- and last-mile trucks of an intermodal trip, and customs
        t2t = total_h - breakdown["customs"]
        movement = [leg for leg in legs if leg.mode != "handling"]
        if main_mode != "road" and movement:
            for leg in {id(movement[0]): movement[0], id(movement[-1]): movement[-1]}.values():
                if leg.mode == "road":
                    t2t -= leg.transit_hours
        route = Route(rank=0, summary=summary, modes=modes, main_mode=main_mode, distance_km=total_km,
                      transit_days=total_h / 24.0, cost_usd=total_usd, co2_kg=total_co2, countries=countries,
                      passages=passages, border_crossings=borders, gauge_changes=gauges, transfers=transfers,
                      corridors=corridors, legs=legs, time_breakdown_hours=breakdown,
                      terminal_to_terminal_days=t2t / 24.0)
        value = {"time": total_h, "cost": total_usd, "co2": total_co2,
                 "generalized": total_usd + total_h / 24.0 * self.state.value_of_time_usd_per_day
                 + total_co2 / 1000.0 * self.state.carbon_price_usd_per_t}[objective]
        route.objective_value = value
        signature = (main_mode, tuple(countries), tuple(passages))
        return _Candidate(edges=[int(x) for x in eid if x >= 0], route=route, signature=signature, objective_value=value,
                          graph=g, geometry=geometry, query=query)

    def _port_role(self, v: int) -> str:
        """'hub Singapore', 'gateway Rotterdam', ... for a port vertex (from the register)."""
        pid = self.place_ids[self.net.vertex_place[v]] if self.net.vertex_place[v] >= 0 else ""
        return f"{self.port_roles.get(pid, 'port')} {self.place_names[self.net.vertex_place[v]]}" if pid else "sea"

    def _edge_coords(self, g: Graph, e: int, ne: int, query: _Query) -> list[tuple[float, float]]:
        net = self.net
        s, d = int(g.src[e]), int(g.dst[e])

        def pos(v: int) -> tuple[float, float]:
            if v < net.n_vertices:
                return float(net.vertex_lon[v]), float(net.vertex_lat[v])
            return query.endpoint_pos[v - net.n_vertices]

        if ne >= 0 and net.edge_geom[ne] >= 0:
            gi = int(net.edge_geom[ne])
            a, b = net.geom_offsets[gi], net.geom_offsets[gi + 1]
            pts = list(zip(net.geom_lon[a:b].tolist(), net.geom_lat[a:b].tolist()))
            if pts and (abs(pts[0][0] - pos(s)[0]) > 1e-6 or abs(pts[0][1] - pos(s)[1]) > 1e-6):
                pts.reverse()
            return pts
        if ne >= 0 and net.link[ne] >= 0 and net.mode[ne] in (RAIL, ROAD):
            # the link's line on OpenStreetMap (data/geometry.py), from its `from` to its `to` node, with the
            # network's own end points so that consecutive legs join
            from beltroad.data.geometry import link_geometry

            line = link_geometry(str(net.links["id"].iat[int(net.link[ne])]))
            if len(line) >= 2:
                a, b = pos(s), pos(d)
                if (line[0][0] - b[0]) ** 2 + (line[0][1] - b[1]) ** 2 < (line[0][0] - a[0]) ** 2 + (line[0][1] - a[1]) ** 2:
                    line = line[::-1]
                return [a, *line[1:-1], b]
        return [pos(s), pos(d)]

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
