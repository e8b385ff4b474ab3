"""Digital scenarios: which cables, segments, passages, countries or stations are cut.

A scenario is a YAML file validated with pydantic; errors name the file, the line and the field.
Presets ship in `presets/`. A transport scenario of `beltroad.scenario` may be named too: its passage and
country closures then cut every segment crossing them (the YAML is read, the transport code is not).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from functools import partial
from typing import Annotated, Literal

import numpy as np
import yaml

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from beltroad.data.countries import iso3_codes
from beltroad.data.yaml_lines import validate_yaml, yaml_mapping
from beltroad.data.sea import canonical_passages

from .model import CableNet

PRESET_DIR = Path(__file__).resolve().parent / "presets"
TRANSPORT_PRESET_DIR = Path(__file__).resolve().parent.parent / "scenario" / "presets"


class DigitalScenarioError(ValueError):
    """A digital scenario cannot be read or is malformed (message names file, line and field)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SegmentCut(_Strict):
    """The segments of one cable that cross a passage or sea, or join two stations."""

    cable: str
    passage: str | None = None
    sea: str | None = None
    between: list[str] | None = Field(None, description="two station ids")

    @field_validator("passage")
    @classmethod
    def _passage(cls, v: str | None) -> str | None:
        return canonical_passages([v], "passage")[0] if v else v

    @field_validator("between")
    @classmethod
    def _between(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(v) != 2:
            raise ValueError("'between' takes exactly two station ids")
        return v

    @model_validator(mode="after")
    def _one(self) -> "SegmentCut":
        if sum(x is not None for x in (self.passage, self.sea, self.between)) != 1:
            raise ValueError("give exactly one of 'passage', 'sea' or 'between'")
        return self


class Cuts(_Strict):
    cables: list[str] = Field(default_factory=list, description="cable ids cut along their whole length")
    segments: list[SegmentCut] = Field(default_factory=list)
    passages: Annotated[list[str], AfterValidator(partial(canonical_passages, what="cut passage"))] = Field(
        default_factory=list, description="every segment crossing these passages")
    countries: Annotated[list[str], AfterValidator(partial(iso3_codes, example="EGY"))] = Field(
        default_factory=list, description="ISO3: segments landing in or crossing them")
    stations: list[str] = Field(default_factory=list, description="station ids out of service")


class DigitalScenario(_Strict):
    name: str
    description: str = ""
    base: str | None = Field(None, description="another digital scenario whose cuts are added")
    include_status: list[Literal["operating", "under_construction", "planned", "legacy"]] = Field(
        default_factory=lambda: ["operating"], description="cable statuses in service")
    cuts: Cuts = Field(default_factory=Cuts)
    sources: list[str] = Field(default_factory=list)


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def load_digital_scenario(name_or_path: str, _seen: tuple = ()) -> DigitalScenario:
    """A preset by name, a transport preset's closures, or a YAML file."""
    if name_or_path in ("baseline", "", None):
        return DigitalScenario(name="baseline", description="cables operating today, nothing cut")
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml"):
        if not p.exists():
            raise DigitalScenarioError(f"{p}: no such file")
        path = p
    elif (PRESET_DIR / f"{name_or_path}.yaml").exists():
        path = PRESET_DIR / f"{name_or_path}.yaml"
    elif (TRANSPORT_PRESET_DIR / f"{name_or_path}.yaml").exists():
        return _from_transport(TRANSPORT_PRESET_DIR / f"{name_or_path}.yaml")
    else:
        raise DigitalScenarioError(f"unknown scenario '{name_or_path}'; digital presets: {', '.join(['baseline'] + preset_names())} "
                                   "(or a transport preset with passage/country closures, or a .yaml file)")
    text = path.read_text()
    data = yaml_mapping(text, str(path), DigitalScenarioError, "a scenario is a mapping with at least 'name'")
    sc = validate_yaml(DigitalScenario, data, text, str(path), DigitalScenarioError)
    if sc.base and sc.base != "baseline":
        if sc.base in _seen:
            raise DigitalScenarioError(f"{path}: 'base' makes a cycle ({' -> '.join(_seen + (sc.base,))})")
        base = load_digital_scenario(sc.base, _seen + (sc.name,))
        merged = Cuts(cables=base.cuts.cables + sc.cuts.cables, segments=base.cuts.segments + sc.cuts.segments,
                      passages=base.cuts.passages + sc.cuts.passages, countries=base.cuts.countries + sc.cuts.countries,
                      stations=base.cuts.stations + sc.cuts.stations)
        sc = sc.model_copy(update={"cuts": merged})
    return sc


def _from_transport(path: Path) -> DigitalScenario:
    data = yaml.safe_load(path.read_text()) or {}
    closures = data.get("closures") or {}
    try:
        cuts = Cuts(passages=list(closures.get("passages") or []), countries=list(closures.get("countries") or []))
    except ValidationError as exc:
        raise DigitalScenarioError(f"{path}: closures cannot apply to cables: {exc.errors()[0]['msg']}") from None
    return DigitalScenario(name=data.get("name", path.stem),
                           description=f"transport scenario's passage and country closures applied to cables: "
                                       f"{data.get('description', '').strip()}", cuts=cuts, sources=data.get("sources") or [])


@dataclass
class CutState:
    """Per-edge: in service or not, and why an edge was cut."""

    label: str
    active: np.ndarray
    reason: list[str]


def apply_digital(net: CableNet, sc: DigitalScenario) -> CutState:
    """Active edges under a scenario; unknown cable or station ids raise with suggestions."""
    e = net.edges
    known_cables = set(net.cables["id"])
    known_stations = set(net.stations["id"])
    for c in list(sc.cuts.cables) + [s.cable for s in sc.cuts.segments]:
        if c not in known_cables:
            raise DigitalScenarioError(f"scenario '{sc.name}': unknown cable '{c}'{_suggest(c, known_cables)}")
    for s in list(sc.cuts.stations) + [x for s in sc.cuts.segments for x in (s.between or [])]:
        if s not in known_stations:
            raise DigitalScenarioError(f"scenario '{sc.name}': unknown station '{s}'{_suggest(s, known_stations)}")
    active = (e["medium"].eq("backhaul") | e["status"].isin(sc.include_status)).to_numpy().copy()
    reason = ["" if a else "not in service" for a in active]

    def cut(mask: np.ndarray, why: str) -> None:
        for i in np.flatnonzero(mask & active):
            reason[i] = why
        active[mask] = False

    pas = e["passages"].str.split(";")
    cut(e["cable"].isin(sc.cuts.cables).to_numpy(), "cable cut")
    for s in sc.cuts.segments:
        m = e["cable"].eq(s.cable).to_numpy().copy()
        if s.passage:
            m &= pas.map(lambda ps, p=s.passage: p in ps).to_numpy()
        elif s.sea:
            m &= e["seas"].str.split(";").map(lambda ss, q=s.sea: q in ss).to_numpy()
        else:
            a, b = s.between
            m &= ((e["from"].eq(a) & e["to"].eq(b)) | (e["from"].eq(b) & e["to"].eq(a))).to_numpy()
        if not m.any():
            raise DigitalScenarioError(f"scenario '{sc.name}': no segment of cable '{s.cable}' matches {s.model_dump(exclude_none=True)}")
        cut(m, f"segment cut ({s.passage or s.sea or '-'.join(s.between)})")
    for p in sc.cuts.passages:
        cut(pas.map(lambda ps, p=p: p in ps).to_numpy(), f"passage {p} closed")
    for c in sc.cuts.countries:
        cut(e["countries"].str.split(";").map(lambda cs, c=c: c in cs).to_numpy(), f"country {c} closed")
    if sc.cuts.stations:
        cut((e["from"].isin(sc.cuts.stations) | e["to"].isin(sc.cuts.stations)).to_numpy(), "station out of service")
    return CutState(label=sc.name, active=active, reason=reason)


def _suggest(q: str, pool: set[str]) -> str:
    from rapidfuzz import process

    hits = [h for h, score, _ in process.extract(q, sorted(pool), limit=3) if score >= 60]
    return f" (did you mean: {', '.join(hits)}?)" if hits else ""
