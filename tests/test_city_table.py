"""Named city sets come from a small cached city table, not from the gazetteer (which a compare then never
loads): the table is the gazetteer's own city columns, so the sets are the same places."""
from __future__ import annotations

from beltroad.places.cities import _cities_frame, city_set, city_table


def test_city_table_is_the_gazetteers_city_columns(session):
    assert city_table().equals(_cities_frame(session.gazetteer))


def test_named_sets_are_the_same_with_or_without_the_gazetteer(session):
    for name in ("world-200", "world-bank-1000"):
        assert city_set(name) == city_set(name, session.gazetteer)


def test_a_named_set_does_not_call_for_the_gazetteer():
    def no_gazetteer():
        raise AssertionError("the gazetteer was asked for")

    assert len(city_set("world-200", no_gazetteer)) >= 200


def test_a_csv_of_place_names_calls_for_the_gazetteer(session, tmp_path):
    f = tmp_path / "cities.csv"
    f.write_text("place\nChongqing\nDuisburg\n")
    asked = []

    def gazetteer():
        asked.append(1)
        return session.gazetteer

    places = city_set(str(f), gazetteer)
    assert asked and [p.name for p in places] == [session.gazetteer.resolve(n).name for n in ("Chongqing", "Duisburg")]
