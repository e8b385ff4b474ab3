"""Place resolution: spellings, `Name, CC`, UN/LOCODEs, node ids, coordinates, ambiguity and suggestions."""
from __future__ import annotations

import pytest

from beltroad.data.geo import haversine_km
from beltroad.places import Place, PlaceError, normalize


def _km(a: Place, b: Place) -> float:
    return float(haversine_km(a.lat, a.lon, b.lat, b.lon))


def _same_place(a: Place, b: Place) -> bool:
    return (a.node_id, a.country, a.lat, a.lon) == (b.node_id, b.country, b.lat, b.lon)


def refusal(gazetteer, text: str) -> PlaceError:
    """The PlaceError that resolving `text` must raise."""
    with pytest.raises(PlaceError) as exc:
        gazetteer.resolve(text)
    return exc.value


@pytest.mark.parametrize("spellings", [("Łódź", "Lodz", "lodz", "LODZ", " Łódź "), ("Xi'an", "Xian", "Xi’an", "XIAN"),
                                       ("Ürümqi", "Urumqi"), ("Duisburg", "duisburg")])
def test_spellings_resolve_to_the_same_network_node(gazetteer, spellings):
    places = [gazetteer.resolve(s) for s in spellings]
    assert all(_same_place(p, places[0]) for p in places), places
    assert places[0].node_id


def test_lodz_and_xian_are_the_network_terminals(gazetteer):
    lodz, xian = gazetteer.resolve("Lodz"), gazetteer.resolve("Xian")
    assert (lodz.node_id, lodz.country, lodz.name) == ("lodz", "POL", "Łódź")
    assert (xian.node_id, xian.country) == ("xian", "CHN")


def test_almaty_and_alma_ata_are_the_same_city(gazetteer):
    a, b = gazetteer.resolve("Almaty"), gazetteer.resolve("Alma-Ata")
    assert a.country == b.country == "KAZ"
    assert a.name == b.name == "Almaty"
    assert _km(a, b) < 10


@pytest.mark.parametrize("alt,canonical,node_id", [("Alma-Ata", "Almaty", "almaty"), ("Xi An", "Xian", "xian")])
def test_geonames_spellings_resolve_to_the_network_node(gazetteer, alt, canonical, node_id):
    assert gazetteer.resolve(alt).node_id == gazetteer.resolve(canonical).node_id == node_id


@pytest.mark.parametrize("name,node_id", [("Islamabad", "islamabad"), ("Poti", "poti"), ("Tashkurgan", "tashkurgan")])
def test_a_network_node_wins_over_alternate_names_abroad(gazetteer, name, node_id):
    p = gazetteer.resolve(name)
    assert p.node_id == node_id


def test_st_petersburg_is_the_russian_port(gazetteer):
    assert gazetteer.resolve("St Petersburg").node_id == "st_petersburg"


def test_saint_petersburg_and_leningrad_are_the_russian_port(gazetteer):
    assert gazetteer.resolve("Saint Petersburg").node_id == "st_petersburg"
    assert gazetteer.resolve("St Petersburg, RU").node_id == "st_petersburg"
    assert gazetteer.resolve("Leningrad").node_id == "st_petersburg"


def test_network_nodes_resolve_by_their_display_name(gazetteer, network):
    """Typing a node's name gives that node (or, for a few shared names, an ambiguity listing its country)."""
    known_wrong = {"St Petersburg"}  # see test_st_petersburg_is_the_russian_port
    nodes = network.places[network.places["origin"].eq("dataset") & ~network.places["name"].str.contains(",")
                           & ~network.places["name"].isin(known_wrong)]
    assert len(nodes) > 300
    wrong = []
    for r in nodes.itertuples():
        try:
            p = gazetteer.resolve(r.name)
        except PlaceError as exc:
            if r.country not in {c.country for c in exc.candidates}:
                wrong.append((r.name, "error without the node's country"))
            continue
        if p.country != r.country:
            wrong.append((r.name, p.name, p.country))
    assert wrong == []


@pytest.mark.parametrize("node_id", ["shanghai_rail", "khunjerab"])
def test_a_node_display_name_with_a_comma_resolves(gazetteer, network, node_id):
    name = network.places.loc[network.places["id"].eq(node_id), "name"].iloc[0]
    assert "," in name
    assert gazetteer.resolve(name).node_id == node_id


def test_name_with_country_code(gazetteer):
    eg = gazetteer.resolve("Alexandria, EG")
    assert eg.country == "EGY"
    assert abs(eg.lat - 31.2) < 0.5 and abs(eg.lon - 29.9) < 0.5
    assert gazetteer.resolve("Alexandria, EGY") == eg
    us = gazetteer.resolve("Alexandria, US")
    assert us.country == "USA"
    assert gazetteer.resolve("Lodz, PL") == gazetteer.resolve("Lodz")


def test_name_with_a_bad_country_code(gazetteer):
    with pytest.raises(PlaceError, match="not a country code"):
        gazetteer.resolve("Alexandria, XX")


def test_name_in_the_wrong_country_is_unknown(gazetteer):
    err = refusal(gazetteer, "Duisburg, FR")
    assert "Unknown place" in err.message
    assert all(s.endswith(", FR") for s in err.suggestions)  # suggestions, if any, stay in France


@pytest.mark.parametrize("code,country,near", [("CNSHA", "CHN", (31.3, 121.5)), ("NLRTM", "NLD", (51.9, 4.3)),
                                               ("DEDUI", "DEU", (51.4, 6.8))])
