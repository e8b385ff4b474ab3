"""The multimodal graph built from the dataset: rail chains and gauge layers, edge values, sea passages, cache."""
from __future__ import annotations

import pickle
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from beltroad.data import DATA_DIR, embedded_dataset, load_dataset
from beltroad.network import build
from beltroad.network.build import GAUGE, LINK, PORT, RAIL, SEA, SEA_MODE, TRANSFER
from beltroad.network.paths import shortest_path
from beltroad.data.geo import haversine_km
from beltroad.data.sea import PASSAGES, canonical_passage
from beltroad.scenario.state import baseline_state

ARRAYS = ("src", "dst", "kind", "mode", "km", "move_hours", "dwell_hours", "move_usd", "fee_usd", "co2_kg", "link",
          "passage", "country_from", "country_to", "border", "status", "seasonal", "edge_geom", "vertex_place",
          "vertex_layer", "vertex_lon", "vertex_lat", "geom_offsets", "geom_lon", "geom_lat")


def _arrays_equal(a, b) -> None:
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    np.testing.assert_array_equal(a.opened, b.opened)
    np.testing.assert_array_equal(a.superseded, b.superseded)
    assert a.layers == b.layers and a.countries == b.countries
    pd.testing.assert_frame_equal(a.places.reset_index(drop=True), b.places.reset_index(drop=True))


def _rail_path(net, origin: str, dest: str, gauge: int = 1435, countries: set[str] | None = None):
    """Fastest pure-rail path (rail links + gauge changes, open in the baseline) between two rail terminals."""
    state = baseline_state(net)
    ok = state.active & (((net.kind == LINK) & (net.mode == RAIL)) | (net.kind == GAUGE))
    if countries is not None:
        allowed = np.array([c in countries for c in net.countries])
        ok &= allowed[net.country_from] & allowed[net.country_to]
    idx = np.flatnonzero(ok)
    w = net.hours[idx] + 1e-6
    mat = csr_matrix((w, (net.src[idx], net.dst[idx])), shape=(net.n_vertices, net.n_vertices))
    a, b = net.vertex(origin, f"rail{gauge}"), net.vertex(dest, f"rail{gauge}")
    assert a >= 0 and b >= 0, "both places need a rail vertex of that gauge"
    found = shortest_path(mat, a, b)
    if found is None:
        return None
    verts = found[1]
    # the edge used for each step: the fastest allowed one between the two vertices
    edges = []
    for u, v in zip(verts[:-1], verts[1:]):
        cand = idx[(net.src[idx] == u) & (net.dst[idx] == v)]
        edges.append(int(cand[np.argmin(net.hours[cand])]))
    return verts, edges


def _place_of(net, v: int) -> pd.Series:
    return net.places.iloc[int(net.vertex_place[v])]


# ------------------------------------------------------------------------------------------ rail chain
CHINA_EUROPE_NORTH = {"CHN", "KAZ", "RUS", "BLR", "POL", "DEU"}


@pytest.fixture(scope="module")
def cq_duisburg_rail(network):
    path = _rail_path(network, "chongqing", "duisburg", countries=CHINA_EUROPE_NORTH)
    assert path is not None, "no all-rail Chongqing -> Duisburg chain through Kazakhstan"
    return path


def test_chongqing_duisburg_rail_chain_runs_through_kazakhstan(network, cq_duisburg_rail):
    verts, edges = cq_duisburg_rail
    countries = [c for c in (_place_of(network, v)["country"] for v in verts)]
    order = list(dict.fromkeys(countries))
    assert order == ["CHN", "KAZ", "RUS", "BLR", "POL", "DEU"]
    rail_links = [e for e in edges if network.kind[e] == LINK]
    assert all(network.mode[e] == RAIL for e in rail_links)
    ids = set(network.links["id"].to_numpy()[network.link[rail_links]])
    assert ids & {"alashankou__dostyk", "khorgos__altynkol"}, "leaves China by a Kazakh border link"
    # a border is crossed on every country change, and only there
    changes = sum(1 for e in rail_links if network.country_from[e] != network.country_to[e])
    assert changes == 5
    assert all(network.border[e] for e in rail_links if network.country_from[e] != network.country_to[e])


