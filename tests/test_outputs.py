"""Atomic outputs: `compare --out`, `skim --out` and `data export` leave the previous result or a complete new one."""
from __future__ import annotations

import errno
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from beltroad.cli import app
from beltroad.io.atomic import atomic_dir, atomic_file


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def visible(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_atomic_file_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old,complete\n")
    with pytest.raises(OSError):
        with atomic_file(target) as tmp:
            tmp.write_text("new,trunc")
            _disk_full()
    assert target.read_text() == "old,complete\n"
    assert visible(tmp_path) == ["out.csv"]
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_atomic_dir_never_mixes_two_runs(tmp_path):
    out = tmp_path / "cmp"
    with atomic_dir(out) as tmp:
        (tmp / "metadata.json").write_text('{"scenario": "A"}')
        (tmp / "pairs.csv").write_text("a\n")
    with pytest.raises(RuntimeError):
        with atomic_dir(out) as tmp:
            (tmp / "pairs.csv").write_text("b-partial")
            raise RuntimeError("killed")
    assert json.loads((out / "metadata.json").read_text())["scenario"] == "A"
    assert (out / "pairs.csv").read_text() == "a\n"
    assert list(tmp_path.iterdir()) == [out]
    with atomic_dir(out) as tmp:
        (tmp / "pairs.csv").write_text("c\n")
    assert visible(out) == ["pairs.csv"]  # the new run replaces the folder: no stale metadata.json


@pytest.fixture(scope="module")
def small_comparison(session):
    from beltroad.analysis import compare

    places = [session.resolve(q) for q in ("Chongqing", "Duisburg", "Shanghai", "Rotterdam")]
    return compare("baseline", "red-sea-closed", cities=places, session=session)


def test_compare_write_that_fails_leaves_the_previous_result(small_comparison, tmp_path, monkeypatch):
    out = tmp_path / "compare"
    small_comparison.write(out, pairs_csv=True)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {"pairs.csv", "pairs.parquet", "metadata.json", "report.md"} <= set(before)
    import beltroad.io.report as report

    monkeypatch.setattr(report, "write_report", lambda *a, **k: _disk_full())
    with pytest.raises(OSError):
        small_comparison.write(out, pairs_csv=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert visible(tmp_path) == ["compare"]


def test_skim_out_on_a_full_disk_keeps_the_old_file(session, tmp_path, monkeypatch):
    cities = tmp_path / "cities.csv"
    cities.write_text("place\nChongqing\nDuisburg\n")
    out = tmp_path / "skim.parquet"
    runner = CliRunner()
    res = runner.invoke(app, ["skim", "--cities", str(cities), "--out", str(out)])
    assert res.exit_code == 0, res.output
    good = out.read_bytes()
    assert len(pd.read_parquet(out)) == 2

    def partial(self, path, *a, **k):
        with open(path, "wb") as f:
            f.write(b"PAR1 truncated")
        _disk_full()

    monkeypatch.setattr(pd.DataFrame, "to_parquet", partial)
    res = runner.invoke(app, ["skim", "--cities", str(cities), "--out", str(out)])
    assert res.exit_code == 2 and "No space left" in " ".join(res.output.split())
    assert out.read_bytes() == good
    assert visible(tmp_path) == ["cities.csv", "skim.parquet"]


def test_export_on_a_full_disk_keeps_the_old_file(network, tmp_path, monkeypatch):
    from beltroad.io import export

    out = tmp_path / "net.geojson"
    out.write_text('{"type": "FeatureCollection", "features": []}')
    monkeypatch.setattr(export, "network_geojson", lambda net: _disk_full())
    with pytest.raises(OSError):
        export.export_network(network, "geojson", out)
    assert json.loads(out.read_text())["features"] == []
    assert visible(tmp_path) == ["net.geojson"] and len(list(tmp_path.iterdir())) == 1
