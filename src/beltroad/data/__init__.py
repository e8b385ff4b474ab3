"""Loading and validation of the embedded Belt and Road dataset."""
from pathlib import Path
from typing import TYPE_CHECKING

from beltroad.data.paths import DATA_DIR

if TYPE_CHECKING:
    from beltroad.data.loader import DataError, Dataset, embedded_dataset, load_dataset

COUNTRIES_GEOJSON = Path(__file__).resolve().parent / "countries.geojson"  # Natural Earth country shapes


def __getattr__(name: str):
    """The loader (pandas) and `Issue`, `check_dataset` (scipy) load on first use: the network's users (a
    one-shot `beltroad route` on the cached network) need neither."""
    if name in ("DataError", "Dataset", "embedded_dataset", "load_dataset"):
        from beltroad.data import loader

        return getattr(loader, name)
    if name in ("Issue", "check_dataset"):
        from beltroad.data import validate

        return getattr(validate, name)
    raise AttributeError(f"module 'beltroad.data' has no attribute '{name}'")


__all__ = ["COUNTRIES_GEOJSON", "DATA_DIR", "DataError", "Dataset", "Issue", "check_dataset", "embedded_dataset", "load_dataset"]