def test_chongqing_duisburg_rail_chain_changes_gauge_at_both_ends_of_the_1520_section(network, cq_duisburg_rail):
    verts, edges = cq_duisburg_rail
    changes = []
    for e in edges:
        if network.kind[e] == GAUGE:
            a, b = network.layers[network.vertex_layer[network.src[e]]], network.layers[network.vertex_layer[network.dst[e]]]
            place = _place_of(network, network.src[e])
            changes.append((place["id"], place["country"], int(a[4:]), int(b[4:])))
    assert len(changes) == 2, changes
    (p1, c1, f1, t1), (p2, c2, f2, t2) = changes
    assert (f1, t1) == (1435, 1520) and c1 in {"CHN", "KAZ"} and p1 in {"dostyk", "altynkol", "alashankou", "khorgos"}
    assert (f2, t2) == (1520, 1435) and c2 == "POL"
    # the rail layer of each link matches its gauge in the dataset
    links = network.links
    for e in edges:
        if network.kind[e] == LINK:
            layer = network.layers[network.vertex_layer[network.src[e]]]
            assert layer == f"rail{int(links['gauge_mm'].iloc[network.link[e]])}"


def test_gauge_change_edges_cost_time_and_money(network):
    g = np.flatnonzero(network.kind == GAUGE)
    assert len(g) > 0
    assert (network.dwell_hours[g] > 0).all() and (network.fee_usd[g] > 0).all()
    assert (network.km[g] == 0).all()
    # both directions of every facility exist and cost the same
    pairs = {(int(s), int(d)): i for i, s, d in zip(g, network.src[g], network.dst[g])}
    for (s, d), i in pairs.items():
        assert (d, s) in pairs
        assert network.dwell_hours[pairs[(d, s)]] == network.dwell_hours[i]


def test_no_rail_chain_without_a_gauge_change_facility(network):
    """With gauge-change edges removed, standard-gauge China cannot reach standard-gauge Poland by rail."""
    state = baseline_state(network)
    ok = state.active & (network.kind == LINK) & (network.mode == RAIL)
    idx = np.flatnonzero(ok)
    mat = csr_matrix((np.ones(len(idx)), (network.src[idx], network.dst[idx])),
                     shape=(network.n_vertices, network.n_vertices))
    a, b = network.vertex("chongqing", "rail1435"), network.vertex("duisburg", "rail1435")
    dist = dijkstra(mat, indices=a, unweighted=True)
    assert not np.isfinite(dist[b])


def test_passenger_only_high_speed_lines_are_not_in_the_freight_graph(network):
    hsr = set(network.links.index[network.links["class"].eq("rail_hsr")])
    used = set(network.link[network.link >= 0].tolist())
    assert not (hsr & used)


# ------------------------------------------------------------------------------------------ edge values
def test_every_edge_has_finite_non_negative_values(network):
    for name in ("km", "move_hours", "dwell_hours", "move_usd", "fee_usd", "co2_kg"):
        arr = getattr(network, name)
        assert np.isfinite(arr).all(), name
        assert (arr >= 0).all(), name
    np.testing.assert_allclose(network.hours, network.move_hours + network.dwell_hours)
    np.testing.assert_allclose(network.usd, network.move_usd + network.fee_usd)


