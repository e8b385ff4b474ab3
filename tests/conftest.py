"""Shared fixtures: the real embedded network, loaded once per test session.

The network comes from `beltroad.service.default_session()`. The test session runs on a private,
temporary cache folder (`BELTROAD_CACHE`), never the user's: the first test builds the network and
the gazetteer into it, as a fresh install would. Plans that several tests look at are computed once
per session too.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from beltroad.data import DATA_DIR
from helpers import read_csv, write_csv


_CACHE = tempfile.mkdtemp(prefix="beltroad-test-cache-")  # mkdtemp makes it 0700, as the cache requires
os.environ["BELTROAD_CACHE"] = _CACHE  # set at import: before any test (or CLI subprocess) looks for a cache


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def session():
    from beltroad.service import default_session

    return default_session()


@pytest.fixture(scope="session")
def runner():
    """A CLI runner (typer's CliRunner keeps no state between invocations)."""
    from typer.testing import CliRunner

    return CliRunner()


@pytest.fixture(scope="module")
def client():
    """The HTTP API on the default session, through FastAPI's test client (server errors become 500s)."""
    from fastapi.testclient import TestClient

    from beltroad.api import create_app

    with TestClient(create_app(), base_url="http://localhost", raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def ds():
    """The embedded dataset as loaded (tables and sources), for tests that read the shipped rows."""
    from beltroad.data.loader import embedded_dataset

    return embedded_dataset()


@pytest.fixture(scope="session")
def network(session):
    return session.network


@pytest.fixture(scope="session")
def gazetteer(session):
    return session.gazetteer


@pytest.fixture(scope="session")
def cq_duisburg(session):
    """Chongqing -> Duisburg with the defaults (time objective, 3 alternatives)."""
    return session.plan("Chongqing", "Duisburg")


@pytest.fixture(scope="session")
def cq_duisburg_no_rus_blr(session):
    return session.plan("Chongqing", "Duisburg", avoid_countries=["RUS", "BLR"])


@pytest.fixture()
def dataset_copy(tmp_path) -> Path:
    """A private, editable copy of the embedded dataset folder."""
    dst = tmp_path / "network"
    shutil.copytree(DATA_DIR, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


# --------------------------------------------------------------------------- CSV editing helpers
class CsvRow:
    """Where a row lives: its file (relative to the dataset root), physical line and header."""

    def __init__(self, root: Path, path: Path, line: int, header: list[str], values: list[str]):
        self.root, self.path, self.line, self.header, self.values = root, path, line, header, values

    @property
    def file(self) -> str:
        return self.path.name

    def __getitem__(self, col: str) -> str:
        return self.values[self.header.index(col)]


def _table_files(root: Path, table: str) -> list[Path]:
    single = root / f"{table}.csv"
    return [single] if single.exists() else sorted((root / table).glob("*.csv"))


def find_row(root: Path, table: str, row_id: str) -> CsvRow:
    """Locate the row whose `id` is `row_id` (line numbers are physical: the header is line 1)."""
    for path in _table_files(root, table):
        rows = read_csv(path)
        header = rows[0]
        for i, r in enumerate(rows[1:], start=2):
            if r and r[header.index("id")] == row_id:
                return CsvRow(root, path, i, header, r)
    raise LookupError(f"{table}: no row with id {row_id!r}")


def edit_row(root: Path, table: str, row_id: str, **changes: str) -> CsvRow:
    """Change some cells of one row in place; returns where the row is."""
    loc = find_row(root, table, row_id)
    rows = read_csv(loc.path)
    for col, val in changes.items():
        rows[loc.line - 1][loc.header.index(col)] = val
    write_csv(loc.path, rows)
    return CsvRow(root, loc.path, loc.line, loc.header, rows[loc.line - 1])


def delete_row(root: Path, table: str, row_id: str) -> CsvRow:
    loc = find_row(root, table, row_id)
    rows = read_csv(loc.path)
    del rows[loc.line - 1]
    write_csv(loc.path, rows)
    return loc


def append_row(root: Path, table: str, file_name: str, values: dict[str, str]) -> CsvRow:
    """Append a row to one file of a table; returns where it landed."""
    path = next(p for p in _table_files(root, table) if p.name == file_name)
    rows = read_csv(path)
    header = rows[0]
    rows.append([values.get(c, "") for c in header])
    write_csv(path, rows)
    return CsvRow(root, path, len(rows), header, rows[-1])


@pytest.fixture(scope="session")
def csv_tools():
    """The CSV helpers, handed to tests as a namespace."""

    class Tools:
        find_row = staticmethod(find_row)
        edit_row = staticmethod(edit_row)
        delete_row = staticmethod(delete_row)
        append_row = staticmethod(append_row)

    return Tools
