"""HTTP face: a FastAPI app over one `beltroad.service.Session`, plus the single-page map app at `/`.

Every client error is a 4xx with a message a person can act on (`detail`); statuses come from the
service's error table, so the API and the CLI refuse the same inputs with the same messages. Work is
bounded: request bodies are refused above MAX_BODY_BYTES, each request has a time limit, compares
run in a worker off the request path. Only Host headers of the allow-list are served (loopback names
by default), which stops DNS-rebinding pages from reaching a local server. No CORS unless asked for.
"""
from __future__ import annotations

import os
import socket
from contextlib import asynccontextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import Iterable

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline  # Swagger UI served from the package, not a CDN
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.supervisors import Multiprocess

from beltroad.api.routers import compare, flows, network, places, route, scenarios
from beltroad.api.state import ApiError, AppState
from beltroad.io.jsonout import finite
from beltroad.places import PlaceError
from beltroad.request import RequestError
from beltroad.routing.planner import RouteError
from beltroad.service import USER_ERRORS, outcome_of

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
# maplibre-gl.js and .css ship in the `maplibre` package (located without importing it: its import logs warnings)
MAPLIBRE_DIR = Path(find_spec("maplibre").submodule_search_locations[0]) / "srcjs"
MAX_BODY_BYTES = 16 * 1024
DEFAULT_TIME_LIMIT_S = 30.0
FLOWS_TIME_LIMIT_S = 300.0  # the first assignment of a scenario (demand + equilibrium) takes tens of seconds
COMPARE_QUEUE = 4
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def allowed_hosts_from_env() -> list[str]:
    """`BELTROAD_ALLOWED_HOSTS` (comma-separated) added to the loopback names."""
    extra = [h.strip().lower() for h in os.environ.get("BELTROAD_ALLOWED_HOSTS", "").split(",") if h.strip()]
    return [*LOOPBACK_HOSTS, *extra]