def test_moving_edges_have_distance_time_cost_and_emissions(network):
    land = np.flatnonzero(network.kind == LINK)
    for name in ("km", "move_hours", "move_usd", "co2_kg"):
        assert (getattr(network, name)[land] > 0).all(), name
    sea = np.flatnonzero(network.kind == SEA)
    assert (network.km[sea] > 0).mean() > 0.95
    # the few zero-length sea edges only join coincident marnet vertices (e.g. lon -180 and 180)
    zero = sea[network.km[sea] == 0]
    gap = haversine_km(network.vertex_lat[network.src[zero]], network.vertex_lon[network.src[zero]],
                       network.vertex_lat[network.dst[zero]], network.vertex_lon[network.dst[zero]])
    assert (gap < 1.0).all()
    handling = np.flatnonzero(np.isin(network.kind, [TRANSFER, GAUGE, PORT]))
    assert (network.km[handling] == 0).all() and (network.co2_kg[handling] == 0).all()
    # every handling step takes time, except gate <-> truck at a truck-shuttle railhead: the train-truck switch
    # is paid once, on the rail <-> gate transfer
    layer = np.asarray(network.layers)[network.vertex_layer]
    shuttle_step = np.isin(layer[network.src[handling]], ["gate", "road"]) & np.isin(layer[network.dst[handling]], ["gate", "road"])
    assert (network.hours[handling][~shuttle_step] > 0).all()
    assert shuttle_step.any() and (network.hours[handling][shuttle_step] == 0).all()


def test_edge_endpoints_are_valid_vertices(network):
    assert network.src.min() >= 0 and network.dst.max() < network.n_vertices
    land = network.kind != SEA
    assert (network.src[land] != network.dst[land]).all()
    assert len(network.vertex_lon) == len(network.vertex_lat) == network.n_vertices
    assert (np.abs(network.vertex_lat) <= 90).all() and (np.abs(network.vertex_lon) <= 180).all()


def test_link_edges_follow_dataset_lengths(network):
    links = np.flatnonzero(network.kind == LINK)
    with_link = links[network.link[links] >= 0]
    np.testing.assert_allclose(network.km[with_link], network.links["length_km"].to_numpy(float)[network.link[with_link]])


def test_rail_is_faster_in_china_than_in_the_eu(network):
    """Commercial speed per region: Chinese rail edges move faster than EU ones (parameters.yaml)."""
    rail = np.flatnonzero((network.kind == LINK) & (network.mode == RAIL) & (network.country_from == network.country_to))
    speed = network.km[rail] / network.move_hours[rail]
    country = np.array(network.countries)[network.country_from[rail]]
    assert speed[country == "CHN"].min() > speed[country == "DEU"].max()


def test_border_edges_carry_dwell(network):
    """Crossing a non-customs-union border costs waiting time; Kazakhstan-China is such a border."""
    kaz, chn = network.countries.index("KAZ"), network.countries.index("CHN")
    edges = np.flatnonzero(network.border & (network.country_from == chn) & (network.country_to == kaz))
    assert len(edges) > 0
    assert (network.dwell_hours[edges] > 0).all()
    # inside a customs union (EU: Poland -> Germany) there is no border dwell
    pol, deu = network.countries.index("POL"), network.countries.index("DEU")
    eu = np.flatnonzero(network.border & (network.country_from == pol) & (network.country_to == deu))
    assert len(eu) > 0 and (network.dwell_hours[eu] == 0).all()


# ------------------------------------------------------------------------------------------ the sea
def test_sea_edges_carry_the_named_passages(network):
    names = {PASSAGES[p] for p in np.unique(network.passage[network.passage >= 0])}
    assert {"suez", "malacca", "bab-el-mandeb", "hormuz", "gibraltar", "panama", "cape", "bosporus"} <= names
    tagged = network.passage >= 0
    assert (network.kind[tagged] == SEA).all() and (network.mode[tagged] == SEA_MODE).all()


# Russian territory on the lower Volga and the Volga-Don canal (Astrakhan - Volgograd - Kalach-na-Donu - Rostov):
# no other country lies in this box
RUSSIAN_INLAND_BOX = (39.5, 48.0, 45.8, 49.0)  # lon min, lon max, lat min, lat max


