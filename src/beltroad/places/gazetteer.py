"""Resolve what a user types into a place: city names in any common spelling, `Name, CC`,
UN/LOCODEs, network node ids and `lat,lon`. Unknown or ambiguous input raises `PlaceError`
carrying suggestions or candidates, never a bare KeyError.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from beltroad.data.countries import ISO2TO3, ISO3TO2
from beltroad.data.geonames import geonames_cities
from beltroad.network.build import Network

_LATLON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,;\s]\s*(-?\d+(?:\.\d+)?)\s*$")
_NUMBER_PAIR = re.compile(r"^\s*([-+]?[\w.]+)\s*[,;\s]\s*([-+]?[\w.]+)\s*$")  # 'nan,nan', '1e1,2': numbers, not names
_TRANSLIT = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "ss", "æ": "ae",
                           "Æ": "ae", "œ": "oe", "ı": "i", "ə": "a", "Ə": "a", "'": "", "’": "", "ʻ": "", "`": ""})
DOMINANCE = 5.0  # a candidate this many times more populous than the next one wins an ambiguous name


def normalize(name: str) -> str:
    s = name.translate(_TRANSLIT)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


@dataclass
class Place:
    name: str
    country: str                 # ISO3
    lat: float
    lon: float
    kind: str                    # node | port | city | coordinates
    node_id: str | None = None   # network place id when the place is a node of the network
    population: int = 0
    locode: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.country})" if self.country else self.name


@dataclass
class PlaceError(ValueError):
    query: str
    message: str
    suggestions: list[str] = field(default_factory=list)
    candidates: list[Place] = field(default_factory=list)

    def __str__(self) -> str:
        extra = ""
        if self.candidates:
            extra = " Candidates: " + "; ".join(f"{c.name}, {ISO3TO2.get(c.country, c.country)}" for c in self.candidates)
        elif self.suggestions:
            extra = " Did you mean: " + ", ".join(self.suggestions) + "?"
        return self.message + extra


def _number_pair(q: str) -> tuple[float, float] | None:
    m = _NUMBER_PAIR.match(q)
    if not m:
        return None
    try:
        return float(m.group(1)), float(m.group(2))
    except ValueError:
        return None


class Gazetteer:
    """Name index over network places and GeoNames cities (>= 15,000 people).

    Stored compactly (cities as columns, the name index as ints) because the CLI loads it on every start.
    """

    def __init__(self, net: Network):
        self.net = net
        places = net.places
        self.nodes: list[Place] = []
        self.by_locode: dict[str, Place] = {}
        self.by_id: dict[str, Place] = {}
        index: dict[str, list[int]] = {}

        def add(name: str, i: int) -> None:
            key = normalize(name)
            if key:
                bucket = index.setdefault(key, [])
                if i not in bucket:
                    bucket.append(i)

        for r in places.itertuples(index=False):
            if r.origin == "geonames":  # road-network towns where the dataset is thin: already GeoNames cities
                continue
            kind = "port" if r.origin in ("searoute", "register") else "node"
            p = Place(name=r.name, country=r.country, lat=float(r.lat), lon=float(r.lon), kind=kind, node_id=r.id,
                      locode=r.locode or "")
            i = len(self.nodes)
            self.nodes.append(p)
            self.by_id[r.id] = p
            if r.locode:
                self.by_locode[r.locode.upper()] = p
            names = {r.name, r.id.replace("_", " ")} | set(re.split(r"\s*/\s*|\s*\(|\)", r.name))
            names |= {a for a in str(r.aliases or "").split(";") if a}
            for n in names:
                if n and n.strip():
                    add(n, i)
        cities = geonames_cities()
        base = len(self.nodes)
        self.city_name = [c["name"] for c in cities]
        self.city_country = [c["country"] for c in cities]
        self.city_lat = np.array([c["lat"] for c in cities])
        self.city_lon = np.array([c["lon"] for c in cities])
        self.city_pop = np.array([c["population"] for c in cities], dtype=np.int64)
        for j, c in enumerate(cities):
            for n in {c["name"], *c["alt"]}:
                if 2 < len(n) < 60:
                    add(n, base + j)
        from beltroad.data.sea import read_ports

        # searoute's port list is a gazetteer: every UN/LOCODE, and the names no node or city already has
        self.gazetteer_ports: list[Place] = []
        ports_base = base + len(cities)
        for pr in read_ports():  # every UN/LOCODE of searoute's port list, major or not
            code = pr["locode"].upper()
            if code not in self.by_locode and ISO2TO3.get(code[:2]):
                port = Place(name=pr["name"], country=ISO2TO3[code[:2]], lat=pr["lat"], lon=pr["lon"], kind="port",
                             locode=code)
                self.by_locode[code] = port
                key = normalize(port.name)
                if key and key not in index:
                    index[key] = [ports_base + len(self.gazetteer_ports)]
                    self.gazetteer_ports.append(port)
        self._index: dict[str, int | tuple[int, ...]] | None = {
            k: (v[0] if len(v) == 1 else tuple(v)) for k, v in index.items()}
        self._packed: tuple[str, np.ndarray, dict[int, tuple[int, ...]]] | None = None

    def _place(self, i: int) -> Place:
        if i < len(self.nodes):
            return self.nodes[i]
        j = i - len(self.nodes)
        if j >= len(self.city_name):
            return self.gazetteer_ports[j - len(self.city_name)]
        return Place(name=self.city_name[j], country=self.city_country[j], lat=float(self.city_lat[j]),
                     lon=float(self.city_lon[j]), kind="city", population=int(self.city_pop[j]))

    @property
    def index(self) -> dict[str, int | tuple[int, ...]]:
        """Normalised name -> position of its place (an int) or places (a tuple); built from the packed form
        (see `__setstate__`) on first use."""
        if self._index is None:
            keys, single, shared = self._packed
            index = dict(zip(self.keys, single.tolist()))
            for i, v in shared.items():
                index[self.keys[i]] = v
            self._index = index
        return self._index

    def _positions(self, key: str) -> int | tuple[int, ...] | None:
        """`index.get(key)`, without building the index when only the packed form is loaded.

        A one-shot CLI command looks up two or three names: finding a key in the packed text (a C-speed scan
        of ~3 MB) and counting the keys before it takes microseconds, building the 190,000-key dict ~70 ms.
        """
        if self._index is not None:
            return self._index.get(key)
        text, single, shared = self._packed  # text: "\n" + keys joined by "\n" + "\n"
        pos = text.find(f"\n{key}\n") if key else -1
        if pos < 0:
            return None
        i = text.count("\n", 0, pos)  # keys before this one
        return shared.get(i, int(single[i]))

    def lookup(self, key: str) -> list[Place]:
        """Places whose normalised name is `key`."""
        v = self._positions(key)
        if v is None:
            return []
        return [self._place(i) for i in ((v,) if isinstance(v, int) else v)]

    @property
    def keys(self) -> list[str]:
        """The normalised names, in index order."""
        if getattr(self, "_keys", None) is None:
            self._keys = list(self._index) if self._index is not None else self._packed[0][1:-1].split("\n")
        return self._keys

    @property
    def cities(self) -> list[dict]:
        return [{"name": n, "country": c, "lat": float(la), "lon": float(lo), "population": int(p)}
                for n, c, la, lo, p in zip(self.city_name, self.city_country, self.city_lat, self.city_lon, self.city_pop)]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["net"] = None
        for derived in ("_keys", "_sorted_keys", "_sorted_pos", "_by_head", "_index", "_packed"):
            state.pop(derived, None)
        # the name index (~190,000 keys) as one text and an int array, kept in that form after loading (see
        # `_positions`): a CLI start then never builds the dict
        state["index"] = self.index
        values = list(self.index.values())
        single = np.array([v if isinstance(v, int) else -1 for v in values], dtype=np.int64)
        shared = {i: v for i, v in enumerate(values) if not isinstance(v, int)}
        text = "\n".join(self.index)
        if text.count("\n") == len(values) - 1:  # normalized keys hold no newline; else the dict as it is
            state["index"] = (text, single, shared)
        return state

    def __setstate__(self, state: dict) -> None:
        packed = state.pop("index")
        self.__dict__.update(state)
        if isinstance(packed, dict):
            self._index, self._packed = packed, None
        else:
            keys, single, shared = packed
            self._index, self._packed = None, (f"\n{keys}\n", single, shared)
            if not keys:  # no names at all
                self._index = {}

    def resolve(self, query: str) -> Place:
        q = (query or "").strip()
        if not q:
            raise PlaceError(query, "Empty place: give a city name, a UN/LOCODE, a node id or 'lat,lon'.")
        m = _LATLON.match(q)
        pair = (float(m.group(1)), float(m.group(2))) if m else _number_pair(q)
        if pair is not None:
            lat, lon = pair
            if not (np.isfinite(lat) and np.isfinite(lon)):
                raise PlaceError(query, f"Coordinates '{q}' are not finite numbers: give 'lat,lon' in degrees, "
                                        "e.g. '-33.92,18.42'.")
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise PlaceError(query, f"Coordinates '{q}' are out of range (lat -90..90, lon -180..180).")
            self._check_on_land(query, q, lat, lon)
            return Place(name=f"{lat:.4f},{lon:.4f}", country=self._country_at(lat, lon), lat=lat, lon=lon,
                         kind="coordinates")
        if q in self.by_id:
            return self.by_id[q]
        if re.fullmatch(r"[A-Za-z]{2}[A-Za-z2-9]{3}", q) and q.upper() in self.by_locode and (q.isupper() or self._positions(normalize(q)) is None):
            return self.by_locode[q.upper()]
        country = None
        if "," in q:
            name, cc = (s.strip() for s in q.rsplit(",", 1))
            cc_u = cc.upper()
            code = ISO2TO3.get(cc_u) or (cc_u if cc_u in ISO3TO2 else None)
            if code is not None:
                country, q = code, name
            elif not self.lookup(normalize(q)):  # a name that itself contains a comma is kept whole
                raise PlaceError(query, f"'{cc}' is not a country code (use ISO2 like EG or ISO3 like EGY).",
                                 suggestions=self.suggest(name))
        key = normalize(q)
        cands = self.lookup(key)
        primary = [c for c in cands if _primary_match(c, key)]
        if primary:  # "Islamabad" is Pakistan's capital, not Chattogram's historical alias ...
            # ... but a city matched by another spelling still lends its size to a node it stands on
            nodes = [c for c in primary if c.kind in ("node", "port")]
            primary += [c for c in cands if c not in primary and c.kind == "city"
                        and any(n.country == c.country and _km(n, c) < 60 for n in nodes)]
            cands = primary
        if country:
            cands = [c for c in cands if c.country == country]
        if not cands:
            raise PlaceError(query, f"Unknown place '{query}'.", suggestions=self.suggest(q, country))
        return self._pick(query, cands)

    def _pick(self, query: str, cands: list[Place]) -> Place:
        """One place per distinct location; a unique or clearly dominant one wins, else candidates are listed."""
        nodes = [c for c in cands if c.kind in ("node", "port")]
        cities = sorted((c for c in cands if c.kind == "city"), key=lambda c: -c.population)
        for c in cities:  # a city found by another spelling (Alma-Ata) still starts at its own node (Almaty)
            nodes += [n for n in self.lookup(normalize(c.name)) if n.kind in ("node", "port") and n not in nodes]
        options: list[Place] = []
        served: set[int] = set()
        for c in cities:
            near = sorted((n for n in nodes if n.country == c.country and _km(n, c) < 60),
                          key=lambda n: (n.kind != "node", _km(n, c)))
            if near:
                # the city is served by a network node: keep the city's name and size, start at the node
                served.update(id(n) for n in near)
                options.append(replace(near[0], name=c.name, population=c.population))
            else:
                options.append(c)
        options += [n for n in nodes if id(n) not in served]
        best_by_country: dict[str, Place] = {}
        for c in sorted(options, key=lambda c: (-c.population, c.kind != "node", c.kind != "port")):
            best_by_country.setdefault(c.country, c)
        ranked = sorted(best_by_country.values(), key=lambda c: -c.population)
        if len(ranked) == 1:
            return ranked[0]
        top, second = ranked[0], ranked[1]
        if top.population >= DOMINANCE * max(second.population, 1):
            return top
        raise PlaceError(query, f"'{query}' is ambiguous: add a country code, e.g. '{top.name}, {ISO3TO2.get(top.country, top.country)}'.",
                         candidates=ranked[:8])

    def suggest(self, q: str, country: str | None = None, limit: int = 5) -> list[str]:
        """Closest known names (edit similarity), larger places first among equally close ones."""
        from rapidfuzz import fuzz, process

        hits = process.extract(normalize(q), self.keys, scorer=fuzz.ratio, limit=limit * 6)
        scored = []
        for key, score, _ in hits:
            places = [p for p in self.lookup(key) if not country or p.country == country]
            if places:
                best = max(places, key=lambda p: p.population)
                scored.append((round(score / 5), best.population, best))
        out: list[str] = []
        for _, _, p in sorted(scored, key=lambda t: (-t[0], -t[1])):
            label = f"{p.name}, {ISO3TO2.get(p.country, p.country)}"
            if label not in out:
                out.append(label)
            if len(out) >= limit:
                break
        return out

    def _prefixed(self, key: str) -> list[str]:
        """Keys starting with `key`, in index order (a binary search over the keys sorted once)."""
        if getattr(self, "_sorted_keys", None) is None:
            order = sorted(range(len(self.keys)), key=self.keys.__getitem__)
            self._sorted_keys, self._sorted_pos = [self.keys[i] for i in order], order
        lo = bisect.bisect_left(self._sorted_keys, key)
        hi = bisect.bisect_left(self._sorted_keys, key + "\uffff")
        return [self.keys[i] for i in sorted(self._sorted_pos[lo:hi])]

    def search(self, q: str, limit: int = 10) -> list[Place]:
        """Autocomplete: the places of `ranked` (prefix matches, else close spellings)."""
        return [p for p, _ in self.ranked(q, limit)]

    def ranked(self, q: str, limit: int = 10) -> list[tuple[Place, str]]:
        """Autocomplete with how each place matched ('prefix' or 'fuzzy', the latter a "did you mean").

        Prefix matches of any name or alias rank by weight: an exact name first, then size (log10 of the
        population of the place or of the city it serves), network terminals above ports above plain cities.
        Only when no name starts with `q` are close spellings offered (edit similarity >= 75 over keys
        of about the same length, from an index built once), so the list is never padded with strangers.
        """
        key = normalize(q)
        if not key:
            return []
        keys = self._prefixed(key)
        match = "prefix"
        if not keys:
            keys = self._fuzzy_keys(key, limit * 3)
            match = "fuzzy"
        merged: dict[tuple[str, str], tuple[float, Place]] = {}
        for rank, k in enumerate(keys):
            closeness = 2.0 if k == key else 0.0
            if match == "fuzzy":
                closeness = -rank * 0.5  # closest spelling first
            for p in self.lookup(k):
                ident = (normalize(p.name), p.country)
                old = merged.get(ident)
                pop = max(p.population, old[1].population if old else 0)
                best = p if old is None or _kind_rank(p) > _kind_rank(old[1]) else old[1]
                if best.population != pop:
                    best = replace(best, population=pop)
                own = 1.0 if normalize(p.name).startswith(key) else 0.0  # its own name, not an alias
                w = closeness + own + np.log10(pop + 1) / 2 + _kind_rank(best)
                merged[ident] = (max(w, old[0]) if old else w, best)
        ordered = sorted(merged.values(), key=lambda t: -t[0])
        return [(p, match) for _, p in ordered[:limit]]

    def _fuzzy_keys(self, key: str, n: int, min_score: float = 75.0) -> list[str]:
        """Keys spelled like `key` (same first letter, length within 3), closest first."""
        if getattr(self, "_by_head", None) is None:
            by_head: dict[str, list[str]] = {}
            for k in self.keys:
                by_head.setdefault(k[:1], []).append(k)
            self._by_head = {h: (ks, np.array([len(k) for k in ks])) for h, ks in by_head.items()}
        ks, lens = self._by_head.get(key[:1], ([], np.array([], dtype=int)))
        idx = np.flatnonzero(np.abs(lens - len(key)) <= 3)
        if not len(idx):
            return []
        cand = [ks[i] for i in idx]
        from rapidfuzz import fuzz, process

        scores = process.cdist([key], cand, scorer=fuzz.ratio, workers=1)[0]
        best = np.argsort(-scores, kind="stable")[:n]
        return [cand[i] for i in best if scores[i] >= min_score]

    def _check_on_land(self, query: str, q: str, lat: float, lon: float) -> None:
        """Refuse a coordinate at sea: containers start and end on land. A point counts as on land inside (or
        within LAND_TOLERANCE_KM of) the shipped country shapes, or as close to a known city or network place
        (small islands that the generalised shapes leave out)."""
        from beltroad.data.geo import LAND_TOLERANCE_KM, haversine_km, on_land

        if on_land(lat, lon):
            return
        d_city = haversine_km(lat, lon, self.city_lat, self.city_lon)
        node_lat = np.array([p.lat for p in self.nodes])
        node_lon = np.array([p.lon for p in self.nodes])
        d_node = haversine_km(lat, lon, node_lat, node_lon) if len(self.nodes) else np.array([np.inf])
        i, j = int(np.argmin(d_city)), int(np.argmin(d_node))
        if min(d_city[i], d_node[j]) <= LAND_TOLERANCE_KM:
            return
        if d_city[i] <= d_node[j]:
            name, cc, km = self.city_name[i], self.city_country[i], float(d_city[i])
        else:
            name, cc, km = self.nodes[j].name, self.nodes[j].country, float(d_node[j])
        raise PlaceError(query, f"Coordinates '{q}' are at sea, not on land: the nearest place is {name} "
                                f"({ISO3TO2.get(cc, cc)}), {km:,.0f} km away. Give a point on land as 'lat,lon' "
                                f"(latitude first), or a place name.")

    def _country_at(self, lat: float, lon: float) -> str:
        """Country of the nearest known city (good enough to apply border rules to a coordinate)."""
        from beltroad.data.geo import haversine_km

        d = haversine_km(lat, lon, self.city_lat, self.city_lon)
        return self.city_country[int(np.argmin(d))]


def _kind_rank(p: Place) -> float:
    """Weight of being on the network: a terminal (node) above a port above a plain city."""
    return {"node": 1.5, "port": 1.0}.get(p.kind, 0.0)


def _primary_match(p: Place, key: str) -> bool:
    """The place's own name (or, for a node, the first part of it or its id) is the query."""
    if normalize(p.name) == key:
        return True
    if p.node_id and (normalize(p.node_id.replace("_", " ")) == key
                      or normalize(re.split(r"\s*/\s*|\s*\(", p.name)[0]) == key):
        return True
    return False


def _km(a: Place, b: Place) -> float:
    from beltroad.data.geo import haversine_km

    return float(haversine_km(a.lat, a.lon, b.lat, b.lon))
