"""Where the embedded dataset lives and its content hash, without pandas: loading the cached network for a
one-shot `beltroad route` needs only these."""
from __future__ import annotations

import hashlib
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "network"


def hash_dir(root: Path) -> str:
    """Hash of the dataset's CSV and YAML files (names and bytes): the network cache key."""
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        if f.is_file() and f.suffix in {".csv", ".yaml"}:
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


__all__ = ["DATA_DIR", "hash_dir"]
