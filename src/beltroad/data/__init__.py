"""Loading and validation of the embedded Belt and Road dataset."""
from beltroad.data.loader import DATA_DIR, DataError, Dataset, embedded_dataset, load_dataset
from beltroad.data.validate import Issue, check_dataset

__all__ = ["DATA_DIR", "DataError", "Dataset", "Issue", "check_dataset", "embedded_dataset", "load_dataset"]
