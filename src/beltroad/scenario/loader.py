"""Finding and reading scenarios: presets by name, files by `.yaml` path, `base` chains merged in.

A malformed file raises `ScenarioError` naming the file, the line and the field; a `base` loop is
reported with its chain. Reading itself is bounded (`scenario.files`).
"""
from __future__ import annotations

from pathlib import Path

from beltroad.data.yaml_lines import key_lines, validate_yaml, yaml_mapping
from beltroad.scenario.files import (MAX_BASE_DEPTH, ScenarioError, check_preset_name, compose_yaml,
                                     is_file_reference, load_yaml, read_text)
from beltroad.scenario.model import Scenario, ScenarioInfo

PRESET_DIR = Path(__file__).resolve().parent / "presets"


def _read(path: Path) -> tuple[dict, str]:
    text = read_text(path)
    data = yaml_mapping(text, str(path), ScenarioError, "a scenario file must be a mapping with at least 'name'",
                        load=load_yaml)
    return data, text


def _merge(base: dict, child: dict) -> dict:
    out = dict(base)
    for k, v in child.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        elif isinstance(v, list) and isinstance(out.get(k), list) and k != "include_status":
            out[k] = list(dict.fromkeys(out[k] + v))
        else:
            out[k] = v
    return out


def _resolve_path(name_or_path: str, relative_to: Path | None = None) -> Path:
    """A `.yaml` name is a file (relative to the including file's folder, if any); anything else a preset."""
    if is_file_reference(name_or_path):
        p = Path(name_or_path)
        if relative_to is not None and not p.is_absolute():
            p = relative_to / p
        if not p.exists():
            raise ScenarioError(f"scenario file '{name_or_path}' not found")
        return p
    check_preset_name(name_or_path)
    preset = PRESET_DIR / f"{name_or_path}.yaml"
    if preset.is_file():
        return preset
    names = ", ".join(s.name for s in list_scenarios())
    raise ScenarioError(f"unknown scenario '{name_or_path}'; presets: {names} (or give a .yaml file)")


def load_scenario(name_or_path: str, _chain: tuple[Path, ...] = ()) -> Scenario:
    """A preset by name or a YAML file, with its `base` chain merged in."""
    if not isinstance(name_or_path, str):
        raise ScenarioError(f"a scenario is named by a string, not {type(name_or_path).__name__}")
    path = _resolve_path(name_or_path, relative_to=_chain[-1].parent if _chain else None)
    key = path.resolve()
    if key in {p.resolve() for p in _chain}:
        names = " -> ".join(p.stem for p in (*_chain, path))
        raise ScenarioError(f"{path}: scenario base chain loops: {names}")
    if len(_chain) >= MAX_BASE_DEPTH:
        raise ScenarioError(f"{path}: scenario base chain deeper than {MAX_BASE_DEPTH}: "
                            + " -> ".join(p.stem for p in (*_chain, path)))
    data, text = _read(path)
    if "name" not in data and data:
        data = {"name": path.stem, **data}
    base_name = data.get("base")
    merged = data
    if base_name is not None and not isinstance(base_name, str):
        line = key_lines(text, compose_yaml).get(("base",), 1)
        raise ScenarioError(f"{path}:{line}: field 'base': must be a scenario name or a .yaml file, "
                            f"not {base_name!r}")
    if base_name:
        base = load_scenario(base_name, (*_chain, path))
        base_dict = base.model_dump(exclude={"name", "description", "base", "sources"})
        merged = _merge(base_dict, {k: v for k, v in data.items()})
    return validate_yaml(Scenario, merged, text, str(path), ScenarioError, compose_yaml)


def list_scenarios() -> list[ScenarioInfo]:
    out = []
    for f in sorted(PRESET_DIR.glob("*.yaml")):
        data = load_yaml(read_text(f)) or {}
        out.append(ScenarioInfo(name=f.stem, description=str(data.get("description", "")).strip(), path=str(f)))
    return out
