"""Helpers shared by several test files (fixtures live in conftest.py): CLI runs, CSV editing, data-check issues,
sea legs and the point-search oracle check.

Test files import them as `from helpers import ...` (pytest puts this folder on the path).
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner


def squash(text: str) -> str:
    """Undo rich's line wrapping so that messages can be matched."""
    return re.sub(r"\s+", " ", text)


def run(runner: CliRunner, *args: str):
    """Invoke the CLI; a failure must be a clean exit with a message, never an escaped exception."""
    from beltroad.cli import app

    res = runner.invoke(app, list(args))
    assert "Traceback" not in res.output
    if res.exit_code != 0:
        assert isinstance(res.exception, SystemExit), repr(res.exception)
    return res


def run_json(runner: CliRunner, *args: str):
    """Invoke the CLI, require success, and parse its whole output as JSON (so nothing else is printed, on stdout
    or on stderr)."""
    res = run(runner, *args)
    assert res.exit_code == 0, res.output
    assert res.stderr == "", res.stderr
    return json.loads(res.stdout)


def read_csv(path: Path) -> list[list[str]]:
    """Every row of a CSV file, the header first."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    """Write rows back as the dataset writes them (\\n line ends)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def issue_at(issues, rule: str, row_id: str, file: str, line: int, *, contains: str | None = None,
             table: str | None = None):
    """The first issue of `rule` about `row_id` that points at file:line (and names `table`, mentions `contains`
    where given) and says so at the start of its text; fails with what was found instead."""
    hits = [i for i in issues if i.rule == rule and i.row_id == row_id and (table is None or i.table == table)]
    assert hits, f"no [{rule}] issue for {row_id!r}; got: " + "; ".join(map(str, issues[:12]))
    at_row = [i for i in hits if i.file == file and i.line == line]
    assert at_row, f"[{rule}] {row_id!r} should point at {file}:{line}, got {[str(i) for i in hits]}"
    if contains is not None:
        at_row = [i for i in at_row if contains in i.message]
        assert at_row, f"no [{rule}] message for {row_id!r} mentions {contains!r}: {[str(i) for i in hits]}"
    hit = at_row[0]
    assert str(hit).startswith(f"{file}:{line} [{rule}] {hit.table} '{row_id}'")  # the one-line form people read
    return hit


def sea_legs(route) -> list:
    """The sailings of a planned route."""
    return [leg for leg in route.legs if leg.mode == "sea"]


def one_sailing(session, origin: str, destination: str):
    """The best sea route between two places, required to be a single sailing: (route, that sea leg)."""
    route = session.plan(origin, destination, mode="sea").routes[0]
    legs = sea_legs(route)
    assert len(legs) == 1, [(leg.from_place, leg.to_place) for leg in legs]
    return route, legs[0]


def assert_same_path_cost(ours, oracle, data, origin_w, dest_w) -> None:
    """A point search against its oracle: both find a path or neither; found paths cost the same (edge weights
    `data` along the path plus the chosen origin and destination access weights)."""
    assert (ours is None) == (oracle is None)
    if ours is not None:
        def cost(p):
            return float(data[p[0]].sum() + origin_w[p[1]] + dest_w[p[2]])
        assert cost(ours) == pytest.approx(cost(oracle), rel=1e-9, abs=1e-9)


def best_route(session, origin: str, destination: str, mode: str, **kw):
    """The best route of a trip in one mode (one alternative)."""
    return session.plan(origin, destination, mode=mode, alternatives=1, **kw).routes[0]


def assert_lengths_sourced(ds, link_ids: list[str]) -> None:
    """Each link has a published or measured length and sources that resolve in the dataset's source table."""
    links = ds.links.set_index("id")
    known = set(ds.sources["id"])
    for link in link_ids:
        row = links.loc[link]
        assert row["length_basis"] in {"published", "measured"}, (link, row["length_basis"])
        assert row["length_km"] > 0
        assert set(row["source"].split(";")) <= known, link
