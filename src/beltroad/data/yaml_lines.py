"""Where each key of a YAML document stands, so that a validation error can name its line.

Shared by every spec a user writes (transport scenarios, energy and digital scenarios, sweep specs): one
way to read a document, one way to say where it is wrong (`origin:line: ...`).
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

import yaml

M = TypeVar("M")  # a pydantic model class


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


def field_errors(exc: Any, text: str, origin: str, compose: Callable[[str], Any] = yaml.compose) -> list[str]:
    """`origin:line: field 'a.b': message` for each error of a pydantic ValidationError on a YAML document."""
    lines = key_lines(text, compose)
    out = []
    for e in exc.errors():
        loc = tuple(e["loc"])
        line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), 1)
        msg = e["msg"].replace("Extra inputs are not permitted", "unknown field").replace("Value error, ", "")
        out.append(f"{origin}:{line}: field '{'.'.join(str(x) for x in loc) or '(top)'}': {msg}")
    return out


def yaml_mapping(text: str, origin: str, error: type[Exception], what: str,
                 load: Callable[[str], Any] = yaml.safe_load) -> dict:
    """The YAML document as a mapping, else `error`: `origin:N: not valid YAML (problem)` where the parser
    stopped, or `origin:1: <what>` when the document is not a mapping (a spec is always one).

    A loader may refuse a document it could parse (see `scenario.files`) by raising a YAML error whose
    `refusal` names why; the message then says that instead of "not valid YAML"."""
    try:
        data = load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        label = getattr(exc, "refusal", "not valid YAML")
        raise error(f"{origin}{where}: {label} ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(data, dict):
        raise error(f"{origin}:1: {what}")
    return data


def validate_yaml(model: type[M], data: dict, text: str, origin: str, error: type[Exception],
                  compose: Callable[[str], Any] = yaml.compose) -> M:
    """`model.model_validate(data)`, else `error` listing every problem as `origin:line: field 'a.b': message`."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error("; ".join(field_errors(exc, text, origin, compose))) from None