def test_no_liner_sailing_runs_up_the_volga_don(network, session):
    """Ocean services do not sail the Volga-Don (a river-sea waterway through Russia): no sailing's line
    enters the Russian inland box, and Chongqing -> Duisburg avoiding Russia never passes it either."""
    lo_lon, hi_lon, lo_lat, hi_lat = RUSSIAN_INLAND_BOX
    sea = np.flatnonzero(network.edge_geom >= 0)
    assert len(sea) > 1000
    for e in sea:
        gi = network.edge_geom[e]
        a, b = network.geom_offsets[gi], network.geom_offsets[gi + 1]
        lon, lat = network.geom_lon[a:b], network.geom_lat[a:b]
        inside = (lon >= lo_lon) & (lon <= hi_lon) & (lat >= 46.5) & (lat <= hi_lat)
        assert not inside.any(), network.service[e]
    plan = session.plan("Chongqing", "Duisburg", avoid_countries=["RUS", "BLR"], alternatives=4)
    for route in plan.routes:
        for leg in route.legs:
            for x, y in leg.coordinates:
                assert not (lo_lon <= x <= hi_lon and lo_lat <= y <= hi_lat), (route.summary, x, y)


def test_arctic_is_closed_in_the_baseline(network):
    """No sailing uses the Arctic; every sailing via Suez is active in the baseline."""
    bit = lambda p: (network.passage_bits >> PASSAGES.index(p)) & 1 == 1  # noqa: E731
    state = baseline_state(network)
    assert not bit("arctic").any()
    assert bit("suez").any() and state.active[bit("suez")].all()


def test_sea_edges_have_polylines(network):
    sea = np.flatnonzero(network.kind == SEA)
    assert (network.edge_geom[sea] >= 0).all()
    gi = network.edge_geom[sea]
    counts = network.geom_offsets[gi + 1] - network.geom_offsets[gi]
    assert (counts >= 2).all()
    assert (network.edge_geom[network.kind != SEA] == -1).all()


def test_every_register_port_has_sailings_both_ways(network):
    """Each container port of the register is a gateway: boxes can leave it by sea and arrive at it."""
    ports = set(network.port_roles)
    assert len(ports) > 250
    assert not {"aktau", "kuryk", "baku_alat", "turkmenbashi"} & ports  # the Caspian has ferries, no liner services
    sea = np.flatnonzero(network.kind == SEA)
    leaving = {network.places["id"].iat[p] for p in network.vertex_place[network.src[sea]]}
    arriving = {network.places["id"].iat[p] for p in network.vertex_place[network.dst[sea]]}
    assert ports <= leaving and ports <= arriving, sorted(ports - (leaving & arriving))[:10]


@pytest.mark.parametrize("alias,name", [("Suez-Canal", "suez"), ("strait of hormuz", "hormuz"), ("Bosphorus", "bosporus"),
                                        ("red sea", "bab-el-mandeb"), ("cape_of_good_hope", "cape"), ("atlantis", None)])
def test_canonical_passage_names(alias, name):
    assert canonical_passage(alias) == name


# ------------------------------------------------------------------------------------------ places & vertices
def test_network_places_include_dataset_nodes_and_register_ports(network):
    origin = network.places["origin"].value_counts()
    assert origin["dataset"] == embedded_dataset().nodes["id"].nunique()
    assert origin.get("register", 0) > 100 and "searoute" not in origin  # searoute's list is only a gazetteer
    assert network.vertex("chongqing", "road") >= 0
    assert network.vertex("dostyk", "rail1520") >= 0 and network.vertex("dostyk", "rail1435") >= 0
    assert network.vertex("chongqing", "rail1520") == -1


def test_place_ids_are_unique(network):
    dup = network.places["id"][network.places["id"].duplicated()]
    assert dup.empty, f"duplicate place ids: {sorted(set(dup))}"


# ------------------------------------------------------------------------------------------ tables()
def test_tables_returns_dataframes(network):
    t = network.tables()
    assert set(t) == {"places", "links", "crossings", "projects", "vertices", "edges"}
    assert all(isinstance(df, pd.DataFrame) for df in t.values())
    edges, vertices = t["edges"], t["vertices"]
    assert len(edges) == network.n_edges and len(vertices) == network.n_vertices
    assert {"src", "dst", "kind", "mode", "distance_km", "transit_hours", "cost_usd", "co2_kg", "link_id", "passage",
            "border"} <= set(edges.columns)
    assert set(edges["kind"]) <= set(build.KIND_NAMES)
    assert set(edges["mode"]) <= set(build.MODES)
    assert set(edges.loc[edges["passage"].ne(""), "passage"]) <= set(PASSAGES)
    assert (edges.loc[edges["kind"].eq("link"), "link_id"] != "").any()
    assert set(vertices.loc[vertices["place_id"].ne(""), "layer"]) <= set(network.layers)
    assert (vertices.loc[vertices["layer"].eq("sea"), "place_id"] == "").all()


