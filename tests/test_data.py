"""The embedded dataset: loading, the validation rules of `check_dataset`, and coverage of the BRI network.

Every validation rule is exercised on a private copy of the real dataset with one row broken, and the
issue must name the rule, the row id and the file/line of that row.
"""
from __future__ import annotations

import csv
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from beltroad.data import DATA_DIR, Dataset, check_dataset, embedded_dataset, load_dataset
from beltroad.data.loader import (CROSSING_COLUMNS, LINK_COLUMNS, NODE_COLUMNS, PROJECT_COLUMNS, SOURCE_COLUMNS,
                                  DataError)
from beltroad.data.validate import MAX_CIRCUITY
from beltroad.data.geo import haversine_km
from helpers import issue_at

EUROPE = {"POL", "DEU", "NLD", "BEL", "FRA", "ESP", "PRT", "ITA", "AUT", "CZE", "SVK", "HUN", "SVN", "HRV", "ROU",
          "BGR", "GRC", "FIN", "SWE", "DNK", "LUX", "IRL", "GBR", "CHE", "NOR", "SRB", "MKD", "BIH", "MNE", "ALB",
          "LTU", "LVA", "EST"}
TERMINALS = {"rail_terminal", "seaport", "city"}


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return embedded_dataset()


def _rail_nodes(ds: Dataset) -> set[str]:
    rail = ds.links[ds.links["mode"].eq("rail")]
    return set(rail["from"]) | set(rail["to"])


def issues_of(root) -> list:
    return check_dataset(load_dataset(root))


def assert_issue(issues, rule: str, row, *, row_id: str | None = None, contains: str | None = None):
    """An issue of `rule` names the row (id, file, line) and, optionally, a text in its message."""
    row_id = row_id if row_id is not None else row["id"]
    return issue_at(issues, rule, row_id, row.file, row.line, contains=contains)


# ------------------------------------------------------------------------------------------ loading
def test_loader_returns_dataframes_with_the_documented_columns(ds):
    for df, cols in ((ds.nodes, NODE_COLUMNS), (ds.links, LINK_COLUMNS), (ds.crossings, CROSSING_COLUMNS),
                     (ds.sources, SOURCE_COLUMNS), (ds.projects, PROJECT_COLUMNS)):
        assert isinstance(df, pd.DataFrame)
        assert len(df) > 0
        assert set(cols) <= set(df.columns)
        assert {"_file", "_line"} <= set(df.columns)
        assert (df["_line"] >= 2).all()  # the header is line 1
    assert ds.load_errors == []
    assert ds.root == DATA_DIR
    assert re.fullmatch(r"[0-9a-f]{16}", ds.content_hash)


def test_numeric_columns_are_parsed_and_estimated_lengths_are_filled(ds):
    assert pd.api.types.is_float_dtype(ds.nodes["lat"]) and pd.api.types.is_float_dtype(ds.nodes["lon"])
    assert pd.api.types.is_numeric_dtype(ds.links["length_km"])
    assert ds.links["length_km"].notna().all()
    est = ds.links[ds.links["length_basis"].eq("estimated")]
    assert len(est) > 0
    factor = ds.params["circuity"]["rail"]["value"]
    rail_est = est[est["mode"].eq("rail")]
    # an estimated rail length is the great circle times the sourced rail circuity factor
    np.testing.assert_allclose(rail_est["length_km"], rail_est["gc_km"] * factor, rtol=1e-9)


def test_row_file_and_line_point_at_the_physical_csv_line(ds):
    row = ds.nodes[ds.nodes["id"].eq("dostyk")].iloc[0]
    path = next(p for p in (DATA_DIR / "nodes").glob("*.csv") if p.name == row["_file"])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[int(row["_line"]) - 1].startswith("dostyk,")


