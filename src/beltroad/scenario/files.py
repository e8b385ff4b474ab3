"""Reading scenario YAML with bounds: a scenario file is small, regular and plain.

A scenario may come from anyone (a shared folder, an e-mail), so reading one must not hang, exhaust
memory or open files it was not asked to: only regular files (no FIFOs, devices such as /dev/zero),
at most `MAX_SCENARIO_BYTES`, UTF-8, and at most `MAX_ALIASES` YAML aliases (which defeats
"billion laughs" alias bombs). Preset names are plain names; paths are only explicit `.yaml` files.
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import yaml

MAX_SCENARIO_BYTES = 64 * 1024   # the largest preset is ~1 KB; a scenario is a handful of settings
MAX_ALIASES = 16                 # aliases are a convenience; an alias bomb needs hundreds
MAX_BASE_DEPTH = 8               # presets chain at most three deep
PRESET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
YAML_SUFFIXES = (".yaml", ".yml")


class ScenarioError(ValueError):
    """A scenario cannot be read or is malformed; the message names the file, line and field."""


class TooManyAliases(yaml.MarkedYAMLError):
    """A document with more than `MAX_ALIASES` aliases: it parses, but is refused."""

    refusal = "refused"


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents with more than `MAX_ALIASES` aliases."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise TooManyAliases(problem=f"more than {MAX_ALIASES} YAML aliases; write the values out",
                                     problem_mark=self.peek_event().start_mark)
        return super().compose_node(parent, index)


def read_text(path: Path) -> str:
    """The text of a scenario file, refusing anything but a small regular UTF-8 file."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ScenarioError(f"{path}: not a regular file (a scenario is a .yaml file)")
    if st.st_size > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{path}: {st.st_size:,} bytes; a scenario file is at most {MAX_SCENARIO_BYTES:,} bytes")
    try:  # O_NONBLOCK: should the file be swapped for a FIFO after the check, opening it still does not hang
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ScenarioError(f"{path}: not a regular file (a scenario is a .yaml file)")
        data = f.read(MAX_SCENARIO_BYTES + 1)
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_SCENARIO_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text") from None


def load_yaml(text: str):
    return yaml.load(text, Loader=BoundedLoader)  # noqa: S506 (a SafeLoader subclass)


def compose_yaml(text: str):
    return yaml.compose(text, Loader=BoundedLoader)


def is_file_reference(name: str) -> bool:
    """A `.yaml`/`.yml` name is a file; anything else must be a preset name."""
    return name.lower().endswith(YAML_SUFFIXES)


def check_preset_name(name: str) -> None:
    if not PRESET_NAME.match(name):
        raise ScenarioError(f"'{name[:100]}' is not a preset name (letters, digits, '-' and '_'); "
                            "give a path ending in .yaml to load a file")
