"""Where each key of a YAML document stands, so that a validation error can name its line.

Shared by every spec a user writes (transport scenarios, energy and digital scenarios, sweep specs).
"""
from __future__ import annotations

from typing import Any, Callable

import yaml


def key_lines(text: str, compose: Callable[[str], Any] = yaml.compose) -> dict[tuple, int]:
    """YAML key path (keys and list indexes) -> 1-based line; {} when the text does not parse.

    `compose` may be a bounded composer (the scenario loader limits aliases and size)."""
    lines: dict[tuple, int] = {}

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                lines[path + (k.value,)] = k.start_mark.line + 1
                walk(v, path + (k.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                lines[path + (i,)] = v.start_mark.line + 1
                walk(v, path + (i,))

    try:
        walk(compose(text), ())
    except Exception:  # a document that does not compose has no lines to point at (the parser says why)
        pass
    return lines


def line_of(text: str, loc: tuple) -> int | None:
    """Line of the deepest key of `loc` (a pydantic error location) found in the document."""
    lines = key_lines(text)
    for n in range(len(loc), 0, -1):
        if tuple(loc[:n]) in lines:
            return lines[tuple(loc[:n])]
    return None


def field_errors(exc: Any, text: str, origin: str) -> list[str]:
    """`origin:line: field 'a.b': message` for each error of a pydantic ValidationError on a YAML document."""
    lines = key_lines(text)
    out = []
    for e in exc.errors():
        loc = tuple(e["loc"])
        line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), 1)
        msg = e["msg"].replace("Extra inputs are not permitted", "unknown field").replace("Value error, ", "")
        out.append(f"{origin}:{line}: field '{'.'.join(str(x) for x in loc) or '(top)'}': {msg}")
    return out
