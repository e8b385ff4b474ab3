"""The maritime layer, read from the installed `searoute` package (its marnet graph and ports list).

We depend on the package instead of copying its files. Chains of degree-2 marnet vertices are
contracted into single edges (their polyline kept for display), so the sea layer that routing sees
is small; vertices where ports attach or where a named passage starts are never contracted.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from beltroad.data.geo import haversine_km

# searoute passage tags -> beltroad chokepoint names (user-facing, kebab-case)
PASSAGE_NAMES = {
    "suez": "suez",
    "babalmandab": "bab-el-mandeb",
    "ormuz": "hormuz",
    "malacca": "malacca",
    "sunda": "sunda",
    "panama": "panama",
    "gibraltar": "gibraltar",
    "bosporus": "bosporus",
    "dardanelles": "dardanelles",
    "south_africa": "cape",
    "chili": "magellan",
    "bering": "bering",
    "northwest": "arctic",
}
PASSAGES = sorted(set(PASSAGE_NAMES.values()))
PASSAGE_ALIASES = {
    "bab-al-mandab": "bab-el-mandeb", "babalmandab": "bab-el-mandeb", "red-sea": "bab-el-mandeb",
    "bab el mandeb": "bab-el-mandeb", "ormuz": "hormuz", "strait-of-hormuz": "hormuz", "suez-canal": "suez",
    "panama-canal": "panama", "cape-of-good-hope": "cape", "good-hope": "cape", "south-africa": "cape",
    "bosphorus": "bosporus", "istanbul": "bosporus", "northwest": "arctic", "northeast": "arctic",
    "northern-sea-route": "arctic", "nsr": "arctic", "chili": "magellan", "cape-horn": "magellan",
    "strait-of-malacca": "malacca", "singapore": "malacca",
}


def canonical_passage(name: str) -> str | None:
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    if key in PASSAGES:
        return key
    return PASSAGE_ALIASES.get(key) or PASSAGE_ALIASES.get(key.replace("-", " "))


def canonical_passages(names, what: str = "passage") -> list[str]:
    """Canonical passage names, or a ValueError naming the unknown one and the known ones."""
    out = []
    for name in names:
        canon = canonical_passage(name)
        if not canon:
            raise ValueError(f"{what} '{name}' is not a known passage ({', '.join(PASSAGES)})")
        out.append(canon)
    return out


@dataclass
class SeaLayer:
    lon: np.ndarray            # contracted vertex positions
    lat: np.ndarray
    u: np.ndarray              # contracted undirected edges
    v: np.ndarray
    km: np.ndarray
    passage: np.ndarray        # index into PASSAGES or -1
    country: np.ndarray        # ISO3 of an inland waterway's country, else ""
    geom_offsets: np.ndarray   # polyline of edge i is geom[offsets[i]:offsets[i+1]]
    geom_lon: np.ndarray
    geom_lat: np.ndarray


def _norm_lon(lon: np.ndarray) -> np.ndarray:
    return ((np.asarray(lon) + 180.0) % 360.0) - 180.0


def read_marnet() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Full marnet as arrays: vertex lon/lat and undirected edges (u, v, km, passage code)."""
    from searoute.data.marnet_dict import edge_list  # the package's own graph data

    keys: dict[tuple, int] = {}
    for a in edge_list:
        keys.setdefault(a, len(keys))
        for b in edge_list[a]:
            keys.setdefault(b, len(keys))
    coords = np.array(list(keys), dtype=float)
    us, vs, kms, pas = [], [], [], []
    seen = set()
    for a, nbrs in edge_list.items():
        ia = keys[a]
        for b, attrs in nbrs.items():
            ib = keys[b]
            key = (min(ia, ib), max(ia, ib))
            if key in seen or ia == ib:
                continue
            seen.add(key)
            us.append(ia)
            vs.append(ib)
            kms.append(float(attrs.get("weight", 0.0)))
            name = PASSAGE_NAMES.get(attrs.get("passage"))
            pas.append(PASSAGES.index(name) if name else -1)
    lon = _norm_lon(coords[:, 0])
    lat = coords[:, 1]
    u, v, pas_arr = np.array(us), np.array(vs), np.array(pas, dtype=np.int16)
    _tag_cuts(lon, lat, u, v, pas_arr)
    return lon, lat, u, v, np.array(kms), pas_arr


# Meridian cuts that make a rounding passage a complete cut: searoute tags only some of the edges that
# round southern Africa or South America, so an edge crossing the cut meridian south of the cape gets the tag.
CUTS = {"cape": (20.0, -34.5), "magellan": (-68.0, -52.0)}  # (meridian of Cape Agulhas / Cape Horn, max lat)


def _tag_cuts(lon: np.ndarray, lat: np.ndarray, u: np.ndarray, v: np.ndarray, pas: np.ndarray) -> None:
    for name, (meridian, max_lat) in CUTS.items():
        a, b = lon[u] - meridian, lon[v] - meridian
        crosses = (np.sign(a) != np.sign(b)) & (np.abs(lon[u] - lon[v]) < 180)
        t = np.where(crosses, a / np.where(a - b == 0, 1, a - b), 0.0)
        lat_at = lat[u] + t * (lat[v] - lat[u])
        pas[crosses & (lat_at < max_lat) & (pas < 0)] = PASSAGES.index(name)


