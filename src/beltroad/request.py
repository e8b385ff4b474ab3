"""One validated route request, shared by the Python API, the CLI and the HTTP API.

Every number a user can give is checked here, once: finite, in range, with its unit in its name. The
faces only translate their arguments into a `PlanRequest`, so they accept and refuse the same inputs
with the same messages.

`PlanRequest` is a stdlib dataclass whose fields carry their limits as metadata (`dataclasses.fields`),
checked by a few lines of plain Python: a one-shot `beltroad route` then does not import pydantic
(~0.05-0.1 s of its start). The checks coerce and word their messages as pydantic's lax mode does
('teu: must be greater than 0 (got -1)'), which the API and the CLI have always shown.
"""
from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, field, fields
from numbers import Integral, Real
from typing import Any, Literal

from beltroad.places import Place

Objective = Literal["time", "cost", "co2", "generalized"]
MainMode = Literal["multimodal", "rail", "sea", "road", "inland_water"]
OBJECTIVES: tuple[str, ...] = Objective.__args__
MAIN_MODES: tuple[str, ...] = MainMode.__args__

MAX_ALTERNATIVES = 10
MAX_LIST_ITEMS = 20
MAX_VIAS = 5
MAX_TEXT = 200
# upper bounds keep every total finite (no overflow to inf) and catch unit slips (kg for t, cents for USD)
MAX_TEU = 100_000                     # the largest container ships carry ~24,000 TEU
MAX_TONNES = 10_000_000
MAX_VALUE_OF_TIME_USD_PER_TEU_DAY = 1_000_000
MAX_CARBON_PRICE_USD_PER_T = 100_000
MAX_TRANSFERS = 20
MAX_DRAYAGE_KM = 5000                 # beyond it "drayage" would be a long-haul road trip (`--mode road`)
MAX_INT = 2 ** 63                     # larger floats are not taken as integers


class RequestError(ValueError):
    """A request that cannot be answered as asked (invalid number, same origin and destination, ...)."""

    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []

    def __str__(self) -> str:
        return self.message


def _opt(default: Any, kind: str, description: str = "", **limits: Any) -> Any:
    """A field of `kind` (int, float, choice, text, texts, place, places) with its limits (ge, gt, le,
    max_length, choices); a field whose default is None also accepts None."""
    return field(default=default, metadata={"kind": kind, "description": description, **limits})


@dataclass(frozen=True)
class PlanRequest:
    """A container move to plan, with every option and its unit.

    Build it with `PlanRequest.build(**fields)` (or the constructor): an invalid value raises
    `RequestError` naming every bad field. Instances are immutable and hashable when the places are
    given as text (the API caches answers by request).
    """

    origin: str | Place = field(metadata={"kind": "place", "description": "Place name, 'Name, CC', UN/LOCODE, "
                                                                         "node id, 'lat,lon' or a Place"})
    destination: str | Place = field(metadata={"kind": "place", "description": "As origin"})
    objective: Objective = _opt("time", "choice", choices=OBJECTIVES)
    alternatives: int = _opt(3, "int", ge=1, le=MAX_ALTERNATIVES)
    mode: MainMode = _opt("multimodal", "choice", choices=MAIN_MODES)
    avoid_countries: tuple[str, ...] = _opt((), "texts", "ISO2 or ISO3 codes", max_length=MAX_LIST_ITEMS)
    avoid_passages: tuple[str, ...] = _opt((), "texts", "suez, hormuz, ...", max_length=MAX_LIST_ITEMS)
    via: tuple[str | Place, ...] = _opt((), "places", "places the route must pass", max_length=MAX_VIAS)
    max_transfers: int | None = _opt(None, "int", ge=0, le=MAX_TRANSFERS)
    max_drayage_km: float | None = _opt(None, "float", "radius (km, as the crow flies) of first/last-mile trucking "
                                        "to a terminal; default: parameters drayage.max_radius_km",
                                        gt=0, le=MAX_DRAYAGE_KM)
    teu: float = _opt(1.0, "float", gt=0, le=MAX_TEU)
    tonnes: float | None = _opt(None, "float", gt=0, le=MAX_TONNES)
    value_of_time_usd_per_teu_day: float | None = _opt(None, "float", ge=0, le=MAX_VALUE_OF_TIME_USD_PER_TEU_DAY)
    carbon_price_usd_per_t: float | None = _opt(None, "float", ge=0, le=MAX_CARBON_PRICE_USD_PER_T)
    scenario: str | None = _opt(None, "text", max_length=MAX_TEXT)
    month: int | None = _opt(None, "int", "close seasonal links (mountain passes) in this month", ge=1, le=12)
    year: int | None = _opt(None, "int", "the scenario's network as it stood (or will stand) in this year; default "
                                         "the scenario's own year", ge=1990, le=2060)

    def __post_init__(self) -> None:
        values, problems = _check({f.name: getattr(self, f.name) for f in _FIELDS})
        if problems:
            raise _error(problems)
        for name, value in values.items():
            object.__setattr__(self, name, value)  # the coerced value (2 -> 2.0 TEU, list -> tuple)

    @classmethod
    def build(cls, **given: Any) -> "PlanRequest":
        """Validate `given`; an invalid value raises `RequestError` naming every bad field.

        None for a list option means "none" (as the faces pass an option that was not given).
        """
        given = {k: v for k, v in given.items() if not (k in _LISTS and v is None)}
        extra = [([k], "Extra inputs are not permitted", "extra_forbidden", v) for k, v in given.items()
                 if k not in _NAMES]
        if extra or not _REQUIRED <= given.keys():  # every problem in one message, extras last
            raise _error(_check(given)[1] + extra)
        return cls(**given)  # checked and coerced once, by __post_init__


