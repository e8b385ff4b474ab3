"""Check a scenario's ids and keys against the network, so that a typo is an error, not a silent no-op.

Every ISO3 code, link, node, crossing and project id, and every override key must name something the
network has; the error says what was given, where, and the closest known names (rapidfuzz).
"""
from __future__ import annotations

import os
from typing import Iterable

from rapidfuzz import fuzz, process

from beltroad.network.build import MODES, Network
from beltroad.scenario.files import ScenarioError


def did_you_mean(value: str, known: Iterable[str], limit: int = 3) -> str:
    """' (did you mean: a, b?)' with the closest known names, or ''.

    Ties in similarity (common among three-letter codes) go to the longer shared prefix, then the name.
    """
    value = str(value)
    hits = process.extract(value, sorted(known), scorer=fuzz.WRatio, limit=50, score_cutoff=60)
    ranked = sorted(hits, key=lambda h: (-h[1], -len(os.path.commonprefix([h[0].lower(), value.lower()])), h[0]))
    return f" (did you mean: {', '.join(h[0] for h in ranked[:limit])}?)" if ranked else ""


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
    keyed = ((("border_time_factor", "border_fee_factor"), {"*"} | countries | links, ["*", *sorted(countries)],
              "'*', an ISO3 country of the network or a link id"),
             (("speed_factor", "cost_factor"), set(MODES) | corridors(net), None,
              f"a mode ({', '.join(MODES)}) or a corridor id"))
    for fields, allowed, hints, what in keyed:
        for field in fields:
            for k in getattr(sc.overrides, field):
                if k not in allowed:
                    problems.append(f"overrides.{field}: key '{k}' is not {what}{did_you_mean(k, hints or allowed)}")
    if problems:
        raise ScenarioError(f"scenario '{sc.name}': " + "; ".join(problems))
