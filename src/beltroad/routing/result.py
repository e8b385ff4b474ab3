"""Plain result objects of the route planner, with DataFrame and GeoJSON views."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Callable

from beltroad.io.jsonout import PrewrittenList, dumps_bytes
from beltroad.places import Place

if TYPE_CHECKING:
    import pandas as pd

# What a route's hours are spent on. moving: driving, sailing, train running (incl. truck drivers' daily rest);
# handling: terminal lifts, port dwell, gauge changes; border: dwell at border crossings; customs: export and
# import clearance beyond the border or port dwell it overlaps; waiting: for a train or ferry departure.
TIME_PARTS = ("moving", "handling", "border", "customs", "waiting")


def _zero_parts() -> dict[str, float]:
    return {k: 0.0 for k in TIME_PARTS}


def _parts_rounded(get: Callable[[str, float], float]) -> dict[str, float]:
    """{part: round(hours, 2)} in TIME_PARTS order, from a breakdown's `get` (a missing part is 0.0)."""
    return {"moving": (x := get("moving", 0.0)) and round(x, 2),
            "handling": (x := get("handling", 0.0)) and round(x, 2),
            "border": (x := get("border", 0.0)) and round(x, 2), "customs": (x := get("customs", 0.0)) and round(x, 2),
            "waiting": (x := get("waiting", 0.0)) and round(x, 2)}


assert tuple(_parts_rounded({}.get)) == TIME_PARTS


@dataclass
class Leg:
    mode: str                      # rail, road, sea, ferry, handling
    from_place: str
    to_place: str
    distance_km: float
    transit_hours: float
    cost_usd: float
    co2_kg: float
    detail: str = ""               # e.g. "gauge change 1435->1520", "port dwell", corridor names
    # [[lon, lat], ...] (a property, below: drawn by `draw` on first use, since most callers never ask)
    coordinates: list[list[float]] | None = None
    to_country: str = ""           # ISO3 where the leg ends (internal: shapes the corridor signature)
    hours_by_part: dict[str, float] = field(default_factory=_zero_parts)   # TIME_PARTS -> hours
    draw: Callable[[], list[list[float]]] | None = field(default=None, repr=False, compare=False)

    def to_dict(self, geometry: bool = False) -> dict[str, Any]:
        # `x and round(x, n)` is round(x, n) (a zero, of either sign, is itself): over half the values are zeros
        g = self.hours_by_part.get
        d = {"mode": self.mode, "from": self.from_place, "to": self.to_place,
             "distance_km": (x := self.distance_km) and round(x, 1),
             "transit_hours": (x := self.transit_hours) and round(x, 2),
             "cost_usd": (x := self.cost_usd) and round(x, 2), "co2_kg": (x := self.co2_kg) and round(x, 2),
             "detail": self.detail, "hours_by_part": _parts_rounded(g)}
        if geometry:
            coords = self.__dict__.get("_coordinates")  # drawn already (most often): the property, without its call
            d["coordinates"] = coords if coords is not None else self.coordinates
        return d

    def __getstate__(self) -> dict[str, Any]:
        """Pickles and copies carry the drawn coordinates, not the drawing function."""
        self.coordinates  # noqa: B018 (draws them)
        return {**self.__dict__, "draw": None}


def _get_coordinates(leg: Leg) -> list[list[float]]:
    coords = leg.__dict__.get("_coordinates")
    if coords is None:
        draw = leg.__dict__.get("draw")
        coords = draw() if draw is not None else []
        leg.__dict__["_coordinates"] = coords
        leg.__dict__["draw"] = None
    return coords


def _set_coordinates(leg: Leg, coords: list[list[float]] | None) -> None:
    leg.__dict__["_coordinates"] = coords


Leg.coordinates = property(_get_coordinates, _set_coordinates,  # type: ignore[assignment]
                           doc="[[lon, lat], ...] along the leg, drawn on first use")


