"""Layering (issue 9): the session lives below analysis, and nothing below the faces imports the service."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import beltroad
from beltroad import flows, service
from beltroad.routing import session as core

SRC = Path(beltroad.__file__).parent
# the faces: they may import the service layer (a package's cli.py is that package's face)
FACES = {"cli.py", "api", "web"}


def _is_face(path: Path) -> bool:
    rel = path.relative_to(SRC)
    return rel.parts[0] in FACES or rel.name == "cli.py"


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_nothing_below_the_faces_imports_the_service():
    modules = [p for p in SRC.rglob("*.py") if not _is_face(p) and p.name != "service.py"]
    assert len(modules) > 20  # the scan sees the package
    upward = sorted(str(p.relative_to(SRC)) for p in modules if "beltroad.service" in _imports(p))
    assert upward == []


def test_the_core_session_imports_nothing_above_routing():
    above = ("beltroad.service", "beltroad.analysis", "beltroad.appraisal", "beltroad.flows", "beltroad.cli",
             "beltroad.api")
    assert not [m for m in _imports(Path(core.__file__)) if m.startswith(above)]


def test_one_default_session_for_every_layer(session):
    assert service.default_session() is core.default_session() is session
    assert service.Session is core.Session and type(session) is core.Session
    for name in ("Session", "default_session", "gazetteer_cache_path", "PLANNERS_KEPT"):
        assert name in service.__all__ and hasattr(service, name)


def test_derived_tables_are_computed_once_per_session(session):
    s = core.Session(network=session.network)
    calls = []
    first = s.derived("test.table", lambda x: calls.append(x) or object())
    assert s.derived("test.table", lambda x: pytest.fail("computed twice")) is first
    assert calls == [s]
    assert core.Session(network=session.network).derived("test.table", lambda x: "other") == "other"


def test_flows_keeps_its_demand_in_the_session(session):
    s = core.Session(network=session.network)
    kept = object()
    s.derived("flows.demand", lambda _: kept)
    assert flows.baseline_demand(s) is kept  # read from the session's derived tables, not recomputed


# The data flow (README, "Layout"): a module imports only its own layer and the layers before it.
LAYER_RANK = {"data": 0, "network": 1, "io": 2, "places": 2, "request": 3, "scenario": 3, "routing": 4,
              "analysis": 5, "appraisal": 5, "flows": 5, "energy": 5, "digital": 5, "service": 6}


def _layer(name: str) -> str:
    return name.split(".")[1] if name.startswith("beltroad.") and name.count(".") >= 1 else ""


def test_every_core_module_imports_only_its_layer_and_those_below():
    against = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if _is_face(path) or rel.parts[0] == "__init__.py":
            continue
        own = rel.parts[0].removesuffix(".py")
        assert own in LAYER_RANK, f"{rel}: a module outside the known layers"
        for name in _imports(path):
            used = _layer(name)
            if used and used in LAYER_RANK and LAYER_RANK[used] > LAYER_RANK[own]:
                against.append(f"{rel} imports {name}")
            elif used and used not in LAYER_RANK and used != "__version__":
                against.append(f"{rel} imports {name}, which is a face or unknown")
    assert against == []
