"""Loading and validation of the embedded Belt and Road dataset."""
from pathlib import Path

from beltroad.data.loader import DATA_DIR, DataError, Dataset, embedded_dataset, load_dataset

COUNTRIES_GEOJSON = Path(__file__).resolve().parent / "countries.geojson"  # Natural Earth country shapes


def __getattr__(name: str):
    """`Issue` and `check_dataset` load on first use: validation needs scipy, which the network's users (a
    one-shot `beltroad route`) do not."""
    if name in ("Issue", "check_dataset"):
        from beltroad.data import validate

        return getattr(validate, name)
    raise AttributeError(f"module 'beltroad.data' has no attribute '{name}'")


__all__ = ["COUNTRIES_GEOJSON", "DATA_DIR", "DataError", "Dataset", "Issue", "check_dataset", "embedded_dataset", "load_dataset"]