def test_un_locodes(gazetteer, code, country, near):
    p = gazetteer.resolve(code)
    assert p.country == country
    assert p.locode == code
    assert haversine_km(p.lat, p.lon, *near) < 60


def test_locode_of_a_dataset_node(gazetteer, network):
    nodes = network.places[network.places["origin"].eq("dataset") & network.places["locode"].ne("")]
    row = nodes.iloc[0]
    p = gazetteer.resolve(row["locode"])
    assert p.node_id == row["id"]


@pytest.mark.parametrize("node_id", ["dostyk", "malaszewicze", "baku_alat", "khorgos"])
def test_node_ids(gazetteer, node_id):
    p = gazetteer.resolve(node_id)
    assert p.node_id == node_id
    assert p.kind == "node"


def test_every_dataset_node_id_resolves_to_itself(gazetteer, network):
    ids = network.places.loc[network.places["origin"].eq("dataset"), "id"]
    assert all(gazetteer.resolve(i).node_id == i for i in ids)


@pytest.mark.parametrize("text", ["31.2,121.5", "31.2, 121.5", " 31.2 121.5 ", "31.2;121.5"])
def test_coordinates(gazetteer, text):
    p = gazetteer.resolve(text)
    assert p.kind == "coordinates"
    assert (p.lat, p.lon) == (31.2, 121.5)
    assert p.country == "CHN"
    assert p.node_id is None


def test_negative_coordinates(gazetteer):
    p = gazetteer.resolve("-33.9,18.4")  # Cape Town
    assert (p.lat, p.lon, p.country) == (-33.9, 18.4, "ZAF")


@pytest.mark.parametrize("text", ["100,200", "91,0", "0,-181"])
def test_coordinates_out_of_range(gazetteer, text):
    with pytest.raises(PlaceError, match="out of range"):
        gazetteer.resolve(text)


@pytest.mark.parametrize("name", ["Valencia", "Hyderabad", "San Jose", "Georgetown"])
def test_ambiguous_names_list_candidates_from_several_countries(gazetteer, name):
    err = refusal(gazetteer, name)
    assert "ambiguous" in err.message
    assert len({c.country for c in err.candidates}) > 1
    assert len(err.candidates) == len({c.country for c in err.candidates})  # one per country
    pops = [c.population for c in err.candidates]
    assert pops == sorted(pops, reverse=True)
    assert "Candidates:" in str(err)


def test_valencia_candidates_include_the_spanish_port(gazetteer):
    err = refusal(gazetteer, "Valencia")
    by_country = {c.country: c for c in err.candidates}
    assert {"ESP", "VEN"} <= set(by_country)
    assert by_country["ESP"].node_id == "valencia"  # the network node stands for the Spanish city
    # adding the country settles it
    assert gazetteer.resolve("Valencia, ES").node_id == "valencia"
    assert gazetteer.resolve("Valencia, VE").country == "VEN"


def test_unknown_name_raises_with_suggestions(gazetteer):
    err = refusal(gazetteer, "Xyzzyville")
    assert err.query == "Xyzzyville"
    assert "Unknown place" in err.message
    assert err.suggestions and not err.candidates
    assert "Did you mean" in str(err)


def test_typo_suggests_the_right_city(gazetteer):
    err = refusal(gazetteer, "Duisbrug")
    assert "Duisburg, DE" in err.suggestions


@pytest.mark.parametrize("typo,expected", [("Chongquing", "Chongqing, CN"), ("Rotterdan", "Rotterdam"),
                                           ("Samarkant", "Samarkand, UZ")])
def test_more_typos(gazetteer, typo, expected):
    err = refusal(gazetteer, typo)
    assert any(s.startswith(expected) for s in err.suggestions), err.suggestions


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_query(gazetteer, text):
    with pytest.raises(PlaceError, match="Empty place"):
        gazetteer.resolve(text)


def test_normalize():
    assert normalize("Łódź") == "lodz"
    assert normalize("Xi'an") == normalize("Xian") == "xian"
    assert normalize("Bakı") == "baki"
    assert normalize("Alma-Ata") == "alma ata"


def test_search_autocompletes(gazetteer):
    hits = gazetteer.search("Duis")
    assert hits and hits[0].name == "Duisburg"
    assert len(gazetteer.search("Sh", limit=5)) == 5
    assert gazetteer.search("") == []


def test_service_resolve_place_matches_the_gazetteer(session, gazetteer):
    from beltroad import service

    assert service.resolve_place("Lodz") == gazetteer.resolve("Lodz")
    p = gazetteer.resolve("Lodz")
    assert session.resolve(p) is p  # a Place passes through


@pytest.fixture()
def fresh_gazetteer(session, gazetteer):
    """The gazetteer as built, before any query (read back from its on-disk cache)."""
    import pickle

    from beltroad.service import gazetteer_cache_path

    path = gazetteer_cache_path(session.network)
    assert path.exists()
    with path.open("rb") as f:
        gz = pickle.load(f)
    assert gz is not gazetteer
    gz.net = session.network
    return gz


@pytest.mark.parametrize("node_id,name", [("almaty", "Almaty"), ("kotri", "Hyderabad, PK"), ("duisburg", "Duisburg")])
def test_resolve_has_no_side_effects(fresh_gazetteer, node_id, name):
    from dataclasses import replace

    before = replace(fresh_gazetteer.resolve(node_id))
    by_name = fresh_gazetteer.resolve(name)
    assert by_name.node_id == node_id
    assert fresh_gazetteer.resolve(node_id) == before
    assert replace(fresh_gazetteer.resolve(name)) == by_name
