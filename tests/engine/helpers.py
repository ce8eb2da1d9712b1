"""Shared helpers for the engine tests: tiny instance documents and brute force."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from matching.engine import Instance, check_feasible

# Wall-clock slack of the time-limit tests. They check that a limit cuts the work off (the same
# runs take 30-60 s without it), not how fast the machine is: at load 15 on two cores, start-up,
# reading and writing alone took several seconds of wall time. The CPU time a run may use is
# bounded separately (``CPU_CORES`` x limit), which no competing load can inflate.
WALL_SLACK = 10.0
CPU_CORES = 2  # HiGHS uses up to two threads


def document(
    households: list[dict[str, Any]],
    municipalities: list[dict[str, Any]],
    scores: Sequence[tuple[str, str, float]],
    dimensions: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "format": "rematch-instance/1",
        "dimensions": dimensions or ["persons", "school"],
        "municipalities": municipalities,
        "households": households,
        "scores": [{"household": h, "municipality": m, "score": s} for h, m, s in scores],
    }


def brute_force(instance: Instance) -> float:
    """Best objective over every assignment (only for a handful of households)."""
    options: dict[str, list[str | None]] = {h.id: [None] for h in instance.households}
    score = {(p.household, p.municipality): p.score for p in instance.scores}
    for pair in instance.scores:
        options[pair.household].append(pair.municipality)
    ids = list(options)
    best = 0.0
    for choice in itertools.product(*(options[h] for h in ids)):
        assignment = {h: m for h, m in zip(ids, choice, strict=True) if m is not None}
        value = sum(score[(h, m)] for h, m in assignment.items())
        if value > best and not check_feasible(instance, assignment):
            best = value
    return best


def assignment_value(instance: Instance, assignment: dict[str, str]) -> float:
    score = {(p.household, p.municipality): p.score for p in instance.scores}
    return sum(score[(h, m)] for h, m in assignment.items())


def tiny_settings(examples: int = 60) -> Any:
    """Hypothesis settings for solver property tests (no deadline: HiGHS start-up varies)."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