class EdgeLine(PrewrittenList):
    """[[lon, lat], ...] of a network edge, a run of network edges or a whole leg, kept per network
    (`PathEvaluator._leg_coords`) and shared by every leg drawn along it: read-only (a change raises TypeError;
    copies are plain lists). Its JSON text (what `jsonout.dumps_bytes` writes for it) is made on first use and
    kept with it, so the API copies a leg's coordinates as text instead of writing ~1,000 floats per answer."""

    __slots__ = ("_text", "_pieces")

    def __init__(self, points: Any = (), json_text: Callable[[], bytes] | None = None) -> None:
        list.__init__(self, points)
        self._json_text = json_text  # makes the text from its parts' texts (None: written from the points)
        self._text: bytes | None = None
        self._pieces: tuple[bytes, bytes] | None = None

    def _written(self) -> bytes:
        make = self._json_text
        return make() if make is not None else dumps_bytes(self[:])

    def text(self) -> bytes:
        """`dumps_bytes` of the points: `[[lon,lat],...]`."""
        text = self._text
        if text is None:
            text = self._text = self._written()
            self._json_text = None  # (its parts are no longer needed)
        return text

    json_text = text

    def pieces(self) -> tuple[bytes, bytes]:
        """The text of the first point and that of the others (comma-separated, no brackets), for joining lines."""
        pieces = self._pieces
        if pieces is None:
            inner = (self._text or self._written())[1:-1]  # (an edge's text is not kept: only its pieces)
            j = inner.find(b"]") + 1
            pieces = self._pieces = (inner[:j], inner[j + 1:])
        return pieces


def _read_only(name: str) -> Callable:
    def method(self: EdgeLine, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{name}: these coordinates are shared with the network's kept lines and other legs; "
                        "change a copy (list(coordinates))")

    method.__name__ = name
    return method


for _name in PrewrittenList.CHANGES:
    setattr(EdgeLine, _name, _read_only(_name))


def joined_text(parts: list[tuple[EdgeLine, bool]]) -> bytes:
    """JSON text of the points of `parts` (line, without its first point?) one after another: `dumps_bytes` of the
    joined list, from each line's pieces."""
    chunks = []
    for line, skip_first in parts:
        head, tail = line.pieces()
        if head and not skip_first:
            chunks.append(head)
        if tail:
            chunks.append(tail)
    return b"[" + b",".join(chunks) + b"]"


@dataclass
class Route:
    rank: int
    summary: str
    modes: list[str]
    main_mode: str
    distance_km: float
    transit_days: float
    cost_usd: float
    co2_kg: float
    countries: list[str]
    passages: list[str]
    border_crossings: list[dict]
    gauge_changes: list[dict]
    transfers: int
    corridors: list[str]
    legs: list[Leg]
    objective_value: float = 0.0
    time_breakdown_hours: dict[str, float] = field(default_factory=_zero_parts)  # TIME_PARTS -> hours
    terminal_to_terminal_days: float = 0.0   # without first/last-mile trucks of an intermodal trip and customs

    @property
    def door_to_door_days(self) -> float:
        return self.transit_days

    def to_dict(self, geometry: bool = False) -> dict[str, Any]:
        # as dataclasses.asdict, without drawing the legs, in the fields' order; the fields hold plain data (text,
        # numbers, lists and dicts of them), copied by `_plain_copy` (copy.deepcopy took ~0.15 ms a route for the
        # same copy); `x and round(x, n)` is round(x, n)
        c = _plain_copy
        d = {"rank": c(self.rank), "summary": c(self.summary), "modes": c(self.modes), "main_mode": c(self.main_mode),
             "distance_km": (x := self.distance_km) and round(x, 1),
             "transit_days": (x := self.transit_days) and round(x, 2),
             "cost_usd": (x := self.cost_usd) and round(x, 1), "co2_kg": (x := self.co2_kg) and round(x, 1),
             "countries": c(self.countries), "passages": c(self.passages),
             "border_crossings": c(self.border_crossings), "gauge_changes": c(self.gauge_changes),
             "transfers": c(self.transfers), "corridors": c(self.corridors),
             "time_breakdown_hours": _parts_rounded(self.time_breakdown_hours.get),
             "terminal_to_terminal_days": (x := self.terminal_to_terminal_days) and round(x, 2)}
        d["door_to_door_days"] = d["transit_days"]
        d["legs"] = [leg.to_dict(geometry) for leg in self.legs]
        return d


