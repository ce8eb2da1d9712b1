"""Sensitivity of a run to its weights: what changes when one criterion's weight moves ±25 %.

Pure Python on instance documents (no Django; :mod:`matching.services.sensitivity` loads the
run and stores the rows). For every criterion with a weight above 0 and both directions, the
same instance (households, groups, capacities, compatible pairs) is scored again with that one
weight changed, solved with the run's method and compared with the run's assignment: which
households would go elsewhere (another municipality, or placed/unplaced), and how many
households and persons each municipality would gain or lose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SHARE = 0.25  # the issue's ±25 %
DIRECTIONS = (-1, 1)
# How many household references a row keeps (the count is always exact).
LISTED_HOUSEHOLDS = 50

Rescore = Callable[[Mapping[str, float]], Sequence[float]]
Solve = Callable[[dict[str, Any]], dict[str, str]]


@dataclass(frozen=True)
class Perturbation:
    criterion: str
    direction: int  # -1 or +1
    weights: dict[str, float]

    @property
    def percent(self) -> int:
        return round(100 * SHARE) * self.direction


def perturbations(weights: Mapping[str, float], share: float = SHARE) -> list[Perturbation]:
    """One weight at a time, down then up, in the order of ``weights``. A weight of 0 stays 0
    either way, so it is left out (the page says so)."""
    result = []
    for criterion, weight in weights.items():
        if weight <= 0:
            continue
        for direction in DIRECTIONS:
            changed = dict(weights)
            changed[criterion] = weight * (1 + direction * share)
            result.append(Perturbation(criterion, direction, changed))
    return result


@dataclass
class Change:
    """How an assignment differs from the baseline."""

    moved: list[str] = field(default_factory=list)  # household ids, in instance order
    households: dict[str, int] = field(default_factory=dict)  # municipality -> +/- households
    persons: dict[str, int] = field(default_factory=dict)  # municipality -> +/- persons

    def to_dict(self) -> dict[str, Any]:
        return {
            "moved": len(self.moved),
            "moved_households": self.moved[:LISTED_HOUSEHOLDS],
            "households": {m: n for m, n in sorted(self.households.items()) if n},
            "persons": {m: n for m, n in sorted(self.persons.items()) if n},
        }


def compare(
    households: Sequence[str],
    persons: Mapping[str, int],
    baseline: Mapping[str, str],
    other: Mapping[str, str],
) -> Change:
    change = Change()
    for household in households:
        before, after = baseline.get(household), other.get(household)
        if before == after:
            continue
        change.moved.append(household)
        size = persons.get(household, 0)
        for municipality, sign in ((before, -1), (after, 1)):
            if municipality is not None:
                change.households[municipality] = change.households.get(municipality, 0) + sign
                change.persons[municipality] = change.persons.get(municipality, 0) + sign * size
    return change


def _with_scores(document: dict[str, Any], scores: Sequence[float]) -> dict[str, Any]:
    pairs = document["scores"]
    if len(scores) != len(pairs):
        raise ValueError(f"{len(scores)} scores for {len(pairs)} pairs")
    return {
        **document,
        "scores": [{**pair, "score": score} for pair, score in zip(pairs, scores, strict=True)],
    }


def weight_sensitivity(
    document: dict[str, Any],
    baseline: Mapping[str, str],
    weights: Mapping[str, float],
    *,
    rescore: Rescore,
    solve: Solve,
    on_step: Callable[[int, int, Perturbation], None] | None = None,
) -> list[dict[str, Any]]:
    """One row per perturbation: the criterion, the weights before and after, and the
    :class:`Change` against ``baseline``. ``rescore(weights)`` returns the scores of
    ``document["scores"]`` in order; ``solve(document)`` returns an assignment.

    Scores that fall to 0 or below (possible only with negative points) make a pair
    incompatible, as the instance format requires."""
    households = [h["id"] for h in document["households"]]
    persons = {h["id"]: int(h.get("demand", {}).get("persons", 0)) for h in document["households"]}
    steps = perturbations(weights)
    rows = []
    for index, step in enumerate(steps):
        if on_step is not None:
            on_step(index, len(steps), step)
        changed = _with_scores(document, rescore(step.weights))
        changed["scores"] = [p for p in changed["scores"] if p["score"] > 0]
        change = compare(households, persons, baseline, solve(changed))
        rows.append(
            {
                "criterion": step.criterion,
                "percent": step.percent,
                "weight": weights[step.criterion],
                "changed_weight": step.weights[step.criterion],
                **change.to_dict(),
            }
        )
    return rows


def by_criterion(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows paired per criterion for the table: ``{"criterion", "weight", "down", "up"}``."""
    table: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = table.setdefault(
            row["criterion"], {"criterion": row["criterion"], "weight": row["weight"]}
        )
        entry["down" if row["percent"] < 0 else "up"] = row
    return list(table.values())
