"""Helpers shared by several test files (fixtures live in conftest.py): CLI runs and CSV editing.

Test files import them as `from helpers import ...` (pytest puts this folder on the path).
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from typer.testing import CliRunner


def squash(text: str) -> str:
    """Undo rich's line wrapping so that messages can be matched."""
    return re.sub(r"\s+", " ", text)


def run(runner: CliRunner, *args: str):
    """Invoke the CLI; a failure must be a clean exit with a message, never an escaped exception."""
    from beltroad.cli import app

    res = runner.invoke(app, list(args))
    assert "Traceback" not in res.output
    if res.exit_code != 0:
        assert isinstance(res.exception, SystemExit), repr(res.exception)
    return res


def read_csv(path: Path) -> list[list[str]]:
    """Every row of a CSV file, the header first."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    """Write rows back as the dataset writes them (\\n line ends)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
