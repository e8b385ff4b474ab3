"""Loading and validation of the embedded Belt and Road dataset."""
from pathlib import Path

from beltroad.data.loader import DATA_DIR, DataError, Dataset, embedded_dataset, load_dataset
from beltroad.data.validate import Issue, check_dataset

COUNTRIES_GEOJSON = Path(__file__).resolve().parent / "countries.geojson"  # Natural Earth country shapes

__all__ = ["COUNTRIES_GEOJSON", "DATA_DIR", "DataError", "Dataset", "Issue", "check_dataset", "embedded_dataset", "load_dataset"]
