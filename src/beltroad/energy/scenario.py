"""Energy scenarios: small YAML files validated with pydantic, composable with `extends`.

A scenario fixes the balance year (which supply/demand table), the infrastructure date (which pipelines
and terminals are open), and overrides: pipelines halted or built, sea passages closed, embargoes (an
exporter's flows banned into some buyers, by sea, by pipeline or both). Errors name the field and the line.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from beltroad.data.yaml_lines import validate_yaml, yaml_mapping

PRESET_DIR = Path(__file__).resolve().parent / "presets"


class ScenarioError(ValueError):
    """A scenario name or file cannot be used; the message says why and where."""


class Embargo(BaseModel):
    """Flows of `exporters`' origin into `importers` are banned for the listed commodities and modes."""
    model_config = ConfigDict(extra="forbid")
    exporters: list[str]
    importers: list[str]
    commodities: list[Literal["crude", "gas", "lng"]] = ["crude", "gas", "lng"]
    modes: list[Literal["sea", "pipeline"]] = ["sea", "pipeline"]
    pipelines: list[str] = Field(default_factory=list, description="only these pipelines (empty = all)")
    note: str = ""


class EnergyScenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    extends: str | None = None
    balance_year: Literal[2021, 2023] = 2021
    date: dt.date = dt.date(2021, 12, 31)
    halt: list[str] = Field(default_factory=list, description="pipeline or terminal ids closed")
    build: list[str] = Field(default_factory=list, description="planned pipeline/terminal ids opened")
    closed_passages: list[str] = Field(default_factory=list)
    embargoes: list[Embargo] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)

    @field_validator("closed_passages")
    @classmethod
    def _passages(cls, v: list[str]) -> list[str]:
        from beltroad.energy.sea import canonical_energy_passages

        return canonical_energy_passages(v)


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def load_scenario(name_or_path: str | Path, _seen: tuple = ()) -> EnergyScenario:
    """A preset name or a YAML file, with `extends` resolved (child fields override the parent's)."""
    key = str(name_or_path)
    path = Path(key)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise ScenarioError(f"scenario file '{key}' does not exist")
        text, origin = path.read_text(), path.name
    else:
        preset = PRESET_DIR / f"{key}.yaml"
        if not preset.exists():
            raise ScenarioError(f"unknown energy scenario '{key}'; presets: {', '.join(preset_names())}")
        text, origin = preset.read_text(), preset.name
    if key in _seen:
        raise ScenarioError(f"{origin}: 'extends' loops back to '{key}'")
    raw = yaml_mapping(text, origin, ScenarioError, "a scenario must be a YAML mapping (name:, balance_year:, ...)")
    scen = validate_yaml(EnergyScenario, raw, text, origin, ScenarioError)
    if scen.extends:
        target = scen.extends
        if origin != f"{key}.yaml" and (path.parent / target).exists():   # relative to the including file
            target = str(path.parent / target)
        parent = load_scenario(target, _seen + (key,))
        merged = parent.model_dump()
        for field in raw:
            if field in ("halt", "build", "closed_passages", "embargoes", "sources"):
                merged[field] = list(merged.get(field) or []) + list(scen.model_dump()[field])
            else:
                merged[field] = scen.model_dump()[field]
        merged["extends"] = scen.extends
        scen = EnergyScenario.model_validate(merged)
    return scen
