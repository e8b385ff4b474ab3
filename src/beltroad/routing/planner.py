"""The route planner: ranked, meaningfully different multimodal alternatives under constraints."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from beltroad.network.build import (ACCESS, FERRY, GAUGE, HANDLING, KIND_NAMES, LINK, MODES, PORT, PORT_SEA, RAIL,
                                    ROAD, SEA, SEA_MODE, TRANSFER, FERRY_BOARD, Network)
from beltroad.network.sea import PASSAGES, canonical_passages
from beltroad.places import Place, PlaceError
from beltroad.routing.engine import Access, BaseGraph, EdgeState, Graph, end_customs
from beltroad.routing.result import Leg, PlanResult, Route

OBJECTIVES = ("time", "cost", "co2", "generalized")
MAIN_MODES = ("multimodal", "rail", "sea", "road")
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

    def describe(self) -> list[str]:
        out = []
        if self.mode != "multimodal":
            out.append(f"--mode {self.mode}")
        out += [f"--avoid-country {c}" for c in self.avoid_countries]
        out += [f"--avoid-passage {p}" for p in self.avoid_passages]
        out += [f"--via {p.name}" for p in self.via]
        if self.max_transfers is not None:
            out.append(f"--max-transfers {self.max_transfers}")
        return out


def normalize_constraints(mode: str = "multimodal", avoid_countries: Iterable[str] = (),
                          avoid_passages: Iterable[str] = (), via: Iterable[Place] = (),
                          max_transfers: int | None = None) -> Constraints:
    mode = (mode or "multimodal").lower()
    if mode not in MAIN_MODES:
        raise ValueError(f"mode '{mode}' is not one of {', '.join(MAIN_MODES)}")
    from beltroad.network.build import _ISO2TO3, _ISO3TO2

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
    return Constraints(mode=mode, avoid_countries=tuple(dict.fromkeys(countries)),
                       avoid_passages=tuple(dict.fromkeys(passages)), via=tuple(via), max_transfers=max_transfers)


CARRIAGE_RADIUS_KM = 2000.0  # sea main haul: road pre-carriage to the coast may be long (inland China to a port)
RAIL_CARRIAGE_RADIUS_KM = 500.0  # rail main haul: trucks only for drayage to and from the terminals
DIRECT_RADIUS_KM = 500.0     # a second sea variant: port to port with local drayage only (all-water service)


def near_ends(net: Network, ends: list[tuple[float, float]], radius_km: float) -> np.ndarray:
    """Vertices within `radius_km` of any of the trip's ends (where pre- and on-carriage trucking may run)."""
    from beltroad.geo import haversine_km

    near = np.zeros(net.n_vertices, dtype=bool)
    for lat, lon in ends:
        near |= haversine_km(lat, lon, net.vertex_lat, net.vertex_lon) <= radius_km
    return near


def constraint_mask(net: Network, c: Constraints, ends: list[tuple[float, float]] = (),
                    radius_km: float = CARRIAGE_RADIUS_KM, near: np.ndarray | None = None) -> np.ndarray:
    """Edges allowed by the constraints (before scenario activity).

    With a rail or sea main haul, trucking is allowed only as pre- and on-carriage: road links whose both
    ends lie within CARRIAGE_RADIUS_KM of the origin or the destination.
    """
    mask = np.ones(net.n_edges, dtype=bool)
    if c.mode in ("rail", "sea") and (len(ends) or near is not None):
        near = near_ends(net, ends, radius_km) if near is None else near
        long_road = (net.mode == ROAD) & (net.kind == LINK) & ~(near[net.src] & near[net.dst])
        mask &= ~long_road
    if c.mode == "rail":
        mask &= ~((net.mode == SEA_MODE) | (net.kind == PORT))
    elif c.mode == "sea":
        mask &= ~((net.mode == RAIL) | (net.mode == FERRY) | (net.kind == FERRY_BOARD) | (net.kind == TRANSFER))
    elif c.mode == "road":
        mask &= ~((net.mode == RAIL) | (net.mode == SEA_MODE) | (net.kind == PORT) | (net.kind == TRANSFER))
    if c.avoid_countries:
        bad = np.array([net.countries.index(x) for x in c.avoid_countries if x in net.countries], dtype=np.int16)
        mask &= ~(np.isin(net.country_from, bad) | np.isin(net.country_to, bad))
    for p in c.avoid_passages:
        mask &= net.passage != PASSAGES.index(p)
    return mask


