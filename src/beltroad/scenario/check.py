"""Check a scenario's ids and keys against the network, so that a typo is an error, not a silent no-op.

Every ISO3 code, link, node, crossing and project id, and every override key must name something the
network has; the error says what was given, where, and the closest known names (rapidfuzz).
"""
from __future__ import annotations

from typing import Iterable

from rapidfuzz import fuzz, process

from beltroad.network.build import MODES, Network
from beltroad.scenario.files import ScenarioError


def did_you_mean(value: str, known: Iterable[str], limit: int = 3) -> str:
    """' (did you mean: a, b?)' with the closest known names, or ''."""
    hits = process.extract(str(value), list(known), scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
    return f" (did you mean: {', '.join(h[0] for h in hits)}?)" if hits else ""


def corridors(net: Network) -> set[str]:
    """Corridor ids named by the dataset's links."""
    return {c for cell in net.links["corridor"].astype(str) for c in cell.split(";") if c}


def check_against_network(net: Network, sc) -> None:
    """Raise `ScenarioError` listing every id or key of `sc` that the network does not know."""
    countries = set(net.countries)
    links = set(net.links["id"])
    known = {
        "closures.countries": countries,
        "closures.links": links,
        "closures.nodes": set(net.places["id"]),
        "closures.crossings": set(net.crossings["id"]),
        "projects.exclude": set(net.projects["id"]),
    }
    values = {
        "closures.countries": sc.closures.countries, "closures.links": sc.closures.links,
        "closures.nodes": sc.closures.nodes, "closures.crossings": sc.closures.crossings,
        "projects.exclude": sc.projects.exclude,
    }
    problems = []
    for field, given in values.items():
        for v in given:
            if v not in known[field]:
                problems.append(f"{field}: '{v}' is not in the network{did_you_mean(v, known[field])}")
    border_keys = {"*"} | countries | links
    for field in ("border_time_factor", "border_fee_factor"):
        for k in getattr(sc.overrides, field):
            if k not in border_keys:
                problems.append(f"overrides.{field}: key '{k}' is not '*', an ISO3 country of the network or a link id"
                                f"{did_you_mean(k, ['*', *sorted(countries)])}")
    mode_keys = set(MODES) | corridors(net)
    for field in ("speed_factor", "cost_factor"):
        for k in getattr(sc.overrides, field):
            if k not in mode_keys:
                problems.append(f"overrides.{field}: key '{k}' is not a mode ({', '.join(MODES)}) or a corridor id"
                                f"{did_you_mean(k, mode_keys)}")
    if problems:
        raise ScenarioError(f"scenario '{sc.name}': " + "; ".join(problems))