def test_param_lookup(ds):
    assert ds.param("rail", "commercial_speed_kmh", "eu") > 0
    assert ds.param("rail", "terminal_transfer", key="hours") > 0
    with pytest.raises(KeyError):
        ds.param("rail", "no_such_parameter")


def test_load_dataset_of_a_missing_folder_raises_data_error(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_dataset(tmp_path / "nope")


def test_shipped_dataset_passes_every_rule(ds):
    issues = check_dataset(ds)
    assert issues == [], "\n".join(map(str, issues[:20]))


def test_an_unchanged_copy_passes_too(dataset_copy):
    # guards the copy/edit helpers used below: rewriting every CSV with the csv module changes nothing
    for path in dataset_copy.rglob("*.csv"):
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
    assert issues_of(dataset_copy) == []


# ------------------------------------------------------------------------------------------ one rule each
# One private copy of the dataset gets many independent breaks, each on its own row (rows far from each other's
# edits), and is validated once; every case then checks that its issue names the rule, the row id and the row's
# file:line. Breaks that need a dataset otherwise intact (deletions, exact issue sets) get their own copy below.
def _published_links(ds: Dataset, min_gc_km: float = 100.0) -> list[str]:
    pub = ds.links[ds.links["length_basis"].eq("published") & (ds.links["gc_km"] > min_gc_km)]
    return list(pub["id"])


class _Picker:
    """Distinct rows of the real dataset to break, so that breaks do not interact."""

    def __init__(self, ds: Dataset):
        self.ds = ds
        self.used: set[str] = set()
        self.reserved_nodes: set[str] = set()

    def link(self, basis: str = "estimated") -> str:
        links = self.ds.links
        free = links[links["length_basis"].eq(basis) & links["mode"].eq("rail") & (links["gc_km"] > 100)]
        for lid, a, b in zip(free["id"], free["from"], free["to"]):
            if lid not in self.used and not {a, b} & self.reserved_nodes:
                self.used.add(lid)
                self.reserved_nodes |= {a, b}
                return lid
        raise LookupError("no free link")

    def node(self) -> str:
        for r in self.ds.nodes[self.ds.nodes["kind"].eq("junction")].itertuples():
            if r.id not in self.used and r.id not in self.reserved_nodes:
                self.used.add(r.id)
                return r.id
        raise LookupError("no free node")

    def crossing(self, kind: str) -> str:
        for r in self.ds.crossings[self.ds.crossings["kind"].eq(kind)].itertuples():
            if r.id not in self.used:
                self.used.add(r.id)
                return r.id
        raise LookupError("no free crossing")


# case -> (rule, text the message must contain; None: any)
CASES = {
    "duplicate link id (original row)": ("duplicate-id", "more than once"),
    "duplicate link id (appended row)": ("duplicate-id", "more than once"),
    "duplicate node id": ("duplicate-id", None),
    "duplicate source id": ("duplicate-id", None),
    "link from unknown node": ("dangling-reference", "from node 'no_such_node'"),
    "link to unknown node": ("dangling-reference", "to node 'no_such_node'"),
    "border crossing on unknown link": ("dangling-reference", "link 'no_such_link'"),
    "gauge change at unknown node": ("dangling-reference", "node 'no_such_node'"),
    "link built by unknown project": ("dangling-reference", "project 'P99'"),
    "latitude out of range": ("coordinates", "out of range"),
    "longitude out of range": ("coordinates", "out of range"),
    "latitude missing": ("coordinates", "missing"),
    "latitude not a number": ("coordinates", None),
    "length under the great circle": ("length", "under the great-circle"),
    f"length over {MAX_CIRCUITY}x the great circle": ("length", f"over {MAX_CIRCUITY}x"),
    "link without source": ("missing-source", "no source"),
    "node without source": ("missing-source", "no source"),
    "crossing without source": ("missing-source", "no source"),
    "project without source": ("missing-source", "no source"),
    "source without citation": ("missing-source", "citation"),
    "link cites unknown source": ("unknown-source", "S-NOPE-1999"),
    "node cites unknown source": ("unknown-source", "S-NOPE-1999"),
    "project cites unknown source": ("unknown-source", "S-NOPE-1999"),
    "node kind": ("bad-value", "spaceport"),
    "node country": ("bad-value", "'KZ' is not an ISO3"),
    "node locode": ("bad-value", "KZ-DOS"),
    "link mode": ("bad-value", "hyperloop"),
    "link status": ("bad-value", "rumoured"),
    "link length_basis": ("bad-value", "guessed"),
    "link class for its mode": ("bad-value", "road_motorway"),
    "rail gauge": ("bad-value", "1600"),
    "link joins a node to itself": ("bad-value", "itself"),
    "crossing kind": ("bad-value", "toll_gate"),
    "gauge change without gauges": ("bad-value", "gauge_from_mm and gauge_to_mm"),
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory, ds, csv_tools):
    root = tmp_path_factory.mktemp("broken") / "network"
    shutil.copytree(DATA_DIR, root)
    t, pick, rows = csv_tools, _Picker(ds), {}

    def cite_unknown(table: str, row_id: str):
        """Add an unknown source id to the row's citations."""
        return t.edit_row(root, table, row_id, source=t.find_row(root, table, row_id)["source"] + ";S-NOPE-1999")

    def append_copy(table: str, row_id: str):
        """(the row, its copy appended to europe.csv): a duplicate id."""
        row = t.find_row(root, table, row_id)
        return row, t.append_row(root, table, "europe.csv", dict(zip(row.header, row.values)))

    # links first: the nodes broken afterwards are none of their ends
    gc = ds.links.set_index("id")["gc_km"]
    for case, factor in (("length under the great circle", 0.5),
                         (f"length over {MAX_CIRCUITY}x the great circle", MAX_CIRCUITY + 0.5)):
        lid = pick.link("published")
        rows[case] = t.edit_row(root, "links", lid, length_km=str(round(factor * gc[lid], 1)))
    rows["link built by unknown project"] = t.edit_row(root, "links", pick.link("published"), project="P99")
    edits = {
        "link from unknown node": {"from": "no_such_node"},
        "link to unknown node": {"to": "no_such_node"},
        "link without source": {"source": ""},
        "link mode": {"mode": "hyperloop"},
        "link status": {"status": "rumoured"},
        "link length_basis": {"length_basis": "guessed"},
        "link class for its mode": {"class": "road_motorway"},
        "rail gauge": {"gauge_mm": "1600"},
    }
    for case, change in edits.items():
        rows[case] = t.edit_row(root, "links", pick.link(), **change)
    rows["link cites unknown source"] = cite_unknown("links", pick.link())
    lid = pick.link()
    rows["link joins a node to itself"] = t.edit_row(root, "links", lid, to=t.find_row(root, "links", lid)["from"])
    original, copy = append_copy("links", pick.link())
    rows["duplicate link id (original row)"], rows["duplicate link id (appended row)"] = original, copy
    # nodes
    node_edits = {
        "latitude out of range": {"lat": "123.0"},
        "longitude out of range": {"lon": "-200"},
        "latitude missing": {"lat": ""},
        "latitude not a number": {"lat": "45.2N"},
        "node without source": {"source": ""},
        "node kind": {"kind": "spaceport"},
        "node country": {"country": "KZ"},
        "node locode": {"locode": "KZ-DOS"},
    }
    for case, change in node_edits.items():
        rows[case] = t.edit_row(root, "nodes", pick.node(), **change)
    rows["node cites unknown source"] = cite_unknown("nodes", pick.node())
    rows["duplicate node id"] = append_copy("nodes", pick.node())[1]
    # crossings, projects, sources
    rows["border crossing on unknown link"] = t.edit_row(root, "crossings", pick.crossing("border"), link="no_such_link")
    rows["crossing without source"] = t.edit_row(root, "crossings", pick.crossing("border"), source="")
    rows["crossing kind"] = t.edit_row(root, "crossings", pick.crossing("border"), kind="toll_gate")
    rows["gauge change at unknown node"] = t.edit_row(root, "crossings", pick.crossing("gauge_change"),
                                                      node="no_such_node")
    rows["gauge change without gauges"] = t.edit_row(root, "crossings", pick.crossing("gauge_change"), gauge_to_mm="")
    rows["project without source"] = t.edit_row(root, "projects", "P01", source="")
    rows["project cites unknown source"] = cite_unknown("projects", "P02")
    rows["source without citation"] = t.edit_row(root, "sources", "S-SEAROUTE", citation="")
    rows["duplicate source id"] = append_copy("sources", "REF-T1.1")[1]
    assert set(rows) == set(CASES)
    return check_dataset(load_dataset(root)), rows


@pytest.mark.parametrize("case", list(CASES))
def test_rule_names_the_broken_row(broken, case):
    issues, rows = broken
    rule, contains = CASES[case]
    row = rows[case]
    hit = assert_issue(issues, rule, row, contains=contains)
    assert hit.table == str(row.path.parent.name if row.path.parent.name != "network" else row.path.stem)


def test_every_rule_is_exercised(broken):
    issues, _ = broken
    assert {"duplicate-id", "dangling-reference", "coordinates", "length", "missing-source", "unknown-source",
            "bad-value", "gauge-mismatch", "load"} <= {i.rule for i in issues}


def test_non_numeric_coordinate_is_also_a_load_error_with_file_and_line(broken):
    issues, rows = broken
    row = rows["latitude not a number"]
    load = [i for i in issues if i.rule == "load"]
    assert any(f"{row.file}:{row.line}" in i.message and "45.2N" in i.message for i in load), load


def test_lengths_inside_the_plausible_band_pass(dataset_copy, csv_tools, ds):
    """Just under the circuity limit, and exactly the great circle, are both accepted."""
    gc = ds.links.set_index("id")["gc_km"]
    long_id, straight_id = _published_links(ds)[:2]
    csv_tools.edit_row(dataset_copy, "links", long_id, length_km=str(round((MAX_CIRCUITY - 0.1) * gc[long_id], 1)))
    csv_tools.edit_row(dataset_copy, "links", straight_id, length_km=f"{gc[straight_id] + 0.1:.1f}")
    assert issues_of(dataset_copy) == []


def test_published_link_without_a_length_is_reported(dataset_copy, csv_tools, ds):
    row = csv_tools.edit_row(dataset_copy, "links", _published_links(ds)[0], length_km="")
    assert_issue(issues_of(dataset_copy), "length", row)


def test_rule_gauge_mismatch_without_gauge_change_crossing(dataset_copy, csv_tools, ds):
    csv_tools.delete_row(dataset_copy, "crossings", "gc_malaszewicze")
    issues = issues_of(dataset_copy)
    assert [i.rule for i in issues] == ["gauge-mismatch"], [str(i) for i in issues]
    hit = issues[0]
    assert "'malaszewicze'" in hit.message and "1435" in hit.message and "1520" in hit.message
    # the issue names one of the rail links that meet there, at that link's file and line
    at_node = ds.links[ds.links["mode"].eq("rail") & (ds.links["from"].eq("malaszewicze") | ds.links["to"].eq("malaszewicze"))]
    assert hit.row_id in set(at_node["id"])
    link = csv_tools.find_row(dataset_copy, "links", hit.row_id)
    assert (hit.file, hit.line) == (link.file, link.line)


def test_rule_gauge_mismatch_after_regauging_a_link(dataset_copy, csv_tools):
    # a 1435 mm link on the Polish-German border re-tagged 1520 mm: breaks of gauge at both ends, no facility
    csv_tools.edit_row(dataset_copy, "links", "kunowice__frankfurt_oder", gauge_mm="1520")
    issues = issues_of(dataset_copy)
    assert {i.rule for i in issues} == {"gauge-mismatch"}
    assert {m for i in issues for m in ("'kunowice'", "'frankfurt_oder'") if m in i.message} == {"'kunowice'",
                                                                                                  "'frankfurt_oder'"}


def test_rule_unreachable_node(dataset_copy, csv_tools):
    row = csv_tools.append_row(dataset_copy, "nodes", "europe.csv", {
        "id": "lonely_junction", "name": "Lonely Junction", "kind": "junction", "country": "POL",
        "lat": "50.1", "lon": "20.1", "source": "S-SEAROUTE"})
    issues = issues_of(dataset_copy)
    hit = assert_issue(issues, "unreachable", row, contains="not connected")
    assert hit.table == "nodes"
    assert [i.row_id for i in issues] == ["lonely_junction"]


def test_an_unlinked_seaport_is_reachable_by_sea(dataset_copy, csv_tools):
    csv_tools.append_row(dataset_copy, "nodes", "europe.csv", {
        "id": "lonely_port", "name": "Lonely Port", "kind": "seaport", "country": "PRT",
        "lat": "38.5", "lon": "-9.0", "source": "S-SEAROUTE"})
    assert issues_of(dataset_copy) == []


def test_deleting_a_cited_source_makes_its_citers_unknown(dataset_copy, csv_tools, ds):
    csv_tools.delete_row(dataset_copy, "sources", "REF-T1.1")
    citers = {r["id"] for _, r in ds.nodes.iterrows() if "REF-T1.1" in r["source"].split(";")}
    assert citers
    issues = issues_of(dataset_copy)
    assert {i.rule for i in issues} == {"unknown-source"}
    assert citers <= {i.row_id for i in issues if i.table == "nodes"}


def test_missing_column_is_a_load_error(dataset_copy):
    path = dataset_copy / "links" / "europe.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    col = rows[0].index("status")
    rows = [r[:col] + r[col + 1:] for r in rows]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    issues = issues_of(dataset_copy)
    assert any(i.rule == "load" and i.file == "europe.csv" and "status" in i.message for i in issues)


def test_breaking_one_row_does_not_change_the_shipped_dataset(ds):
    # the edits above work on copies; the embedded tables are untouched
    assert check_dataset(load_dataset(DATA_DIR)) == []


# ------------------------------------------------------------------------------------------ CLI
def test_cli_data_check_ok_on_the_shipped_dataset():
    from beltroad.cli import app

    res = CliRunner().invoke(app, ["data", "check"])
    assert res.exit_code == 0, res.output
    assert "ok" in res.stdout


def test_cli_data_check_reports_the_broken_row(dataset_copy, csv_tools):
    from beltroad.cli import app

    row = csv_tools.edit_row(dataset_copy, "links", "dostyk__aktogay", to="no_such_node")
    res = CliRunner().invoke(app, ["data", "check", "--path", str(dataset_copy)])
    assert res.exit_code != 0
    assert "Traceback" not in res.output
    expected = f"{row.file}:{row.line} [dangling-reference] links 'dostyk__aktogay'"
    assert expected in res.stderr
    assert "no_such_node" in res.stderr


def test_cli_data_check_of_a_missing_folder_is_bad_input(tmp_path):
    from beltroad.cli import app

    res = CliRunner().invoke(app, ["data", "check", "--path", str(tmp_path / "nope")])
    assert res.exit_code == 2
    assert "not found" in res.stderr and "Traceback" not in res.output


# ------------------------------------------------------------------------------------------ coverage
@pytest.mark.parametrize("countries,at_least,hubs", [
    ({"CHN"}, 25, {"chongqing", "chengdu", "xian", "zhengzhou", "wuhan", "yiwu"}),
    (EUROPE, 10, {"duisburg", "lodz", "malaszewicze", "hamburg"}),
], ids=["china", "europe"])
def test_rail_terminal_coverage(ds, countries, at_least, hubs):
    rail = _rail_nodes(ds)
    found = ds.nodes[ds.nodes["country"].isin(countries) & ds.nodes["kind"].isin(TERMINALS) & ds.nodes["id"].isin(rail)]
    assert len(found) >= at_least, sorted(found["id"])
    assert hubs <= set(found["id"])


@pytest.mark.parametrize("a,b,ca,cb", [("alashankou", "dostyk", "CHN", "KAZ"), ("khorgos", "altynkol", "CHN", "KAZ"),
                                       ("erenhot", "zamyn_uud", "CHN", "MNG"),
                                       ("manzhouli", "zabaikalsk", "CHN", "RUS")])
def test_the_four_chinese_rail_exits_are_border_links(ds, a, b, ca, cb):
    nodes = ds.nodes.set_index("id")
    assert nodes.at[a, "country"] == ca and nodes.at[b, "country"] == cb
    links = ds.links
    joining = links[((links["from"] == a) & (links["to"] == b)) | ((links["from"] == b) & (links["to"] == a))]
    rail = joining[joining["mode"].eq("rail") & joining["status"].eq("open")]
    assert len(rail) >= 1
    border = ds.crossings[ds.crossings["kind"].eq("border") & ds.crossings["link"].isin(rail["id"])]
    assert len(border) >= 1
    assert {frozenset((r["from_country"], r["to_country"])) for _, r in border.iterrows()} == {frozenset((ca, cb))}
    # gauge break: a gauge-change facility on one side of every exit
    gc = ds.crossings[ds.crossings["kind"].eq("gauge_change")]
    assert set(gc["node"]) & {a, b}


def test_every_row_cites_a_known_source(ds):
    known = set(ds.sources["id"])
    assert ds.sources["citation"].ne("").all()
    for name in ("nodes", "links", "crossings", "projects"):
        df = getattr(ds, name)
        assert df["source"].ne("").all(), f"{name} rows without a source"
        cited = {s.strip() for v in df["source"] for s in v.split(";") if s.strip()}
        assert cited <= known, f"{name}: undefined sources {sorted(cited - known)[:5]}"


def test_projects_p01_to_p30_exist(ds):
    ids = set(ds.projects["id"])
    assert {f"P{i:02d}" for i in range(1, 31)} <= ids
    p = ds.projects.set_index("id")
    assert p.loc[[f"P{i:02d}" for i in range(1, 31)], "name"].ne("").all()


def test_projects_are_referenced_by_links(ds):
    used = set(ds.links["project"]) - {""}
    assert used and used <= set(ds.projects["id"])


def test_published_lengths_are_plausible_against_the_great_circle(ds):
    measured = ds.links[ds.links["length_basis"].isin(["published", "derived"])]
    ratio = measured["length_km"] / measured["gc_km"]
    assert (ratio >= 0.98).all() and (ratio <= MAX_CIRCUITY).all()
    # and the great circle itself is what geo.haversine_km says
    n = ds.nodes.set_index("id")
    r = measured.iloc[0]
    gc = float(haversine_km(n.at[r["from"], "lat"], n.at[r["from"], "lon"], n.at[r["to"], "lat"], n.at[r["to"], "lon"]))
    assert gc == pytest.approx(float(r["gc_km"]))


def test_shipped_country_shapes_have_clean_names_and_iso3():
    import json

    from beltroad.data import COUNTRIES_GEOJSON

    feats = json.loads(COUNTRIES_GEOJSON.read_text(encoding="utf-8"))["features"]
    assert len(feats) > 200
    for f in feats:
        name, iso = f["properties"]["name"], f["properties"]["iso3"]
        assert "Ã" not in name and "â€" not in name, name  # no mojibake
        assert len(iso) == 3 and iso.isupper(), iso
