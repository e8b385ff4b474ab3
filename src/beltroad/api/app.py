"""HTTP face: a FastAPI app over one `beltroad.service.Session`, plus the single-page map app at `/`.

Every client error is a 4xx with a message a person can act on; nothing a client sends produces a
5xx or a traceback. Work is bounded: alternatives <= 10, list parameters are capped, request bodies
are refused above MAX_BODY_BYTES, and each request has a time limit. No file path is read from a
request (scenarios are looked up by name among the known ones). No CORS.
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import importlib.util
import math
import threading
from collections import OrderedDict
from contextlib import asynccontextmanager
from enum import Enum
from pathlib import Path
from typing import Any, Callable, List, Optional

import numpy as np
from fastapi import FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
MAX_BODY_BYTES = 16 * 1024
DEFAULT_TIME_LIMIT_S = 30.0
ROUTE_CACHE_SIZE = 512
MAX_LIST_ITEMS = 20
LAYERS = ("rail", "road", "ferry", "sea", "ports", "crossings", "projects", "countries")

# approximate positions of the named passages (for map markers only)
PASSAGE_POS = {
    "suez": (32.35, 30.45), "bab-el-mandeb": (43.35, 12.6), "hormuz": (56.45, 26.55), "malacca": (100.4, 3.2),
    "sunda": (105.8, -5.9), "panama": (-79.7, 9.1), "gibraltar": (-5.6, 35.95), "bosporus": (29.05, 41.1),
    "dardanelles": (26.4, 40.2), "cape": (18.5, -34.6), "magellan": (-70.9, -53.5), "bering": (-169.0, 65.8),
    "arctic": (100.0, 77.5),
}


class Optimize(str, Enum):
    time = "time"
    cost = "cost"
    co2 = "co2"
    generalized = "generalized"


class Mode(str, Enum):
    multimodal = "multimodal"
    rail = "rail"
    sea = "sea"
    road = "road"


def _no_nan(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _no_nan(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_no_nan(v) for v in obj]
    return obj


def _json_bytes(obj: Any) -> bytes:
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    except ValueError:  # NaN / inf are not JSON: send null
        return json.dumps(_no_nan(obj), ensure_ascii=False, separators=(",", ":")).encode()


class _Cached(Response):
    media_type = "application/json"


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any):
        self.status, self.message, self.extra = status, message, extra


def _maplibre_dir() -> Path | None:
    """The `srcjs/` folder of the installed `maplibre` package (ships maplibre-gl.js and .css)."""
    try:
        spec = importlib.util.find_spec("maplibre")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        d = Path(loc) / "srcjs"
        if (d / "maplibre-gl.js").exists():
            return d
    return None


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        try:
            obj = obj.to_dict()
        except TypeError:
            pass
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    return jsonable_encoder(obj, custom_encoder={np.integer: int, np.floating: float, np.ndarray: lambda a: a.tolist(),
                                                 Path: str})


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) else (int(f) if f.is_integer() else f)
    return v


class _State:
    """Everything the app keeps between requests."""

    def __init__(self, session=None):
        self.session = session
        self.lock = threading.RLock()          # the planner is not thread-safe: one computation at a time
        self.load_lock = threading.Lock()
        self.route_cache: OrderedDict[tuple, dict] = OrderedDict()
        self.layer_cache: dict[tuple, dict] = {}
        self.compare_cache: OrderedDict[tuple, dict] = OrderedDict()
        self._place_pos: dict[str, tuple[float, float]] | None = None

    def get_session(self):
        if self.session is None:
            with self.load_lock:
                if self.session is None:
                    from beltroad.service import default_session

                    s = default_session()
                    s.gazetteer  # warm the name index
                    self.session = s
        return self.session

    def place_pos(self) -> dict[str, tuple[float, float]]:
        if self._place_pos is None:
            pl = self.get_session().network.places
            pos: dict[str, tuple[float, float]] = {}
            for r in pl.itertuples(index=False):
                if r.origin == "searoute":
                    continue
                pos.setdefault(str(r.name), (float(r.lon), float(r.lat)))
                for part in str(r.name).split(" / "):
                    pos.setdefault(part.strip(), (float(r.lon), float(r.lat)))
            self._place_pos = pos
        return self._place_pos


# ------------------------------------------------------------------------------------ scenarios
def _scenario_module():
    try:
        import beltroad.scenario as sc  # written in parallel; may not exist yet
    except Exception:
        return None
    return sc if hasattr(sc, "list_scenarios") else None


def _scenario_entries() -> list[dict]:
    sc = _scenario_module()
    if sc is None:
        return []
    try:
        raw = sc.list_scenarios()
    except Exception:
        return []
    out = []
    for item in raw or []:
        if isinstance(item, str):
            out.append({"name": item})
        else:
            d = _jsonable(item)
            if isinstance(d, dict) and "name" in d:
                out.append({k: v for k, v in d.items() if k not in ("path", "file")})  # no server paths
            elif isinstance(d, str):
                out.append({"name": d})
    return out


def _scenario_names() -> list[str]:
    return [str(e["name"]) for e in _scenario_entries()]


def _check_scenario(name: Optional[str]) -> Optional[str]:
    if name is None or name.strip() == "":
        return None
    known = _scenario_names()
    if name not in known:
        hint = f"Known scenarios: {', '.join(['baseline', *known])}." if known else "Only 'baseline' is available."
        raise ApiError(404, f"Unknown scenario '{name}'. {hint}")
    return name


# ------------------------------------------------------------------------------------ network layers
_NE_FIX = {"France": "FRA", "Norway": "NOR", "Kosovo": "XKX", "N. Cyprus": "CYP", "Somaliland": "SOM"}


def _countries_geojson() -> dict:
    """Country shapes for the basemap: the repo's Natural Earth file (data/countries.geojson) when present,
    else Natural Earth 1:110m as shipped with pyogrio, else nothing (the page draws a graticule)."""
    shipped = Path(__file__).resolve().parent.parent / "data" / "countries.geojson"
    if shipped.exists():
        try:
            g = json.loads(shipped.read_text(encoding="utf-8"))
            for f in g.get("features", []):
                p = f.setdefault("properties", {})
                p.setdefault("iso_a3", p.get("iso3") or p.get("ISO_A3"))
            return g
        except (OSError, ValueError):
            pass
    try:
        spec = importlib.util.find_spec("pyogrio")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError
        shp = Path(list(spec.submodule_search_locations)[0]) / "tests/fixtures/naturalearth_lowres/naturalearth_lowres.shp"
        if not shp.exists():
            raise FileNotFoundError
        import pyogrio.raw
        import shapely

        meta, _fids, geoms, fields = pyogrio.raw.read(shp)
        names = list(meta["fields"])
        feats = []
        for i, wkb in enumerate(geoms):
            g = shapely.simplify(shapely.from_wkb(wkb), 0.05, preserve_topology=True)
            props = {n: _clean(fields[j][i]) for j, n in enumerate(names) if n in ("name", "iso_a3", "continent")}
            if props.get("iso_a3") in (None, "-99"):  # Natural Earth leaves a few codes blank
                props["iso_a3"] = _NE_FIX.get(str(props.get("name")), f"-99-{i}")
            feats.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(g)})
        return {"type": "FeatureCollection", "features": feats, "properties": {"source": "Natural Earth 1:110m"}}
    except Exception:
        return {"type": "FeatureCollection", "features": [], "properties": {"source": None}}


def _in_year(opened: Any, superseded: Any, status: str, year: int | None) -> bool:
    if year is None:
        return True
    o, s = _clean(opened), _clean(superseded)
    if o is None:
        return status == "open"
    if o > year:
        return False
    return s is None or s > year


def _link_frame(net):
    """Links with endpoint coordinates (the exporter's table, rows without positions dropped)."""
    from beltroad.io.export import network_frames

    return network_frames(net)[0].dropna(subset=["from_lon", "from_lat", "to_lon", "to_lat"])


def _build_layer(net, layer: str, year: int | None) -> dict:
    feats: list[dict] = []
    if layer == "countries":
        return _countries_geojson()
    if layer in ("rail", "road", "ferry", "projects"):
        links = _link_frame(net)
        keep = ("id", "from", "to", "mode", "length_km", "class", "gauge_mm", "corridor", "status", "opened",
                "superseded", "project", "seasonal_closure")
        if layer == "projects":
            projects = {r.id: r for r in net.projects.itertuples(index=False)}
            by_proj: dict[str, list] = {}
            for r in links.itertuples(index=False):
                pid = _clean(r.project)
                if pid and pid in projects:
                    by_proj.setdefault(pid, []).append([[round(r.from_lon, 4), round(r.from_lat, 4)],
                                                        [round(r.to_lon, 4), round(r.to_lat, 4)]])
            for pid, lines in by_proj.items():
                p = projects[pid]
                if not _in_year(p.opened, None, p.status, year):
                    continue
                feats.append({"type": "Feature",
                              "properties": {"id": pid, "name": p.name, "countries": p.countries, "mode": p.mode,
                                             "status": p.status, "opened": _clean(p.opened),
                                             "cost_usd_bn": _clean(p.cost_usd_bn), "capacity": _clean(p.capacity)},
                              "geometry": {"type": "MultiLineString", "coordinates": lines}})
        else:
            for r in links[links["mode"] == layer].itertuples(index=False):
                if not _in_year(r.opened, r.superseded, r.status, year):
                    continue
                d = r._asdict()
                props = {k: _clean(d[k]) for k in keep if k in d}
                feats.append({"type": "Feature", "properties": props,
                              "geometry": {"type": "LineString", "coordinates": [[round(r.from_lon, 4), round(r.from_lat, 4)],
                                                                                 [round(r.to_lon, 4), round(r.to_lat, 4)]]}})
    elif layer == "sea":
        import shapely

        from beltroad.network.sea import PASSAGES

        sea_edges = np.flatnonzero((net.edge_geom >= 0) & (net.src < net.dst))
        groups: dict[Any, list] = {}
        for e in sea_edges:
            gi = int(net.edge_geom[e])
            a, b = net.geom_offsets[gi], net.geom_offsets[gi + 1]
            coords = np.column_stack([net.geom_lon[a:b], net.geom_lat[a:b]])
            if len(coords) > 2:
                coords = np.asarray(shapely.simplify(shapely.LineString(coords), 0.1).coords)
            passage = PASSAGES[net.passage[e]] if net.passage[e] >= 0 else None
            groups.setdefault(passage, []).append(coords.round(2).tolist())
        for passage, lines in groups.items():  # one MultiLineString per passage keeps the layer small
            feats.append({"type": "Feature", "properties": {"mode": "sea", "passage": passage, "edges": len(lines)},
                          "geometry": {"type": "MultiLineString", "coordinates": lines}})
    elif layer == "ports":
        pl = net.places
        ports = pl[pl["kind"].isin(["seaport", "ferry_port", "dry_port"])]
        for r in ports.itertuples(index=False):
            feats.append({"type": "Feature",
                          "properties": {"id": r.id, "name": r.name, "kind": r.kind, "country": r.country,
                                         "locode": _clean(r.locode) or "", "dataset": r.origin != "searoute"},
                          "geometry": {"type": "Point", "coordinates": [round(float(r.lon), 4), round(float(r.lat), 4)]}})
    elif layer == "crossings":
        pos = net.places.drop_duplicates("id").set_index("id")[["lon", "lat"]]
        lk = _link_frame(net).drop_duplicates("id").set_index("id")
        for r in net.crossings.itertuples(index=False):
            if not _in_year(r.opened, None, r.status, year):
                continue
            node, link = _clean(r.node), _clean(r.link)
            if node and node in pos.index:
                xy = [float(pos.at[node, "lon"]), float(pos.at[node, "lat"])]
            elif link and link in lk.index:
                row = lk.loc[link]
                xy = [(float(row.from_lon) + float(row.to_lon)) / 2, (float(row.from_lat) + float(row.to_lat)) / 2]
            else:
                continue
            props = {k: _clean(getattr(r, k)) for k in ("id", "kind", "mode", "from_country", "to_country", "dwell_hours",
                                                      "fee_usd", "gauge_from_mm", "gauge_to_mm", "gauge_change_hours",
                                                      "status", "opened")}
            feats.append({"type": "Feature", "properties": props,
                          "geometry": {"type": "Point", "coordinates": [round(xy[0], 4), round(xy[1], 4)]}})
    return {"type": "FeatureCollection", "features": feats, "properties": {"layer": layer, "year": year}}


# ------------------------------------------------------------------------------------ route markers
def _route_markers(route: dict, place_pos: dict[str, tuple[float, float]]) -> list[dict]:
    """Border crossings, gauge changes and passages of one route, with positions for the map."""
    out: list[dict] = []
    legs = route.get("legs", [])
    for i, leg in enumerate(legs):
        if leg["mode"] == "handling" and str(leg.get("detail", "")).startswith("gauge change"):
            xy = None
            for j in range(i - 1, -1, -1):
                if legs[j].get("coordinates"):
                    xy = legs[j]["coordinates"][-1]
                    break
            if xy is None:
                xy = place_pos.get(leg["from"])
            if xy:
                out.append({"kind": "gauge_change", "name": leg["from"], "detail": leg["detail"],
                            "hours": leg["transit_hours"], "cost_usd": leg["cost_usd"], "lon": xy[0], "lat": xy[1]})
    for bc in route.get("border_crossings", []):
        at = str(bc.get("at", ""))
        xy = place_pos.get(at)
        if xy is None:
            for part in at.split(" - "):
                xy = place_pos.get(part.strip())
                if xy:
                    break
        if xy:
            out.append({"kind": "border", "name": at, "detail": f"{bc.get('from_country')} → {bc.get('to_country')} "
                                                                f"({bc.get('mode')})",
                        "hours": bc.get("dwell_hours"), "cost_usd": bc.get("fee_usd"), "lon": xy[0], "lat": xy[1]})
    for p in route.get("passages", []):
        if p in PASSAGE_POS:
            lon, lat = PASSAGE_POS[p]
            out.append({"kind": "passage", "name": p, "detail": "chokepoint", "hours": None, "cost_usd": None,
                        "lon": lon, "lat": lat})
    return out


# ------------------------------------------------------------------------------------ the app
def create_app(session=None, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S, cors_origins: list[str] | None = None) -> FastAPI:
    """The FastAPI app. `session` defaults to `beltroad.service.default_session()`, loaded once at startup."""
    st = _State(session)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await run_in_threadpool(st.get_session)
        yield

    from fastapi_offline import FastAPIOffline  # FastAPI whose /docs serve Swagger UI from the package, not a CDN

    app = FastAPIOffline(title="beltroad", version="0.1.0", lifespan=lifespan,
                  description="Routes, scenarios and network layers of the Belt and Road transport model. "
                              "Every error is a 4xx with a message (`detail`).")
    app.state.beltroad = st

    if cors_origins:  # only when asked for
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=cors_origins, allow_methods=["GET"])

    @app.middleware("http")
    async def bound_body(request: Request, call_next):
        cl = request.headers.get("content-length")
        if cl is not None:
            try:
                n = int(cl)
            except ValueError:
                return JSONResponse({"detail": "Content-Length is not a number."}, status_code=400)
            if n > MAX_BODY_BYTES:
                return JSONResponse({"detail": f"Request body too large (limit {MAX_BODY_BYTES} bytes)."},
                                    status_code=413)
        elif request.headers.get("transfer-encoding", "").lower() == "chunked":
            return JSONResponse({"detail": "Chunked request bodies are not accepted."}, status_code=411)
        return await call_next(request)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return JSONResponse({"detail": exc.message, **exc.extra}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body"))
            errors.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
        return JSONResponse({"detail": "; ".join(errors) or "Invalid request.",
                             "errors": jsonable_encoder(exc.errors(), custom_encoder={Exception: str})},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):  # a bug: say so without a traceback
        return JSONResponse({"detail": f"Internal error ({type(exc).__name__}); please report it."}, status_code=500)

    async def bounded(fn: Callable[[], Any]) -> Any:
        try:
            return await asyncio.wait_for(run_in_threadpool(fn), timeout=time_limit_s)
        except asyncio.TimeoutError:
            raise ApiError(503, f"The request took longer than {time_limit_s:.0f} s; try fewer alternatives or "
                                "fewer constraints, or retry shortly.") from None

    # ---------------------------------------------------------------- places
    @app.get("/api/places", summary="Place autocomplete")
    async def places(q: str = Query("", max_length=100, description="What the user typed so far"),
                     limit: int = Query(10, ge=1, le=25)) -> dict:
        def run():
            hits = st.get_session().gazetteer.search(q, limit=limit + 5) if q.strip() else []
            nodes = {(p.name, p.country) for p in hits if p.kind != "city"}
            hits = [p for p in hits if p.kind != "city" or (p.name, p.country) not in nodes][:limit]  # one Almaty
            return {"query": q, "places": [{"name": p.name, "country": p.country, "lat": p.lat, "lon": p.lon,
                                             "kind": p.kind, "node_id": p.node_id, "population": p.population,
                                             "locode": p.locode} for p in hits]}
        return await bounded(run)

    # ---------------------------------------------------------------- route
    @app.get("/api/route", summary="Ranked route alternatives (all CLI options)")
    async def route(origin: str = Query(..., min_length=1, max_length=200, description="Place name, 'Name, CC', UN/LOCODE, node id or 'lat,lon'"),
                    destination: str = Query(..., min_length=1, max_length=200),
                    alternatives: int = Query(3, ge=1, le=10),
                    optimize: Optimize = Query(Optimize.time),
                    mode: Mode = Query(Mode.multimodal),
                    avoid_country: List[str] = Query([], max_length=MAX_LIST_ITEMS, description="ISO2/ISO3 code; repeatable"),
                    avoid_passage: List[str] = Query([], max_length=MAX_LIST_ITEMS, description="suez, bab-el-mandeb, hormuz, ...; repeatable"),
                    via: List[str] = Query([], max_length=5, description="Place the route must pass; repeatable"),
                    max_transfers: Optional[int] = Query(None, ge=0, le=20),
                    teu: float = Query(1.0, gt=0, le=100000, allow_inf_nan=False),
                    tonnes: Optional[float] = Query(None, gt=0, le=10_000_000, allow_inf_nan=False),
                    value_of_time: Optional[float] = Query(None, ge=0, le=1_000_000, allow_inf_nan=False),
                    carbon_price: Optional[float] = Query(None, ge=0, le=100_000, allow_inf_nan=False),
                    scenario: Optional[str] = Query(None, max_length=100, description="Scenario name (see /api/scenarios)")):
        """`PlanResult.to_dict(geometry=True)`; each route also has `markers` (borders, gauge changes, passages)."""
        for name, values in (("avoid_country", avoid_country), ("avoid_passage", avoid_passage), ("via", via)):
            for v in values:
                if len(v) > 200:
                    raise ApiError(422, f"{name}: value too long (max 200 characters).")
        scen = _check_scenario(scenario)
        key = (origin, destination, alternatives, optimize.value, mode.value, tuple(avoid_country), tuple(avoid_passage),
               tuple(via), max_transfers, teu, tonnes, value_of_time, carbon_price, scen)
        cached = st.route_cache.get(key)
        if cached is not None:
            st.route_cache.move_to_end(key)
            return _Cached(cached)

        def run():
            from beltroad.places import PlaceError
            from beltroad.routing.planner import RouteError

            s = st.get_session()
            try:
                with st.lock:
                    res = s.plan(origin, destination, objective=optimize.value, alternatives=alternatives, mode=mode.value,
                                 avoid_countries=avoid_country, avoid_passages=avoid_passage, via=via,
                                 max_transfers=max_transfers, teu=teu, tonnes=tonnes, scenario=scen,
                                 value_of_time_usd_per_teu_day=value_of_time, carbon_price_usd_per_t=carbon_price)
            except PlaceError as exc:
                raise ApiError(404 if not exc.candidates else 422, str(exc), query=exc.query,
                               suggestions=list(exc.suggestions),
                               candidates=[c.to_dict() for c in exc.candidates]) from None
            except RouteError as exc:
                raise ApiError(422, str(exc), blocking=list(exc.blocking), relaxed=list(exc.relaxed)) from None
            except (ValueError, FileNotFoundError, KeyError) as exc:
                raise ApiError(422, str(exc).strip("'\"") or "Invalid request.") from None
            d = res.to_dict(geometry=True)
            pos = st.place_pos()
            for r in d["routes"]:
                r["markers"] = _route_markers(r, pos)
            return _json_bytes(_jsonable(d))

        out = await bounded(run)
        st.route_cache[key] = out
        while len(st.route_cache) > ROUTE_CACHE_SIZE:
            st.route_cache.popitem(last=False)
        return _Cached(out)

    # ---------------------------------------------------------------- scenarios
    @app.get("/api/scenarios", summary="Known scenarios")
    async def scenarios() -> dict:
        entries = await bounded(_scenario_entries)
        if not any(e["name"] == "baseline" for e in entries):
            entries.insert(0, {"name": "baseline", "description": "The network as it is today."})
        return {"scenarios": entries,
                "available": _scenario_module() is not None}

    @app.get("/api/scenarios/{name}", summary="One scenario's definition")
    async def scenario(name: str) -> dict:
        if len(name) > 100:
            raise ApiError(422, "Scenario name too long (max 100 characters).")
        sc = _scenario_module()
        if sc is None and name == "baseline":
            return {"name": "baseline", "description": "The network as it is today."}
        if sc is None:
            raise ApiError(404, f"Unknown scenario '{name}': scenarios are not available in this build; only 'baseline'.")
        _check_scenario(name)

        def run():
            try:
                return _jsonable(sc.load_scenario(name))
            except (ValueError, FileNotFoundError, KeyError, getattr(sc, "ScenarioError", ValueError)) as exc:
                raise ApiError(404, f"Scenario '{name}' cannot be loaded: {exc}") from None
        out = await bounded(run)
        if isinstance(out, dict):
            return {k: v for k, v in out.items() if k not in ("path", "file")}
        return {"name": name, "definition": out}

    # ---------------------------------------------------------------- network layers
    @app.get("/api/network", summary="The network as a simplified GeoJSON layer")
    async def network(layer: str = Query(..., description="rail | road | ferry | sea | ports | crossings | projects | countries"),
                      year: Optional[int] = Query(None, ge=1990, le=2050, description="Show the network as it stood in this year")):
        if layer not in LAYERS:
            raise ApiError(422, f"layer '{layer[:40]}' is not one of {', '.join(LAYERS)}.")
        y = None if layer in ("sea", "ports", "countries") else year
        key = (layer, y)
        if key not in st.layer_cache:
            st.layer_cache[key] = await bounded(lambda: _json_bytes(_build_layer(st.get_session().network, layer, y)))
        return _Cached(st.layer_cache[key])

    # ---------------------------------------------------------------- compare
    @app.get("/api/compare", summary="Per-economy change between two scenarios (bounded: world-200 cities)")
    async def compare(base: str = Query("baseline", max_length=100), scenario: str = Query(..., max_length=100),
                      top: int = Query(10, ge=1, le=50, description="How many top gainers / losers")) -> dict:
        try:
            from beltroad.analysis import compare_economies
        except Exception:
            raise ApiError(503, "Scenario comparison is not available in this build yet (beltroad.analysis."
                                "compare_economies is missing).") from None
        b = _check_scenario(base) or "baseline"
        s = _check_scenario(scenario) or "baseline"
        key = (b, s, top)
        if key in st.compare_cache:
            return st.compare_cache[key]

        def run():
            try:
                with st.lock:
                    try:
                        df = compare_economies(b, s, cities="world-200", session=st.get_session())
                    except TypeError:  # older signature without session=
                        df = compare_economies(b, s, cities="world-200")
            except (ValueError, FileNotFoundError, KeyError) as exc:
                raise ApiError(422, str(exc)) from None
            df = df.head(300)  # bounded: world-200 cities give about 250 economies
            rows = _jsonable(df.replace({np.nan: None}).to_dict(orient="records"))
            col = "change_pct" if "change_pct" in df.columns else None
            summary: dict[str, Any] = {"economies": len(df)}
            if col:
                v = df[col].astype(float)
                summary.update({"mean_change_pct": _clean(round(float(v.mean()), 3)) if len(v) else None,
                                "median_change_pct": _clean(round(float(v.median()), 3)) if len(v) else None})
                srt = df.sort_values(col)
                summary["gainers"] = _jsonable(srt.head(top).replace({np.nan: None}).to_dict(orient="records"))
                summary["losers"] = _jsonable(srt.tail(top).iloc[::-1].replace({np.nan: None}).to_dict(orient="records"))
            return {"base": b, "scenario": s, "summary": summary, "economies": rows}

        out = await bounded(run)
        st.compare_cache[key] = out
        while len(st.compare_cache) > 32:
            st.compare_cache.popitem(last=False)
        return out

    @app.get("/api/health", include_in_schema=False)
    async def health() -> dict:
        return {"ok": True}

    # ---------------------------------------------------------------- the page
    vendor = _maplibre_dir()
    if vendor is not None:
        app.mount("/static/vendor", StaticFiles(directory=vendor), name="vendor")
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def index():
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    return app
