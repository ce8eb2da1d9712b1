"""The fair-share floor priced from outside the engine (matching.fairshare): no database."""

from __future__ import annotations

from itertools import product

import pytest

from matching import engine
from matching.fairshare import (
    CAPACITY,
    COMPETING,
    NO_ELIGIBLE,
    NO_QUESTIONNAIRE,
    TOO_FEW_ELIGIBLE,
    fair_share_solve,
    persons_per_municipality,
    true_score,
)


def solve(instance: engine.Instance) -> engine.Result:
    return engine.solve(instance, time_limit=10)


def instance(municipalities, households, scores) -> engine.Instance:
    return engine.parse_instance(
        {
            "format": "rematch-instance/1",
            "dimensions": ["persons"],
            "municipalities": [{"id": m, "capacity": {"persons": c}} for m, c in municipalities],
            "households": [{"id": h, "demand": {"persons": p}} for h, p in households],
            "scores": [{"household": h, "municipality": m, "score": s} for h, m, s in scores],
        }
    )


# Kiel fits everyone best; Plön needs 2 persons. Moving H2 (2 persons, loses 10) is the one
# cheapest move; H1 would lose 30, H3 (1 person) is not enough alone.
ONE_MOVE = instance(
    [("kiel", 6), ("ploen", 6)],
    [("H1", 2), ("H2", 2), ("H3", 1)],
    [
        ("H1", "kiel", 100),
        ("H1", "ploen", 70),
        ("H2", "kiel", 90),
        ("H2", "ploen", 80),
        ("H3", "kiel", 50),
        ("H3", "ploen", 20),
    ],
)


def best_with_floors(inst: engine.Instance, floors: dict[str, int]) -> float:
    """Brute force: the best score of any assignment that meets every floor."""
    options: dict[str, list[str | None]] = {h.id: [None] for h in inst.households}
    for pair in inst.scores:
        options[pair.household].append(pair.municipality)
    capacity = {m.id: m.capacity["persons"] for m in inst.municipalities}
    best = float("-inf")
    for choice in product(*options.values()):
        assignment: dict[str, str] = {h: m for h, m in zip(options, choice, strict=True) if m}
        placed = persons_per_municipality(inst, assignment)
        if any(placed[m] > capacity[m] for m in placed):
            continue
        if all(placed.get(m, 0) >= f for m, f in floors.items()):
            best = max(best, true_score(inst, assignment))
    return best


def test_the_floor_moves_exactly_one_household_and_the_price_is_the_difference_of_the_solves():
    plain = solve(ONE_MOVE)
    assert set(plain.assignment.values()) == {"kiel"}
    outcome = fair_share_solve(ONE_MOVE, {"kiel": 0, "ploen": 2}, plain=plain, solve=solve)
    moved = {h for h in plain.assignment if outcome.fair.assignment.get(h) != plain.assignment[h]}
    assert moved == {"H2"}
    assert outcome.fair.assignment["H2"] == "ploen"
    assert outcome.unmet == []
    assert outcome.plain_score == 240
    assert outcome.fair_score == best_with_floors(ONE_MOVE, {"ploen": 2}) == 230
    assert outcome.price == outcome.plain_score - outcome.fair_score == 10
    assert outcome.proven  # the bonus is positive and Plön receives exactly its floor


def test_a_floor_of_zero_gives_the_plain_result():
    plain = solve(ONE_MOVE)
    outcome = fair_share_solve(ONE_MOVE, {"kiel": 0, "ploen": 0}, plain=plain, solve=solve)
    assert outcome.fair is plain
    assert outcome.price == 0
    assert outcome.solves == 0
    assert all(f.met for f in outcome.floors)


def test_a_floor_the_capacity_cannot_hold_is_reported_with_the_most_possible():
    plain = solve(ONE_MOVE)
    small = instance(
        [("kiel", 6), ("ploen", 2)],
        [("H1", 2), ("H2", 2), ("H3", 1)],
        [(p.household, p.municipality, p.score) for p in ONE_MOVE.scores],
    )
    outcome = fair_share_solve(small, {"ploen": 4}, plain=solve(small), solve=solve)
    (row,) = outcome.unmet
    assert (row.municipality, row.floor, row.fair, row.reachable, row.reason) == (
        "ploen",
        4,
        2,
        2,
        CAPACITY,
    )
    assert plain.objective >= outcome.fair_score


@pytest.mark.parametrize(
    ("floors", "reason"),
    [
        ({"ploen": 9}, TOO_FEW_ELIGIBLE),
        ({"eutin": 1}, NO_ELIGIBLE),
        ({"absent": 1}, NO_QUESTIONNAIRE),
    ],
)
def test_floors_the_households_do_not_allow_are_reported_not_dropped(floors, reason):
    inst = instance(
        [("kiel", 9), ("ploen", 9), ("eutin", 9)],
        [("H1", 2), ("H2", 2), ("H3", 1)],
        [(p.household, p.municipality, p.score) for p in ONE_MOVE.scores],
    )
    outcome = fair_share_solve(inst, floors, plain=solve(inst), solve=solve)
    (row,) = outcome.unmet
    assert row.reason == reason
    assert not row.met


def test_two_floors_that_want_the_same_household_are_reported_as_competing():
    inst = instance(
        [("kiel", 9), ("ploen", 9), ("eutin", 9)],
        [("H1", 2), ("H2", 1)],
        [
            ("H1", "kiel", 100),
            ("H1", "ploen", 50),
            ("H1", "eutin", 50),
            ("H2", "kiel", 100),
        ],
    )
    outcome = fair_share_solve(inst, {"ploen": 2, "eutin": 2}, plain=solve(inst), solve=solve)
    assert sorted(f.municipality for f in outcome.floors if f.met) == ["eutin"] or sorted(
        f.municipality for f in outcome.floors if f.met
    ) == ["ploen"]
    (row,) = outcome.unmet
    assert row.reason == COMPETING
    assert row.reachable == 2
