"""The container-port register (ports.csv): its `data check` rules, each proven on a broken copy, and its coverage.

Breaks go into one private copy of the real dataset, each on its own row, and the copy is validated once; every
case then checks that its issue names the rule, the port's locode and the row's file and line.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from beltroad.data import DATA_DIR, Dataset, check_dataset, embedded_dataset, load_dataset
from beltroad.data.loader import PORT_COLUMNS
from beltroad.data.validate import (PORT_COAST_MAX_KM, PORT_MARNET_MAX_KM, PORT_NODE_MAX_KM, PORT_ROLES,
                                    check_ports)
from beltroad.data.geo import haversine_km
from helpers import issue_at, read_csv, write_csv


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return embedded_dataset()


# ------------------------------------------------------------------------------------------ csv helpers (keyed by locode)
def edit_port(root: Path, code: str, **changes: str) -> int:
    """Change cells of the register row of locode `code`; returns its physical line (header is line 1)."""
    path = root / "ports.csv"
    rows = read_csv(path)
    col = rows[0].index("locode")
    line = next(i for i, r in enumerate(rows[1:], start=2) if r[col] == code)
    for name, value in changes.items():
        rows[line - 1][rows[0].index(name)] = value
    write_csv(path, rows)
    return line


def append_port(root: Path, values: dict[str, str]) -> int:
    path = root / "ports.csv"
    rows = read_csv(path)
    rows.append([values.get(c, "") for c in rows[0]])
    write_csv(path, rows)
    return len(rows)


def port_row(root: Path, locode: str) -> dict[str, str]:
    rows = read_csv(root / "ports.csv")
    return next(dict(zip(rows[0], r)) for r in rows[1:] if r[rows[0].index("locode")] == locode)


# Inland cities that searoute's port list calls "major" ports; none is a container seaport.
INLAND = {
    "SKBTS": ("Bratislava", "SVK", "48.140", "17.110"),
    "SARUH": ("Riyadh", "SAU", "24.710", "46.680"),
    "ZWHRE": ("Harare", "ZWE", "-17.830", "31.050"),
    "PLWAW": ("Warsaw", "POL", "52.230", "21.010"),
    "BGSOF": ("Sofia", "BGR", "42.700", "23.320"),
    "USSLC": ("Salt Lake City", "USA", "40.760", "-111.890"),
}

# case -> (locode of the broken row, rule, text the message must contain)
CASES = {
    "duplicate locode": ("NLRTM", "duplicate-id", "more than once"),
    "locode not a UN/LOCODE": ("CN-XM", "bad-value", "not a UN/LOCODE"),
    "locode country differs from country": ("CNTSN", "locode-country", "CHN, the row says JPN"),
    "country not ISO3": ("ESALG", "bad-value", "'ES' is not an ISO3"),
    "role not in the enum": ("MYTPP", "bad-value", "megahub"),
    "latitude out of range": ("GRPIR", "coordinates", "out of range"),
    "TEU not positive": ("KEMBA", "bad-value", "teu_thousand -5 is not positive"),
    "TEU without year": ("LKCMB", "bad-value", "without teu_year"),
    "year not a year": ("MAPTM", "bad-value", "teu_year 23.5 is not a year"),
    "dwell not positive": ("TZDAR", "bad-value", "container_dwell_days 0 is not positive"),
    "unknown node": ("DJJIB", "dangling-reference", "node 'no_such_node'"),
    "node far from the port": ("SGSIN", "port-node", "node 'rotterdam'"),
    "unknown source": ("BEANR", "unknown-source", "S-NOPE-1999"),
    "no source": ("DEHAM", "missing-source", "no source"),
    "river port without a note": ("DEDUI", "bad-value", "waterway"),
    "Haikou placed at Wuhan": ("CNHAK", "port-coast", "km from the coast"),
    **{f"inland city {name} as a port": (code, "port-coast", "not a seaport") for code, (name, *_rest) in INLAND.items()},
    **{f"inland city {name} far from a lane": (code, "port-marnet", "shipping lane") for code, (name, *_rest) in INLAND.items()
       if name in {"Riyadh", "Harare", "Warsaw", "Salt Lake City", "Bratislava", "Sofia"}},
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    root = tmp_path_factory.mktemp("ports_broken") / "network"
    shutil.copytree(DATA_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    lines: dict[str, int] = {}
    lines["duplicate locode"] = append_port(root, port_row(root, "NLRTM"))  # the appended copy is the case row
    edits = {  # case -> (locode of the row to edit, the broken fields)
        "locode not a UN/LOCODE": ("CNXMN", {"locode": "CN-XM"}),
        "locode country differs from country": ("CNTSN", {"country": "JPN"}),
        "country not ISO3": ("ESALG", {"country": "ES"}),
        "role not in the enum": ("MYTPP", {"role": "megahub"}),
        "latitude out of range": ("GRPIR", {"lat": "123.0"}),
        "TEU not positive": ("KEMBA", {"teu_thousand": "-5"}),
        "TEU without year": ("LKCMB", {"teu_year": ""}),
        "year not a year": ("MAPTM", {"teu_year": "23.5"}),
        "dwell not positive": ("TZDAR", {"container_dwell_days": "0"}),
        "unknown node": ("DJJIB", {"node": "no_such_node"}),
        "node far from the port": ("SGSIN", {"node": "rotterdam"}),
        "unknown source": ("BEANR", {"source": port_row(root, "BEANR")["source"] + ";S-NOPE-1999"}),
        "no source": ("DEHAM", {"source": ""}),
        "river port without a note": ("DEDUI", {"notes": ""}),
        "Haikou placed at Wuhan": ("CNHAK", {"lat": "30.565", "lon": "114.258"}),  # searoute's position
    }
    for case, (locode, fields) in edits.items():
        lines[case] = edit_port(root, locode, **fields)
    for code, (name, iso3, lat, lon) in INLAND.items():
        line = append_port(root, {"locode": code, "name": name, "country": iso3, "lat": lat, "lon": lon,
                                  "role": "gateway", "source": "S-SEAROUTE"})
        lines[f"inland city {name} as a port"] = line
        lines[f"inland city {name} far from a lane"] = line
    assert set(lines) == set(CASES)
    return check_dataset(load_dataset(root)), lines


@pytest.mark.parametrize("case", list(CASES))
def test_port_rule_names_the_broken_row(broken, case):
    issues, lines = broken
    locode, rule, contains = CASES[case]
    issue_at(issues, rule, locode, "ports.csv", lines[case], contains=contains, table="ports")


def test_only_the_broken_rows_are_reported(broken):
    issues, lines = broken
    port_issues = [i for i in issues if i.table == "ports"]
    assert {i.row_id for i in port_issues} == {locode for locode, _, _ in CASES.values()}
    # besides the case rows, only the original Rotterdam row (the other half of the duplicate) is named
    extra = {(i.row_id, i.rule) for i in port_issues if i.line not in set(lines.values())}
    assert extra == {("NLRTM", "duplicate-id")}


def test_a_moved_dataset_node_is_caught(tmp_path, ds):
    """Moving a seaport node 100 km inland makes its register row disagree with it."""
    root = tmp_path / "network"
    shutil.copytree(DATA_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    path = next(p for p in (root / "nodes").glob("*.csv") if any(r and r[0] == "mombasa" for r in read_csv(p)))
    rows = read_csv(path)
    head = rows[0]
    for r in rows:
        if r and r[0] == "mombasa":
            r[head.index("lat")] = str(float(r[head.index("lat")]) + 0.9)
    write_csv(path, rows)
    issues = [i for i in check_dataset(load_dataset(root)) if i.table == "ports"]
    assert [(i.rule, i.row_id) for i in issues] == [("port-node", "KEMBA")]


def test_a_river_port_may_lie_inland_but_a_sea_port_may_not(tmp_path):
    root = tmp_path / "network"
    shutil.copytree(DATA_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    assert port_row(root, "CNCKG")["role"] == "river"  # Chongqing, ~870 km up the Yangtze
    edit_port(root, "CNCKG", role="gateway")
    issues = [i for i in check_dataset(load_dataset(root)) if i.table == "ports"]
    assert {(i.rule, i.row_id) for i in issues} == {("port-coast", "CNCKG"), ("port-marnet", "CNCKG")}


def test_ports_rules_are_skipped_without_a_register(tmp_path):
    root = tmp_path / "network"
    shutil.copytree(DATA_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "ports.csv").unlink()
    ds = load_dataset(root)
    assert ds.ports.empty and list(ds.ports.columns[: len(PORT_COLUMNS)]) == PORT_COLUMNS
    assert check_dataset(ds) == []


# ------------------------------------------------------------------------------------------ the shipped register
def test_loader_reads_the_register_and_hashes_it(ds, tmp_path):
    assert list(ds.ports.columns[: len(PORT_COLUMNS)]) == PORT_COLUMNS
    assert ds.ports["lat"].dtype.kind == "f" and ds.ports["teu_thousand"].dtype.kind == "f"
    root = tmp_path / "network"
    shutil.copytree(DATA_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    assert load_dataset(root).content_hash == ds.content_hash
    edit_port(root, "SGSIN", notes="edited")
    assert load_dataset(root).content_hash != ds.content_hash


def test_shipped_register_passes_its_rules(ds):
    assert check_ports(ds) == []


def test_header_and_order_are_diff_friendly():
    rows = read_csv(DATA_DIR / "ports.csv")
    assert rows[0] == PORT_COLUMNS
    keys = [(r[2], r[0]) for r in rows[1:]]
    assert keys == sorted(keys), "rows must be sorted by country, then locode"
    assert all(len(r[3].split(".")[-1]) == 3 and len(r[4].split(".")[-1]) == 3 for r in rows[1:]), "3-decimal positions"


def test_at_least_150_sea_ports_with_every_role(ds):
    p = ds.ports
    assert (p["role"] != "river").sum() >= 150
    assert set(p["role"]) == PORT_ROLES


BRI_PORTS = [
    "GRPIR", "PKGWD", "PKKHI", "PKBQM", "LKHBA", "LKCMB", "BDCGP", "DJJIB", "KEMBA", "KELAU", "TZDAR", "MMKYP",
    "PECHY", "MYKUA", "MYMKZ", "KHKOS", "ILHFA", "ITTRS", "SIKOP", "HRRJK", "ESVLC", "GEPTI", "GEBUS", "ROCND",
    "RUNVS", "UAODS", "KZAAU", "KZKUR", "AZBAK", "TMKRW", "IRBAZ", "IRBND", "IRZBR", "CNQZH", "CNFAN", "CNBHY",
    "CNLYG", "CNTSN", "CNDLC", "CNYIK", "RUVVO", "RULED", "PLGDN", "LTKLJ", "DEHAM",
]  # Anaklia and Bagamoyo are planned ports without a UN/LOCODE found: docs/data.md explains their absence
RIVER_PORTS = ["CNCKG", "CNYIC", "CNWUH", "CNJIU", "CNWHI", "CNNKG", "CNTAC", "CNZJG", "DEDUI", "DENSS", "DECGN",
               "DEMHG", "CHBSL", "RUASF", "RURND", "ATVIE", "HUBUD"]


def test_bri_corridor_ports_are_registered(ds):
    missing = sorted(set(BRI_PORTS) - set(ds.ports["locode"]))
    assert not missing, missing


def test_river_ports_are_registered_as_river(ds):
    p = ds.ports.set_index("locode")
    assert (p.loc[RIVER_PORTS, "role"] == "river").all()
    assert (p.loc[RIVER_PORTS, "notes"].str.len() > 0).all()


def test_caspian_ports_are_gateways_on_a_closed_sea(ds):
    p = ds.ports.set_index("locode")
    for code in ("KZAAU", "KZKUR", "AZBAK", "TMKRW", "IRBAZ"):
        assert p.at[code, "role"] == "gateway"
        assert "closed sea" in p.at[code, "notes"]


@pytest.mark.parametrize("locode", ["SGSIN", "CNSHA", "NLRTM"])
def test_top_ports_are_hubs_or_gateways_with_over_10_million_teu(ds, locode):
    row = ds.ports.set_index("locode").loc[locode]
    assert row["role"] in {"hub", "gateway"}
    assert row["teu_thousand"] > 10_000 and 2022 <= row["teu_year"] <= 2024


def test_haikou_is_on_hainan(ds):
    row = ds.ports.set_index("locode").loc["CNHAK"]
    assert row["lat"] < 21 and 108.6 < row["lon"] < 111.1


def test_no_inland_city_is_registered(ds):
    p = ds.ports
    assert not set(INLAND) & set(p["locode"])
    names = " ".join(p["name"].str.lower()) + " " + " ".join(p["aliases"].str.lower())
    for name, *_ in INLAND.values():
        assert name.lower() not in names, name


# seaport / ferry-port nodes that are not container ports (Lake Van rail-ferry piers)
NOT_CONTAINER_PORTS = {"van", "tatvan",  # Lake Van ferry piers
                       "anaklia"}  # planned deep-sea port (P73), no UN/LOCODE yet: not a container gateway today


def test_every_container_seaport_node_has_a_register_row(ds):
    n = ds.nodes[ds.nodes["kind"].isin({"seaport", "ferry_port"})]
    expected = set(n["id"]) - NOT_CONTAINER_PORTS
    assert NOT_CONTAINER_PORTS <= set(n["id"])  # the exceptions are real nodes, not stale names
    assert not expected - set(ds.ports["node"]), sorted(expected - set(ds.ports["node"]))


def test_register_rows_sit_near_their_nodes(ds):
    nodes = ds.nodes.drop_duplicates("id").set_index("id")
    p = ds.ports[ds.ports["node"].ne("")]
    gap = haversine_km(p["lat"].to_numpy(), p["lon"].to_numpy(),
                       nodes.loc[p["node"], "lat"].to_numpy(), nodes.loc[p["node"], "lon"].to_numpy())
    assert (gap <= PORT_NODE_MAX_KM).all()


COASTAL = {
    "africa": "MAR DZA TUN LBY EGY SDN ERI DJI SOM KEN TZA MOZ MDG MUS COM SYC ZAF NAM AGO COD COG GAB CMR GNQ STP "
              "NGA BEN TGO GHA CIV LBR SLE GIN GNB GMB SEN MRT CPV",
    "south_america": "COL VEN GUY SUR ECU PER CHL ARG URY BRA",
    "middle_east": "SAU ARE OMN QAT KWT BHR IRQ IRN YEM JOR ISR LBN SYR TUR CYP",
    "south_asia": "IND PAK BGD LKA MDV",
}


@pytest.mark.parametrize("region", list(COASTAL))
def test_every_coastal_economy_of_the_region_has_a_container_port(ds, region):
    missing = sorted(set(COASTAL[region].split()) - set(ds.ports["country"]))
    assert not missing, missing


def test_figures_are_sourced_and_plausible(ds):
    p = ds.ports
    teu = p[p["teu_thousand"].notna()]
    assert len(teu) >= 50
    assert teu["teu_year"].between(2022, 2024).all()
    # the thresholds the rules use are the documented ones
    assert (PORT_COAST_MAX_KM, PORT_MARNET_MAX_KM) == (50.0, 150.0)
    # every row with a dwell cites the dwell study, every row cites the position/role source
    dwell = p[p["container_dwell_days"].notna()]
    assert dwell["source"].str.contains("S-WB-DWELL2012").all()
    assert p["source"].str.contains("S-GAZ-PORTS").all()


def test_a_port_node_with_a_locode_agrees_with_its_register_row(ds):
    """The sea model can join a register row and its node by either key: a node's own LOCODE is the row's or an alias."""
    nodes = ds.nodes.drop_duplicates("id").set_index("id")
    p = ds.ports[ds.ports["node"].ne("")]
    node_code = nodes.loc[p["node"], "locode"].to_numpy()
    agree = [(nc == "" or nc == code or nc in aliases.split(";"))
             for nc, code, aliases in zip(node_code, p["locode"], p["aliases"])]
    assert all(agree), [c for c, ok in zip(p["locode"], agree) if not ok]
