"""Weight sensitivity on a hand-made instance where one weight decides one household's place."""

from __future__ import annotations

import numpy as np

from matching import engine, scoring
from matching.sensitivity import by_criterion, compare, perturbations, weight_sensitivity

# Points per unit of round weight for each listed pair (household factor x criterion value),
# the way scoring.criterion_points computes them; pairs not listed are incompatible.
POINTS: dict[tuple[str, str], dict[str, float]] = {
    # H1: relatives in A (40 points) against a mix in B (12 + 15 + 15 + 3 = 45 points). Only
    # relatives +25 % (50 points) moves it to A; no other single weight closes the gap of 5.
    ("H1", "A"): {"relatives": 1.0},
    ("H1", "B"): {"housing": 0.6, "labour": 0.6, "community": 1.0, "settlement": 0.15},
    ("H2", "A"): {"education": 0.8},
    ("H3", "B"): {"medical": 1.0, "state": 1.0},
    # H4: education puts A 25 points ahead; ±25 % leaves it there.
    ("H4", "A"): {"education": 1.0},
    ("H4", "B"): {},
}
PERSONS = {"H1": 3, "H2": 1, "H3": 2, "H4": 1}


def _document() -> dict:
    return {
        "format": "rematch-instance/1",
        "dimensions": ["persons"],
        "municipalities": [
            {"id": "A", "capacity": {"persons": 10}},
            {"id": "B", "capacity": {"persons": 10}},
        ],
        "households": [{"id": h, "demand": {"persons": n}} for h, n in PERSONS.items()],
        "scores": [
            {"household": h, "municipality": m, "score": 0} for (h, m) in POINTS
        ],  # filled by _rescore
    }


def _rescore(weights) -> list[int]:
    return [
        int(np.rint(scoring.BASE_SCORE + sum(weights[c] * v for c, v in points.items())))
        for points in POINTS.values()
    ]


def _solve(document: dict) -> dict[str, str]:
    return engine.solve(engine.parse_instance(document), method="milp").assignment


def _baseline(weights) -> tuple[dict, dict[str, str]]:
    document = _document()
    for pair, score in zip(document["scores"], _rescore(weights), strict=True):
        pair["score"] = score
    return document, _solve(document)


def test_moving_the_deciding_weight_moves_exactly_that_household() -> None:
    weights = dict(scoring.DEFAULT_WEIGHTS)
    document, baseline = _baseline(weights)
    assert baseline == {"H1": "B", "H2": "A", "H3": "B", "H4": "A"}
    rows = weight_sensitivity(document, baseline, weights, rescore=_rescore, solve=_solve)
    assert len(rows) == 2 * len(weights)
    deciding = [r for r in rows if r["criterion"] == "relatives" and r["percent"] == 25]
    (row,) = deciding
    assert row["moved"] == 1
    assert row["moved_households"] == ["H1"]
    assert row["households"] == {"A": 1, "B": -1}
    assert row["persons"] == {"A": 3, "B": -3}
    assert row["changed_weight"] == 50
    for other in rows:
        if other is not row:
            assert other["moved"] == 0, other
            assert other["households"] == {}


def test_a_weight_of_zero_is_not_varied() -> None:
    weights = {**scoring.DEFAULT_WEIGHTS, "language_course": 0}
    steps = perturbations(weights)
    assert "language_course" not in {s.criterion for s in steps}
    assert len(steps) == 2 * (len(weights) - 1)
    relatives = [s for s in steps if s.criterion == "relatives"]
    assert [s.weights["relatives"] for s in relatives] == [30, 50]
    assert all(s.weights["housing"] == 20 for s in relatives)  # one weight at a time


def test_progress_is_reported_for_every_step() -> None:
    weights = {"relatives": 40.0, "housing": 20.0}
    document, baseline = _baseline({**scoring.DEFAULT_WEIGHTS, **weights})
    seen: list[tuple[int, int]] = []

    def rescore(changed):
        return _rescore({**scoring.DEFAULT_WEIGHTS, **changed})

    weight_sensitivity(
        document,
        baseline,
        weights,
        rescore=rescore,
        solve=_solve,
        on_step=lambda i, n, _step: seen.append((i, n)),
    )
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4)]


def test_compare_counts_placed_and_unplaced_households_as_moved() -> None:
    change = compare(["H1", "H2", "H3"], PERSONS, {"H1": "A", "H2": "A"}, {"H2": "B", "H3": "B"})
    assert change.moved == ["H1", "H2", "H3"]
    assert change.households == {"A": -2, "B": 2}
    assert change.persons == {"A": -4, "B": 3}


def test_rows_pair_up_per_criterion_for_the_table() -> None:
    rows = [
        {"criterion": "relatives", "percent": -25, "weight": 40, "moved": 0},
        {"criterion": "relatives", "percent": 25, "weight": 40, "moved": 1},
    ]
    (entry,) = by_criterion(rows)
    assert entry["down"]["moved"] == 0
    assert entry["up"]["moved"] == 1
