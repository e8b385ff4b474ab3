"""`beltroad serve --workers 2`: two server processes built by the app factory, each answering routes and
running scenario comparisons in its own compare worker."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

import psutil


def _get(port: int, path: str, **params) -> tuple[int, dict]:
    url = f"http://127.0.0.1:{port}{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=300) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_two_worker_processes_answer_routes_and_compares(session):
    session.network, session.gazetteer  # the cache entries the workers load
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    cmd = [sys.executable, "-c", "from beltroad.cli import main; main()", "serve", "--port", str(port),
           "--workers", "2", "--time-limit", "240"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as server:
        try:
            started, log = 0, []
            for line in server.stdout:  # uvicorn logs one line per worker once its start-up has run
                log.append(line)
                started += "Application startup complete" in line
                if started == 2:
                    break
            assert started == 2, "".join(log[-40:])
            drain = threading.Thread(target=lambda: log.extend(server.stdout), daemon=True)
            drain.start()
            assert "2 worker processes" in "".join(log)
            workers = [p for p in psutil.Process(server.pid).children() if "spawn_main" in " ".join(p.cmdline())]
            assert len(workers) == 2

            answers: list[tuple[int, dict]] = []
            trips = [("Chongqing", "Duisburg"), ("Shanghai", "Rotterdam"), ("Almaty", "Istanbul"), ("Lodz", "Chengdu")]
            clients = [threading.Thread(target=lambda o=o, d=d: answers.append(
                _get(port, "/api/route", origin=o, destination=d, alternatives=2))) for o, d in trips * 2]
            for c in clients:
                c.start()
            for c in clients:
                c.join()
            assert [status for status, _ in answers] == [200] * len(clients)
            assert all(body["routes"] and body["routes"][0]["legs"] for _, body in answers)

            status, body = _get(port, "/api/route", origin="Chongqing", destination="Duisburg", teu=-1)
            assert status == 422 and body["detail"] == "teu: must be greater than 0 (got -1.0)"

            status, body = _get(port, "/api/compare", base="baseline", scenario="red-sea-closed", top=3)
            assert status == 200, body
            assert body["economies"] and body["summary"]["economies"] == len(body["economies"])
        finally:
            server.terminate()
            server.wait()
    drain.join(30)
    assert "Application shutdown complete" in "".join(log)  # the whole log was read ...
    assert not [x for x in log if "GET /api/" in x]  # ... and has no access lines: `--access-log` turns them on


def test_worker_connections_get_tcp_nodelay():
    """The listening socket `serve` shares among workers is marked TCP, so asyncio turns Nagle's algorithm off on
    each connection (uvicorn's own socket left it on: ~40 ms per small keep-alive answer)."""
    import asyncio

    from beltroad.api.app import TcpConfig

    sock = TcpConfig("beltroad.api.app:app_from_env", factory=True, host="127.0.0.1", port=0, workers=2).bind_socket()
    assert sock.proto == socket.IPPROTO_TCP

    async def nodelay_of_accepted() -> int:
        seen: asyncio.Future = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):
                seen.set_result(transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        try:
            return await asyncio.wait_for(seen, 30)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(nodelay_of_accepted()) == 1