_ROUTE_FIELDS = ("rank", "summary", "modes", "main_mode", "distance_km", "transit_days", "cost_usd", "co2_kg",
                 "countries", "passages", "border_crossings", "gauge_changes", "transfers", "corridors",
                 "time_breakdown_hours", "terminal_to_terminal_days")  # what Route.to_dict writes, in this order
assert _ROUTE_FIELDS == tuple(f.name for f in fields(Route) if f.name not in ("legs", "objective_value"))


def _plain_copy(x: Any) -> Any:
    """A deep copy of plain data: lists and dicts copied all the way down, text and numbers shared (they are
    immutable); any other object goes to copy.deepcopy."""
    t = type(x)
    if t in _ATOMS:
        return x
    if t is list:
        if _ATOMS.issuperset(map(type, x)):  # (the common case, at C speed: names, a border crossing's fields)
            return x[:]
        return [v if type(v) in _ATOMS else _plain_copy(v) for v in x]
    if t is dict:
        if _ATOMS.issuperset(map(type, x.values())):
            return x.copy()
        return {k: v if type(v) in _ATOMS else _plain_copy(v) for k, v in x.items()}
    return copy.deepcopy(x)


_ATOMS = frozenset({str, int, float, bool, type(None)})
_PLACE_FIELDS = tuple(f.name for f in fields(Place))


def _place_dict(p: Place) -> dict[str, Any]:
    """`p.to_dict()` (dataclasses.asdict, ~7 us): a copy of its fields (~0.5 us) when they are all text or numbers
    and its attributes are just its fields, in their order."""
    if type(p) is Place:
        d = p.__dict__.copy()
        if tuple(d) == _PLACE_FIELDS and _ATOMS.issuperset(map(type, d.values())):
            return d
    return p.to_dict()


@dataclass
class PlanResult:
    origin: Place
    destination: Place
    scenario: str
    objective: str
    quantity: str
    routes: list[Route]
    notes: list[str] = field(default_factory=list)
    value_of_time_usd_per_teu_day: float = 0.0   # used by the generalized objective
    carbon_price_usd_per_t: float = 0.0

    def to_dict(self, geometry: bool = False) -> dict[str, Any]:
        return {"origin": _place_dict(self.origin), "destination": _place_dict(self.destination),
                "scenario": self.scenario, "objective": self.objective, "quantity": self.quantity,
                "value_of_time_usd_per_teu_day": round(self.value_of_time_usd_per_teu_day, 2),
                "carbon_price_usd_per_t": round(self.carbon_price_usd_per_t, 2),
                "routes": [r.to_dict(geometry) for r in self.routes], "notes": self.notes}

    def to_frame(self) -> "pd.DataFrame":
        """One row per route with its totals."""
        import pandas as pd

        rows = [{"rank": r.rank, "summary": r.summary, "main_mode": r.main_mode, "distance_km": r.distance_km,
                 "transit_days": r.transit_days, "terminal_to_terminal_days": r.terminal_to_terminal_days,
                 **{f"{k}_hours": r.time_breakdown_hours.get(k, 0.0) for k in TIME_PARTS},
                 "cost_usd": r.cost_usd, "co2_kg": r.co2_kg,
                 "countries": "-".join(r.countries), "passages": ",".join(r.passages),
                 "border_crossings": len(r.border_crossings), "gauge_changes": len(r.gauge_changes),
                 "transfers": r.transfers} for r in self.routes]
        return pd.DataFrame(rows)

    def legs_frame(self, rank: int = 1) -> "pd.DataFrame":
        import pandas as pd

        route = next(r for r in self.routes if r.rank == rank)
        return pd.DataFrame([leg.to_dict() for leg in route.legs])

    def to_geojson(self) -> dict[str, Any]:
        """One LineString feature per movement leg, with the leg's and the route's properties."""
        from beltroad.io.geojson import plan_geojson

        return plan_geojson(self)