def test_service_load_network_is_the_session_network(session):
    from beltroad import service

    assert service.load_network() is session.network


# ------------------------------------------------------------------------------------------ cache
def test_load_network_cache_roundtrip(monkeypatch, tmp_path, network):
    monkeypatch.setenv("BELTROAD_CACHE", str(tmp_path))
    first = build.load_network()
    files = list(tmp_path.glob("network-*.pkl"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    second = build.load_network()
    assert files[0].stat().st_mtime_ns == stamp  # read, not rewritten
    assert second is not first
    _arrays_equal(first, second)
    _arrays_equal(first, network)  # and equal to what the default cache gave the session
    assert first.content_hash == second.content_hash == embedded_dataset().content_hash
    # a corrupt cache file is dropped and rebuilt, not fatal
    files[0].write_bytes(b"not a pickle")
    _arrays_equal(build.load_network(), network)


def test_pickled_network_keeps_its_tables_as_columns_until_asked(network):
    """The cache holds the tables as numpy columns: `column` reads them without pandas; the DataFrames come back
    equal."""
    copy = pickle.loads(pickle.dumps(network, protocol=pickle.HIGHEST_PROTOCOL))
    for table in build.TABLES:
        frame = getattr(network, table)
        assert copy.table_len(table) == len(frame)
        for name in frame.columns:
            got = copy.column(table, name)
            assert isinstance(got, np.ndarray)
            pd.testing.assert_series_equal(pd.Series(got, name=name), frame[name].astype(object) if got.dtype == object
                                           else frame[name], check_dtype=False)
        assert table not in vars(copy)  # columns read, no DataFrame built
        pd.testing.assert_frame_equal(getattr(copy, table), frame)
        assert table in vars(copy)
    _arrays_equal(copy, network)


def test_cold_route_from_the_cache_imports_no_pandas(session):
    """A one-shot `beltroad route` on a warm cache needs neither pandas nor the dataset loader (start-up time)."""
    session.network, session.gazetteer  # both cache entries written (the default cache, as the CLI uses)
    code = ("import sys\nfrom beltroad.cli import main\nsys.argv = ['beltroad', 'route', 'Chongqing', 'Duisburg']\n"
            "try:\n    main()\nfinally:\n    print(sorted(m for m in ('pandas', 'beltroad.data.loader') if m in sys.modules),"
            " file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Duisburg" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_a_changed_dataset_gets_its_own_cache_entry(monkeypatch, tmp_path, network):
    monkeypatch.setenv("BELTROAD_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "data"
    shutil.copytree(DATA_DIR, root)
    params = root / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    assert "service_speed_knots: {value: 16," in text
    params.write_text(text.replace("service_speed_knots: {value: 16,", "service_speed_knots: {value: 20,"), encoding="utf-8")
    ds = load_dataset(root)
    assert ds.content_hash != network.content_hash
    faster = build.load_network(ds)
    assert faster.content_hash == ds.content_hash
    assert len(list((tmp_path / "cache").glob("network-*.pkl"))) == 1
    sea = network.kind == SEA  # sailings: faster ships, same distances; everything on land unchanged
    assert np.array_equal(faster.km, network.km)
    mainline = sea & ~np.char.startswith(network.service.astype(str), "feeder:")  # feeders keep their own speed
    assert mainline.sum() > 1000 and (faster.move_hours[mainline] < network.move_hours[mainline]).all()
    assert np.array_equal(faster.move_hours[~sea], network.move_hours[~sea])