class TcpConfig(uvicorn.Config):
    """uvicorn's configuration with the listening socket marked as TCP. uvicorn binds it with protocol 0 (uvicorn
    issue #3149), accepted connections inherit that, and asyncio then leaves Nagle's algorithm on: with several
    workers every small keep-alive answer waited ~40 ms for the client's delayed ACK (44 ms for /api/health,
    against 0.6 ms with one worker, which binds through getaddrinfo and is not affected)."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
            sock.set_inheritable(True)  # the workers receive it
        return sock


def serve(host: str, port: int, workers: int, log_level: str = "info", access_log: bool = False) -> None:
    """Serve `app_from_env` in `workers` processes (uvicorn's supervisor shares one listening socket among them)."""
    config = TcpConfig("beltroad.api.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                       log_level=log_level, access_log=access_log)
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()


def app_from_env() -> FastAPI:
    """The app of `beltroad serve`, one per worker process: uvicorn starts several workers from an import string
    (`beltroad.api.app:app_from_env`, a factory), so the options come from the environment the workers inherit:
    `BELTROAD_TIME_LIMIT_S` (seconds per request) and `BELTROAD_ALLOWED_HOSTS`."""
    return create_app(time_limit_s=float(os.environ.get("BELTROAD_TIME_LIMIT_S", DEFAULT_TIME_LIMIT_S)))


def _host_name(header: str) -> str:
    h = header.strip().lower()
    if h.startswith("["):  # [::1]:8000
        return h[1:h.find("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def _error_body(exc: BaseException) -> dict:
    body: dict = {"detail": str(exc)}
    if isinstance(exc, PlaceError):
        body.update(query=exc.query, suggestions=list(exc.suggestions), candidates=[c.to_dict() for c in exc.candidates])
    elif isinstance(exc, RouteError):
        body.update(blocking=list(exc.blocking), relaxed=list(exc.relaxed))
    elif isinstance(exc, RequestError) and exc.errors:
        body["errors"] = [{**e, "loc": ["query", *e["loc"]]} for e in exc.errors]
    return body


class Guard:
    """Refuses, before any routing, a Host header off the allow-list (400), a body above MAX_BODY_BYTES (413) or of
    unknown length (411). A plain ASGI middleware: Starlette's `@app.middleware("http")` (BaseHTTPMiddleware) runs
    every request through a task group and memory streams, ~0.2-0.4 ms of CPU per request under load."""

    def __init__(self, app, hosts: set[str]):
        self.app, self.hosts = app, hosts

    def refusal(self, headers: Headers) -> JSONResponse | None:
        hosts = self.hosts
        if "*" not in hosts and _host_name(headers.get("host", "")) not in hosts:
            return JSONResponse({"detail": "Host header not allowed: this server answers only "
                                           f"{', '.join(sorted(hosts))} (set BELTROAD_ALLOWED_HOSTS to add names)."},
                                status_code=400)
        cl = headers.get("content-length")
        if cl is not None:
            if not cl.isdigit():
                return JSONResponse({"detail": "Content-Length is not a number."}, status_code=400)
            if int(cl) > MAX_BODY_BYTES:
                return JSONResponse({"detail": f"Request body too large (limit {MAX_BODY_BYTES} bytes)."},
                                    status_code=413)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            return JSONResponse({"detail": "Chunked request bodies are not accepted."}, status_code=411)
        return None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            refused = self.refusal(Headers(scope=scope))
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(session=None, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S, cors_origins: list[str] | None = None,
               allowed_hosts: Iterable[str] | None = None, compare_in_process: bool | None = None,
               flows_time_limit_s: float = FLOWS_TIME_LIMIT_S) -> FastAPI:
    """The FastAPI app.

    Parameters
    ----------
    session : beltroad.service.Session, optional
        Defaults to `default_session()`, loaded once at startup.
    time_limit_s : float
        Seconds allowed per request (503 beyond).
    allowed_hosts : iterable of str, optional
        Host names served; default the loopback names plus `BELTROAD_ALLOWED_HOSTS`. '*' allows any.
    compare_in_process : bool, optional
        Run compares and flow assignments in a worker process (default when no session is given) or a
        worker thread.
    flows_time_limit_s : float
        Seconds a request waits for a scenario's flow assignment (503 beyond; the assignment goes on and is kept).
    """
    in_process = session is None if compare_in_process is None else compare_in_process
    st = AppState(session, time_limit_s=time_limit_s, compare_in_process=in_process, compare_queue=COMPARE_QUEUE,
                  flows_time_limit_s=flows_time_limit_s)
    hosts = {h.lower() for h in (allowed_hosts if allowed_hosts is not None else allowed_hosts_from_env())}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        st.compare_worker.warm()  # the worker process loads the network while this one does
        await run_in_threadpool(st.get_session)
        yield
        st.compare_worker.close()
        st.flows_worker.close()

    app = FastAPIOffline(title="beltroad", version="0.1.0", lifespan=lifespan,
                         description="Routes, scenarios and network layers of the Belt and Road transport model. "
                                     "Every error is a 4xx (or 503 on timeout) with a message (`detail`).")
    app.state.beltroad = st

    if cors_origins:  # only when asked for
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=cors_origins, allow_methods=["GET"])

    app.add_middleware(Guard, hosts=hosts)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return JSONResponse({"detail": exc.message, **finite(exc.extra)}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errs = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg")), "type": str(e.get("type"))}
                for e in exc.errors()]
        text = "; ".join(f"{'.'.join(str(x) for x in e['loc'][1:])}: {e['msg']}" for e in errs)
        return JSONResponse({"detail": text or "Invalid request.", "errors": errs}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    async def _user_error(request: Request, exc: Exception):  # the service's table decides the status
        return JSONResponse(finite(_error_body(exc)), status_code=outcome_of(exc).http_status)

    for kind in USER_ERRORS:
        app.add_exception_handler(kind, _user_error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):  # a bug: say so without a traceback
        return JSONResponse({"detail": f"Internal error ({type(exc).__name__}); please report it."}, status_code=500)

    for r in (places.router, route.router, network.router, scenarios.router, compare.router, flows.router):
        app.include_router(r)

    @app.get("/glyphs/{fontstack}/{span}.pbf", include_in_schema=False)
    async def glyphs(fontstack: str, span: str):
        """Map label glyphs, rendered on first use from a packaged font (no CDN; see beltroad.web.glyphs)."""
        from fastapi.responses import Response

        from beltroad.web.glyphs import glyph_range

        start, _, end = span.partition("-")
        if not (start.isdigit() and end.isdigit() and int(start) % 256 == 0 and int(end) == int(start) + 255
                and int(start) < 65536):
            raise ApiError(404, "Glyph ranges are 256 code points, e.g. /glyphs/DejaVu Sans/0-255.pbf.")
        data = await st.bounded(lambda: glyph_range(int(start)))
        return Response(data, media_type="application/x-protobuf", headers={"Cache-Control": "max-age=86400"})

    @app.get("/api/health", include_in_schema=False)
    async def health() -> dict:
        return {"ok": True}

    app.mount("/static/vendor", StaticFiles(directory=MAPLIBRE_DIR), name="vendor")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def index():
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    return app