@dataclass
class _Candidate:
    edges: list[int]
    route: Route
    signature: tuple
    objective_value: float = 0.0
    gen: int = 0
    graph: Graph | None = None          # the path's edges, kept to draw the route once it is selected
    geometry: bool = False              # legs already carry their coordinates


MAJOR_LEG_KM = 300.0  # legs shorter than this (drayage, port access) do not make two routes different


def _corridor_key(route: Route) -> tuple:
    """What makes two routes different to a planner: the sequence of major legs (mode, where each ends)."""
    key = []
    for leg in route.legs:
        if leg.mode != "handling" and leg.distance_km >= MAJOR_LEG_KM:
            item = (leg.mode, leg.to_country)
            if not key or key[-1] != item:
                key.append(item)
    return tuple(key)


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
                cand.graph, list(range(len(cand.graph.src))), origin, destination, objective,
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

    def _candidates(self, origin: Place, destination: Place, c: Constraints, objective: str, n: int) -> list[_Candidate]:
        stops = [origin, *c.via, destination]
        variants = {"multimodal": [("multimodal", CARRIAGE_RADIUS_KM), ("rail", RAIL_CARRIAGE_RADIUS_KM),
                                   ("sea", CARRIAGE_RADIUS_KM), ("sea", DIRECT_RADIUS_KM), ("road", CARRIAGE_RADIUS_KM)],
                    "sea": [("sea", CARRIAGE_RADIUS_KM), ("sea", DIRECT_RADIUS_KM)]}.get(
            c.mode, [(c.mode, RAIL_CARRIAGE_RADIUS_KM if c.mode == "rail" else CARRIAGE_RADIUS_KM)])
        found: dict[tuple, _Candidate] = {}
        self._stops = stops
        self._endpoint_pos = [(p.lon, p.lat) for p in stops]
        base = self._base(objective)
        # access links of every stop: (vertices, km, hours, USD, kg, objective weight)
        acc = []
        for p in stops:
            verts, km, hrs, usd, co2 = self.access.edges(p.lat, p.lon, p.node_id, p.country)
            acc.append((verts, km, hrs, usd, co2, base.weights(hrs, usd, co2)))
        avoided = {self.access.country_index[x] for x in c.avoid_countries if x in self.access.country_index}
        if avoided:  # an access link may not end in an avoided country
            acc = [tuple(arr[~np.isin(self.access.vertex_country[a[0]], list(avoided))] for arr in a) for a in acc]
        ends = [(origin.lat, origin.lon), (destination.lat, destination.lon)]
        long_drayage = True
        near_by_radius: dict[float, np.ndarray] = {}
        for vi, (mode, radius) in enumerate(variants):
            if n == 1 and found:
                break  # one answer: a wider search already found the best one
            if mode == "sea" and radius == DIRECT_RADIUS_KM and not long_drayage:
                continue  # the sea route found already is port to port: the all-water search adds nothing
            cm = Constraints(mode=mode, avoid_countries=c.avoid_countries, avoid_passages=c.avoid_passages)
            if mode in ("rail", "sea") and radius not in near_by_radius:
                near_by_radius[radius] = near_ends(self.net, ends, radius)
            allowed = constraint_mask(self.net, cm, ends, radius, near=near_by_radius.get(radius))[base.edge]
            penalty = np.ones(len(base.data))
            rounds = n + 1 if vi == 0 and n > 1 else 1  # penalty rounds on the first search find other corridors
            done, retries = 0, 0
            while done < rounds:
                data = np.where(allowed, base.data * penalty, np.inf)
                segments = []
                for i in range(len(stops) - 1):
                    o, d = acc[i], acc[i + 1]
                    seg = base.path(data, o[0], o[5], d[0], d[5])
                    if seg is None:
                        segments = None
                        break
                    segments.append((i, seg))
                if segments is None:
                    break
                g, used = self._path_graph(base, acc, segments)
                cand = self._evaluate(g, list(range(len(g.src))), origin, destination, objective, geometry=n == 1)
                if mode == "sea" and radius == CARRIAGE_RADIUS_KM:
                    long_drayage = any(leg.mode == "road" and leg.distance_km > DIRECT_RADIUS_KM
                                       for leg in cand.route.legs)
                fits_mode = mode == "multimodal" or cand.route.main_mode == mode
                if not fits_mode and mode in ("rail", "sea") and retries < 2:
                    # a short trip where trucking inside the drayage radius wins: make trucks dearer, retry
                    road_links = (self.net.mode[base.edge] == ROAD) & (self.net.kind[base.edge] == LINK)
                    penalty[road_links] *= ROAD_RETRY_FACTOR
                    retries += 1
                    continue
                done += 1
                if fits_mode and (c.max_transfers is None or cand.route.transfers <= c.max_transfers):
                    prev = found.get(cand.signature)
                    if prev is None or cand.objective_value < prev.objective_value:
                        found[cand.signature] = cand
                # discourage what this route used: its corridor edges (not access, not handling), both ways
                used = used[np.isin(self.net.kind[base.edge[used]], (LINK, SEA))]
                if len(used) == 0:
                    break
                penalty[used] *= PENALTY
                rev = base.reverse[used]
                penalty[rev[rev >= 0]] *= PENALTY
        return self._prune(list(found.values()), n)

    def _path_graph(self, base: BaseGraph, acc: list, segments: list) -> tuple[Graph, np.ndarray]:
        """The edges of a found path as a small Graph (stop i is vertex n_vertices + i), for evaluation."""
        net, st = self.net, self.state
        nv = net.n_vertices
        cols: dict[str, list] = {k: [] for k in ("src", "dst", "hours", "usd", "co2", "km", "mode", "kind", "eid")}
        used_all = []
        k = 0
        for i, (positions, a, b) in segments:
            o, d = acc[i], acc[i + 1]
            e = base.edge[np.array(positions, dtype=np.int64)] if positions else np.array([], dtype=np.int64)
            used_all.append(np.array(positions, dtype=np.int64))
            src = np.concatenate([[nv + i], net.src[e], [d[0][b]]])
            dst = np.concatenate([[o[0][a]], net.dst[e], [nv + i + 1]])
            cols["src"].append(src); cols["dst"].append(dst)
            for name, arr_o, arr_n, arr_d in (("hours", o[2][a], st.hours[e], d[2][b]), ("usd", o[3][a], st.usd[e], d[3][b]),
                                              ("co2", o[4][a], st.co2_kg[e], d[4][b]), ("km", o[1][a], st.km[e], d[1][b])):
                cols[name].append(np.concatenate([[arr_o], arr_n, [arr_d]]))
            cols["mode"].append(np.concatenate([[ROAD], net.mode[e], [ROAD]]))
            cols["kind"].append(np.concatenate([[ACCESS], net.kind[e], [ACCESS]]))
            cols["eid"].append(np.concatenate([[-(k + 1)], e, [-(k + 2)]]))
            k += 2
        vc = np.concatenate([self.access.vertex_country,
                             np.array([self.access.country_index.get(p.country, -1) for p in self._stops], dtype=np.int32)])
        g = Graph(n=nv + len(self._stops), src=np.concatenate(cols["src"]).astype(np.int64),
                  dst=np.concatenate(cols["dst"]).astype(np.int64), hours=np.concatenate(cols["hours"]),
                  usd=np.concatenate(cols["usd"]), co2_kg=np.concatenate(cols["co2"]), km=np.concatenate(cols["km"]),
                  mode=np.concatenate(cols["mode"]).astype(np.int8), kind=np.concatenate(cols["kind"]).astype(np.int8),
                  edge_id=np.concatenate(cols["eid"]).astype(np.int64), vertex_country=vc)
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
                  geometry: bool = False) -> _Candidate:
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

        def vcountry(v: int) -> str:
            return net.countries[g.vertex_country[v]] if g.vertex_country[v] >= 0 else ""

        def vname(v: int) -> str:
            if v >= net.n_vertices:
                return self._stops[v - net.n_vertices].name
            return str(self.vertex_names[v])

        for e, ne in zip(edges, eid):
            s, d = int(g.src[e]), int(g.dst[e])
            mode = MODES[int(g.mode[e])]
            kind = int(g.kind[e])
            hours, usd, co2, km = float(g.hours[e]), float(g.usd[e]), float(g.co2_kg[e]), float(g.km[e])
            coords = [[float(x), float(y)] for x, y in self._edge_coords(g, e, ne)] if geometry else []
            if kind in (TRANSFER, PORT, FERRY_BOARD, GAUGE):
                if kind != GAUGE:
                    transfers += 1
                label = {TRANSFER: "rail terminal handling", PORT: "port handling and dwell",
                         FERRY_BOARD: "ferry terminal and wait", GAUGE: "gauge change"}[kind]
                if kind == GAUGE:
                    la, lb = net.layers[net.vertex_layer[s]], net.layers[net.vertex_layer[d]]
                    label = f"gauge change {la[4:]}->{lb[4:]} mm"
                    gauges.append({"place": vname(s), "from_mm": int(la[4:]), "to_mm": int(lb[4:]),
                                   "hours": round(hours, 1), "cost_usd": round(usd, 1)})
                legs.append(Leg("handling", vname(s), vname(d), 0.0, hours, usd, co2, label))
                cur = None
                continue
            if ne >= 0:
                if net.border[ne]:
                    cf, ct = net.countries[net.country_from[ne]], net.countries[net.country_to[ne]]
                    borders.append({"from_country": cf, "to_country": ct, "at": f"{vname(s)} - {vname(d)}",
                                    "mode": mode, "dwell_hours": round(float(net.dwell_hours[ne]), 1),
                                    "fee_usd": round(float(net.fee_usd[ne]), 1)})
                if net.passage[ne] >= 0:
                    name = PASSAGES[int(net.passage[ne])]
                    if name not in passages:
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
            if cur is not None and cur.mode == leg_mode:
                cur.to_place = vname(d) if vname(d) != "sea" else cur.to_place
                cur.to_country = vcountry(d) or cur.to_country
                cur.distance_km += km
                cur.transit_hours += hours
                cur.cost_usd += usd
                cur.co2_kg += co2
                cur.coordinates += coords[1:] if cur.coordinates and coords and cur.coordinates[-1] == coords[0] else coords
            else:
                cur = Leg(leg_mode, vname(s), vname(d), km, hours, usd, co2, coordinates=coords, to_country=vcountry(d))
                legs.append(cur)
        if countries[-1] != destination.country and destination.country:
            countries.append(destination.country)
        # customs at both ends of an international shipment (Doing Business border compliance)
        ch, cu = end_customs(net, np.array([origin.country]), np.array([destination.country]))
        if ch[0] or cu[0]:
            legs.append(Leg("handling", origin.name, destination.name, 0.0, float(ch[0]), float(cu[0]), 0.0,
                            "export and import customs (Doing Business border compliance)"))
        total_h = float(sum(leg.transit_hours for leg in legs))
        total_usd = float(sum(leg.cost_usd for leg in legs))
        total_co2 = float(sum(leg.co2_kg for leg in legs))
        total_km = float(sum(leg.distance_km for leg in legs))
        moving = {m: k for m, k in mode_km.items() if m != "handling"}
        main_mode = max(moving, key=moving.get) if moving else "road"
        modes = list(dict.fromkeys(leg.mode for leg in legs if leg.mode != "handling"))
        via = [p for p in countries[1:-1]]
        others = sorted((m for m in moving if m != main_mode and moving[m] > 50), key=lambda m: -moving[m])
        summary = "+".join([main_mode] + others) + (f" via {'-'.join(via)}" if via else "") + (
            f" ({', '.join(passages)})" if passages else "")
        legs = [leg for leg in legs if leg.distance_km > 0.05 or leg.transit_hours > 0.01 or leg.cost_usd > 0.01]
        route = Route(rank=0, summary=summary, modes=modes, main_mode=main_mode, distance_km=total_km,
                      transit_days=total_h / 24.0, cost_usd=total_usd, co2_kg=total_co2, countries=countries,
                      passages=passages, border_crossings=borders, gauge_changes=gauges, transfers=transfers,
                      corridors=corridors, legs=legs)
        value = {"time": total_h, "cost": total_usd, "co2": total_co2,
                 "generalized": total_usd + total_h / 24.0 * self.state.value_of_time_usd_per_day
                 + total_co2 / 1000.0 * self.state.carbon_price_usd_per_t}[objective]
        route.objective_value = value
        signature = (main_mode, tuple(countries), tuple(passages))
        return _Candidate(edges=[int(x) for x in eid if x >= 0], route=route, signature=signature, objective_value=value,
                          graph=g, geometry=geometry)

    def _edge_coords(self, g: Graph, e: int, ne: int) -> list[tuple[float, float]]:
        net = self.net
        s, d = int(g.src[e]), int(g.dst[e])

        def pos(v: int) -> tuple[float, float]:
            if v < net.n_vertices:
                return float(net.vertex_lon[v]), float(net.vertex_lat[v])
            return self._endpoint_pos[v - net.n_vertices]

        if ne >= 0 and net.edge_geom[ne] >= 0:
            gi = int(net.edge_geom[ne])
            a, b = net.geom_offsets[gi], net.geom_offsets[gi + 1]
            pts = list(zip(net.geom_lon[a:b].tolist(), net.geom_lat[a:b].tolist()))
            if pts and (abs(pts[0][0] - pos(s)[0]) > 1e-6 or abs(pts[0][1] - pos(s)[1]) > 1e-6):
                pts.reverse()
            return pts
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