def inland_countries(lon: np.ndarray, lat: np.ndarray, u: np.ndarray, v: np.ndarray, pas: np.ndarray) -> np.ndarray:
    """ISO3 of the country an inland waterway edge runs in (Volga-Don, Rhine, Great Lakes, Parana), else "".

    A vertex counts as inland when it lies inside a country's shape (Natural Earth, shipped) more than
    INLAND_DEPTH_DEG from its outline; coastal lanes near a simplified coastline are never tagged, and
    canal passages (Suez, Panama) stay international waters.
    """
    import json

    import shapely
    from shapely.geometry import shape

    from beltroad.data import COUNTRIES_GEOJSON

    feats = json.loads(COUNTRIES_GEOJSON.read_text())["features"]
    geoms = [shape(f["geometry"]) for f in feats]
    iso = np.array([f["properties"]["iso3"] for f in feats] + [""], dtype=object)
    pts = shapely.points(lon, lat)
    p_idx, g_idx = shapely.STRtree(geoms).query(pts, predicate="within")
    country = np.full(len(lon), len(geoms))
    for p, g in zip(p_idx, g_idx):
        if shapely.distance(pts[p], geoms[g].boundary) > INLAND_DEPTH_DEG:
            country[p] = g
    edge_country = np.where(country[u] < len(geoms), country[u], country[v])
    out = iso[edge_country]
    out[pas >= 0] = ""
    return out.astype(str)


INLAND_DEPTH_DEG = 0.25  # ~25 km: farther inside the outline than the 0.08-degree simplification can shift a coast


def read_ports() -> list[dict]:
    """searoute's ports list: name, UN/LOCODE, ISO2 (from the code), lon, lat, terminal flag."""
    from searoute.data.ports_dict import node_list

    out = []
    for (x, y), p in node_list.items():
        code = p.get("port") or ""
        if len(code) != 5:
            continue
        out.append({"name": p.get("name", code), "locode": code, "iso2": code[:2], "lon": float(_norm_lon(x)),
                    "lat": float(y), "major": p.get("t") == 1.0})
    return out


def build_sea_layer(keep_lon: np.ndarray, keep_lat: np.ndarray) -> tuple[SeaLayer, np.ndarray]:
    """Contract marnet, keeping the vertices nearest to the given attachment points.

    Returns the layer and, for each attachment point, the index of its contracted vertex.
    """
    lon, lat, u, v, km, pas = read_marnet()
    inland = inland_countries(lon, lat, u, v, pas)
    n = len(lon)
    # nearest marnet vertex of each attachment point (vectorised haversine, points x vertices in blocks)
    attach = np.empty(len(keep_lon), dtype=np.int64)
    deg = np.bincount(np.concatenate([u, v]), minlength=n)
    usable = np.flatnonzero(deg > 0)
    for s in range(0, len(keep_lon), 256):
        d = haversine_km(keep_lat[s:s + 256, None], keep_lon[s:s + 256, None], lat[None, usable], lon[None, usable])
        attach[s:s + 256] = usable[np.argmin(d, axis=1)]
    keep = np.zeros(n, dtype=bool)
    keep[attach] = True
    keep[deg != 2] = True
    # a vertex where the passage tag changes is a boundary
    tag_seen: dict[int, set] = {}
    for a, b, p, c in zip(u, v, pas, inland):
        tag_seen.setdefault(int(a), set()).add((int(p), c))
        tag_seen.setdefault(int(b), set()).add((int(p), c))
    for vert, tags in tag_seen.items():
        if len(tags) > 1:
            keep[vert] = True

    adj: dict[int, list[tuple[int, int]]] = {}
    for e, (a, b) in enumerate(zip(u, v)):
        adj.setdefault(int(a), []).append((int(b), e))
        adj.setdefault(int(b), []).append((int(a), e))

    new_index = -np.ones(n, dtype=np.int64)
    kept = np.flatnonzero(keep & (deg > 0))
    new_index[kept] = np.arange(len(kept))
    used_edge = np.zeros(len(u), dtype=bool)
    cu, cv, ckm, cpas, ccountry, offsets, glon, glat = [], [], [], [], [], [0], [], []
    for start in kept:
        for nbr, e in adj.get(int(start), []):
            if used_edge[e]:
                continue
            chain = [int(start)]
            total, tag, ctag, cur, edge = 0.0, -1, "", nbr, e
            while True:
                used_edge[edge] = True
                total += km[edge]
                if pas[edge] >= 0:
                    tag = int(pas[edge])
                if inland[edge]:
                    ctag = inland[edge]
                chain.append(cur)
                if keep[cur]:
                    break
                nxt = [(w, f) for w, f in adj[cur] if not used_edge[f]]
                if not nxt:
                    break
                cur, edge = nxt[0]
            if not keep[chain[-1]]:
                continue
            cu.append(new_index[chain[0]])
            cv.append(new_index[chain[-1]])
            ckm.append(total)
            cpas.append(tag)
            ccountry.append(ctag)
            glon.extend(lon[chain])
            glat.extend(lat[chain])
            offsets.append(len(glon))
    layer = SeaLayer(lon=lon[kept], lat=lat[kept], u=np.array(cu), v=np.array(cv), km=np.array(ckm),
                     passage=np.array(cpas, dtype=np.int16), country=np.array(ccountry, dtype=object),
                     geom_offsets=np.array(offsets),
                     geom_lon=np.array(glon), geom_lat=np.array(glat))
    return layer, new_index[attach]
