"""The command-line faces' error line: one message on stderr and an exit code, never a traceback.

Shared by the sub-command faces (`appraise`/`sweep`, `net`, `energy`) so that they report bad input alike.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print `error: <message>` on stderr and exit with `code` (2: bad input). The message is plain text:
    brackets in it (a YAML list, a file name) are not read as rich markup."""
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False)
    raise typer.Exit(code)


@contextmanager
def failing_on(*errors: type[BaseException], code: int = 2) -> Iterator[None]:
    """Inside the block, the listed user errors become `fail(str(exc), code)`."""
    try:
        yield
    except errors as exc:
        fail(str(exc), code)


__all__ = ["err", "fail", "failing_on"]