_LISTS = ("avoid_countries", "avoid_passages", "via")
_FIELDS = fields(PlanRequest)
_NAMES = {f.name for f in _FIELDS}
_REQUIRED = {f.name for f in _FIELDS if f.default is MISSING}
Problem = tuple[list, str, str, Any]  # (location, message, pydantic-style error type, the input)


def _check(given: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The fields of `given` coerced (in declaration order), and every problem found."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for f in _FIELDS:
        if f.name not in given:
            if f.default is not MISSING:  # a default is not checked
                continue
            problems.append(([f.name], "Field required", "missing", given))
            continue
        v = given[f.name]
        if v is None and f.default is None:
            values[f.name] = None
            continue
        try:
            values[f.name] = _CHECKS[f.metadata["kind"]](f.name, v, f.metadata)
        except _Invalid as exc:
            problems.extend(exc.problems)
    return values, problems


class _Invalid(Exception):
    def __init__(self, *problems: Problem):
        self.problems = list(problems)


def _int(name: str, v: Any, m: dict) -> int:
    if isinstance(v, Integral):  # bool included, as pydantic's lax mode
        out = int(v)
    elif isinstance(v, Real):
        x = float(v)
        if not math.isfinite(x):
            raise _Invalid(([name], "must be a finite number", "finite_number", v))
        if x != int(x):
            raise _Invalid(([name], "must be a valid integer, got a number with a fractional part", "int_from_float", v))
        if abs(x) >= MAX_INT:
            raise _Invalid(([name], "Unable to parse input string as an integer, exceeded maximum size",
                            "int_parsing_size", v))
        out = int(x)
    elif isinstance(v, str):
        s = v.strip()
        try:
            out = int(s)
        except ValueError:
            try:
                x = float(s)
            except ValueError:
                x = math.nan
            if not (math.isfinite(x) and x == int(x)):
                raise _Invalid(([name], "must be a valid integer, unable to parse string as an integer",
                                "int_parsing", v)) from None
            out = int(x)
    else:
        raise _Invalid(([name], "must be a valid integer", "int_type", v))
    return _in_range(name, out, v, m)


def _float(name: str, v: Any, m: dict) -> float:
    if isinstance(v, Real):  # bool and numpy numbers included
        try:
            x = float(v)
        except OverflowError:
            raise _Invalid(([name], "must be a valid number", "float_type", v)) from None
    elif isinstance(v, str):
        try:
            x = float(v.strip())
        except ValueError:
            raise _Invalid(([name], "must be a valid number, unable to parse string as a number", "float_parsing",
                            v)) from None
    else:
        raise _Invalid(([name], "must be a valid number", "float_type", v))
    if not math.isfinite(x):
        raise _Invalid(([name], "must be a finite number", "finite_number", v))
    return _in_range(name, x, v, m)


def _in_range(name: str, x: float, v: Any, m: dict) -> Any:
    if "gt" in m and not x > m["gt"]:
        raise _Invalid(([name], f"must be greater than {m['gt']}", "greater_than", v))
    if "ge" in m and not x >= m["ge"]:
        raise _Invalid(([name], f"must be greater than or equal to {m['ge']}", "greater_than_equal", v))
    if "le" in m and not x <= m["le"]:
        raise _Invalid(([name], f"must be less than or equal to {m['le']}", "less_than_equal", v))
    return x


def _choice(name: str, v: Any, m: dict) -> str:
    if isinstance(v, str) and v in m["choices"]:
        return v
    quoted = [f"'{c}'" for c in m["choices"]]
    raise _Invalid(([name], f"must be {', '.join(quoted[:-1])} or {quoted[-1]}", "literal_error", v))


def _text(loc: list, v: Any, m: dict, min_length: int = 0) -> str:
    if isinstance(v, (bytes, bytearray)):
        try:
            v = bytes(v).decode()
        except UnicodeDecodeError:
            raise _Invalid((loc, "must be a valid string, unable to parse raw data as a unicode string",
                            "string_unicode", v)) from None
    if not isinstance(v, str):
        raise _Invalid((loc, "must be a valid string", "string_type", v))
    if len(v) < min_length:
        raise _Invalid((loc, f"String should have at least {min_length} character{'s' * (min_length != 1)}",
                        "string_too_short", v))
    if len(v) > m["max_length"]:
        raise _Invalid((loc, f"String should have at most {m['max_length']} characters", "string_too_long", v))
    return v


def _items(name: str, v: Any, m: dict) -> tuple:
    if not isinstance(v, (list, tuple, set, frozenset)):
        raise _Invalid(([name], "must be a valid tuple", "tuple_type", v))
    return tuple(v)


def _texts(name: str, v: Any, m: dict) -> tuple[str, ...]:
    out, problems = [], []
    for i, x in enumerate(_items(name, v, m)):
        try:
            out.append(_text([name, i], x, {"max_length": MAX_TEXT}, min_length=1))
        except _Invalid as exc:
            problems += exc.problems
    if problems:
        raise _Invalid(*problems)
    return tuple(_too_many(name, out, v, m))


def _too_many(name: str, items: list, v: Any, m: dict) -> list:
    if len(items) > m["max_length"]:
        raise _Invalid(([name], f"Tuple should have at most {m['max_length']} items after validation, not {len(items)}",
                        "too_long", v))
    return items


def _place(name: str, v: Any, m: dict, given: Any = None) -> str | Place:
    try:
        return _place_or_text(v)
    except ValueError as exc:
        raise _Invalid(([name], str(exc), "value_error", v if given is None else given)) from None


def _places(name: str, v: Any, m: dict) -> tuple[str | Place, ...]:
    items = _too_many(name, list(_items(name, v, m)), v, m)
    return tuple(_place(name, x, m, given=v) for x in items)  # an error names the list, as pydantic did


_CHECKS = {"int": _int, "float": _float, "choice": _choice, "texts": _texts, "place": _place, "places": _places,
           "text": lambda name, v, m: _text([name], v, m)}


def _place_or_text(v: Any) -> Any:
    if isinstance(v, Place):
        return v
    if not isinstance(v, str):
        raise ValueError("must be a place name or a Place")
    s = v.strip()
    if not s:
        raise ValueError("is empty: give a city name, a UN/LOCODE, a node id or 'lat,lon'")
    if len(s) > MAX_TEXT:
        raise ValueError(f"is longer than {MAX_TEXT} characters")
    return s


def _error(problems: list[Problem]) -> RequestError:
    """One readable message ('teu: must be greater than 0 (got -1)') and the per-field list the API returns."""
    parts, errors = [], []
    for loc, msg, kind, got in problems:
        shown = "" if isinstance(got, (dict, list, tuple)) or got is None else f" (got {got!r})"
        parts.append(f"{'.'.join(str(x) for x in loc)}: {msg}{shown}")
        errors.append({"loc": loc, "msg": msg, "type": kind})
    return RequestError("; ".join(parts), errors)


__all__ = ["MAIN_MODES", "OBJECTIVES", "PlanRequest", "RequestError"]
