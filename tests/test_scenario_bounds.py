"""Bounded scenario loading: hostile or mistyped files give a `ScenarioError` naming the problem, quickly."""
from __future__ import annotations

import os
import threading

import pytest

from beltroad.scenario import ScenarioError, apply_scenario, load_scenario
from beltroad.scenario.files import MAX_SCENARIO_BYTES


def write(tmp_path, name: str, text: str):
    f = tmp_path / name
    f.write_text(text)
    return str(f)


def refused(source, match: str) -> None:
    """Loading the scenario `source` raises a ScenarioError whose message matches `match`."""
    with pytest.raises(ScenarioError, match=match):
        load_scenario(source)


def test_alias_bomb_is_refused(tmp_path):
    lines = ["name: bomb", 'a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    refused(write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n"), "YAML aliases")


def test_a_few_aliases_are_fine(tmp_path):
    f = write(tmp_path, "ok.yaml", "name: ok\nclosures:\n  countries: &c [RUS]\n  links: []\n"
                                   "description: fine\n")
    assert load_scenario(f).closures.countries == ["RUS"]


def test_oversized_file_is_refused(tmp_path):
    f = write(tmp_path, "big.yaml", "name: big\ndescription: " + "x" * (MAX_SCENARIO_BYTES + 10) + "\n")
    refused(f, "at most")


def test_symlink_to_dev_zero_is_refused(tmp_path):
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    refused(str(link), "not a regular file")


def test_named_pipe_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result: list = []

    def load():
        try:
            load_scenario(str(fifo))
        except ScenarioError as exc:
            result.append(exc)

    t = threading.Thread(target=load, daemon=True)
    t.start()
    t.join(timeout=10)
    if t.is_alive():  # unblock the reader so the test process can end
        with open(fifo, "w"):
            pass
        pytest.fail("loading a named pipe hung")
    assert result and "not a regular file" in str(result[0])


def test_base_cycle_names_the_chain(tmp_path):
    write(tmp_path, "a.yaml", "name: a\nbase: b.yaml\n")
    write(tmp_path, "b.yaml", "name: b\nbase: a.yaml\n")
    refused(str(tmp_path / "a.yaml"), r"loops: a -> b -> a")
    write(tmp_path, "self.yaml", "name: self\nbase: self.yaml\n")
    refused(str(tmp_path / "self.yaml"), r"loops: self -> self")


def test_base_must_be_a_name(tmp_path):
    refused(write(tmp_path, "b.yaml", "name: b\nbase: 5\n"), r":2: field 'base'")


@pytest.mark.parametrize("name", ["../../etc/passwd", "presets/../baseline", "/etc/hostname", "a/b", ".."])
def test_presets_are_names_only(name):
    refused(name, "not a preset name")


def test_preset_base_with_traversal_is_refused(tmp_path):
    elsewhere = tmp_path / "evil.yaml"
    elsewhere.write_text("name: evil\n")
    rel = os.path.relpath(tmp_path / "evil", start=os.path.dirname(load_scenario.__code__.co_filename) + "/presets")
    f = write(tmp_path, "child.yaml", f"name: child\nbase: {rel}\n")
    refused(f, "not a preset name")


@pytest.mark.parametrize("text,message", [
    ("closures:\n  countries: [RUZ]\n", "closures.countries: 'RUZ' is not in the network (did you mean: "),
    ("closures:\n  links: [no_such_link]\n", "closures.links: 'no_such_link' is not in the network"),
    ("closures:\n  nodes: [duisbrug]\n", "closures.nodes: 'duisbrug' is not in the network (did you mean: duisburg"),
    ("closures:\n  crossings: [x_nope]\n", "closures.crossings: 'x_nope' is not in the network"),
    ("projects:\n  exclude: [P999]\n", "projects.exclude: 'P999' is not in the network"),
    ("overrides:\n  speed_factor: {rial: 5}\n", "overrides.speed_factor: key 'rial' is not a mode"),
    ("overrides:\n  border_time_factor: {KZA: 0.5}\n", "overrides.border_time_factor: key 'KZA'"),
])
def test_unknown_ids_and_keys_are_errors_with_suggestions(tmp_path, network, text, message):
    sc = load_scenario(write(tmp_path, "s.yaml", "name: s\n" + text))
    with pytest.raises(ScenarioError) as e:
        apply_scenario(network, sc)
    assert message in str(e.value)


@pytest.mark.parametrize("text,match", [
    pytest.param("closures:\n  countries: [RUZ]\n", r"did you mean: [^?]*RUS", id="suggestions name the intended id"),
    pytest.param("overrides:\n  speed_factor: {rial: 5}\n", r"did you mean: rail", id="rial suggests rail"),
])
def test_misspelt_ids_get_a_suggestion(tmp_path, network, text, match):
    sc = load_scenario(write(tmp_path, "s.yaml", "name: s\n" + text))
    with pytest.raises(ScenarioError, match=match):
        apply_scenario(network, sc)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1e309", "-1", "1e6"])
def test_factors_are_finite_and_bounded(tmp_path, value):
    refused(write(tmp_path, "s.yaml", f"name: s\nyear: 2020\noverrides:\n  speed_factor: {{rail: {value}}}\n"),
            r":4: field 'overrides.speed_factor.rail'")


def test_zero_speed_factor_is_refused_not_ignored(tmp_path):
    refused(write(tmp_path, "s.yaml", "name: s\noverrides:\n  speed_factor: {rail: 0}\n"), "speed_factor.rail")


def test_every_preset_passes_the_network_check(network):
    from beltroad.scenario import list_scenarios

    for info in list_scenarios():
        apply_scenario(network, load_scenario(info.name))
