"""Fair shares solved exactly (matching.fairshare_exact), checked against brute force on tiny
cohorts: the floors are met whenever they can be, the persons short are the fewest possible
when they cannot, and the score is never lower than the floors make necessary. No database."""

from __future__ import annotations

import random
from itertools import product

import pytest

from matching import engine
from matching.fairshare import (
    CAPACITY,
    COMPETING,
    fair_share_solve,
    persons_per_municipality,
    true_score,
)
from matching.fairshare_exact import exact_fair, most_alone

DIMS = ("persons", "school")


def solve(instance: engine.Instance) -> engine.Result:
    return engine.solve(instance, time_limit=10)


def make(municipalities, households, scores, forecast=()) -> engine.Instance:
    """municipalities: (id, persons, school); households: (id, persons, school, group)."""
    document = {
        "format": "rematch-instance/1",
        "dimensions": list(DIMS),
        "municipalities": [
            {"id": m, "capacity": {"persons": p, "school": s}} for m, p, s in municipalities
        ],
        "households": [
            {"id": h, "demand": {"persons": p, "school": s}, **({"group": g} if g else {})}
            for h, p, s, g in households
        ],
        "scores": [{"household": h, "municipality": m, "score": s} for h, m, s in scores],
    }
    if forecast:
        document["forecast"] = list(forecast)
    return engine.parse_instance(document)


def brute_force(inst: engine.Instance, floors: dict[str, int]) -> tuple[int, float]:
    """(fewest persons short, best score among the assignments that short)."""
    options: dict[str, list[str | None]] = {h.id: [None] for h in inst.households}
    for pair in inst.scores:
        options[pair.household].append(pair.municipality)
    group = {h.id: h.group for h in inst.households}
    best: tuple[int, float] = (10**9, float("-inf"))
    for choice in product(*options.values()):
        assignment = {h: m for h, m in zip(options, choice, strict=True) if m}
        if not _feasible(inst, assignment, group):
            continue
        placed = persons_per_municipality(inst, assignment)
        short = sum(max(0, f - placed.get(m, 0)) for m, f in floors.items())
        key = (short, true_score(inst, assignment))
        if key[0] < best[0] or (key[0] == best[0] and key[1] > best[1]):
            best = key
    return best


def _feasible(inst, assignment, group) -> bool:
    for dim in DIMS:
        used = dict.fromkeys((m.id for m in inst.municipalities), 0)
        for h in inst.households:
            if h.id in assignment:
                used[assignment[h.id]] += h.demand.get(dim, 0)
        if any(used[m.id] > m.capacity.get(dim, 0) for m in inst.municipalities):
            return False
    places: dict[str, set[str | None]] = {}
    for h, g in group.items():
        if g:
            places.setdefault(g, set()).add(assignment.get(h))
    return all(len(p) == 1 for p in places.values())


def random_cohort(seed: int) -> tuple[engine.Instance, dict[str, int]]:
    rng = random.Random(seed)
    munis = [(f"m{j}", rng.randint(2, 7), rng.randint(0, 2)) for j in range(3)]
    households = []
    for i in range(rng.randint(3, 6)):
        group = "G1" if i < 2 and rng.random() < 0.3 else None
        households.append((f"H{i}", rng.randint(1, 4), rng.randint(0, 1), group))
    scores = [
        (h, m, rng.randint(10, 100))
        for h, *_ in households
        for m, *_ in munis
        if rng.random() < 0.7
    ]
    floors = {m: rng.randint(0, 5) for m, *_ in munis}
    return make(munis, households, scores), floors


@pytest.mark.parametrize("seed", range(60))
def test_the_exact_programme_equals_brute_force_on_tiny_cohorts(seed):
    inst, floors = random_cohort(seed)
    exact = exact_fair(inst, floors, time_limit=10)
    assert exact is not None
    assert exact.optimal
    fewest, best = brute_force(inst, floors)
    assert sum(exact.shortfall.values()) == fewest
    assert exact.score == pytest.approx(best)
    placed = persons_per_municipality(inst, exact.assignment)
    assert exact.shortfall == {
        m: f - placed.get(m, 0) for m, f in floors.items() if placed.get(m, 0) < f
    }
    assert engine.check_feasible(inst, exact.assignment) == []


@pytest.mark.parametrize("seed", range(60))
def test_the_fair_variant_never_scores_lower_than_the_floors_make_necessary(seed):
    inst, floors = random_cohort(seed)
    plain = solve(inst)
    outcome = fair_share_solve(inst, floors, plain=plain, solve=solve)
    fewest, best = brute_force(inst, floors)
    assert sum(f.short for f in outcome.floors) == fewest
    assert outcome.fair_score == pytest.approx(best)
    assert outcome.proven
    assert outcome.price >= -1e-9
    # What the rows say is what the assignment gives.
    assert engine.check_feasible(inst, outcome.fair.assignment) == []
    placed = persons_per_municipality(inst, outcome.fair.assignment)
    assert {f.municipality: f.fair for f in outcome.floors} == {m: placed.get(m, 0) for m in floors}


# Kiel and Plön both want 3 persons; only H1 (3 persons) fits either, H2 (1 person) only
# Plön. Plön can reach 3 alone (H1), Kiel too, but not both: one is short by 3.
COMPETING_FLOORS = make(
    [("kiel", 9, 0), ("ploen", 9, 0), ("eutin", 9, 0)],
    [("H1", 3, 0, None), ("H2", 1, 0, None), ("H3", 2, 0, None)],
    [
        ("H1", "kiel", 60),
        ("H1", "ploen", 50),
        ("H1", "eutin", 100),
        ("H2", "ploen", 40),
        ("H2", "eutin", 90),
        ("H3", "eutin", 90),
        ("H3", "ploen", 30),
    ],
)


def test_competing_floors_the_price_loop_could_not_meet_are_met_together():
    # Plön can take H2 + H3 (3 persons) and Kiel H1: both floors together, at a price.
    outcome = fair_share_solve(
        COMPETING_FLOORS, {"kiel": 3, "ploen": 3}, plain=solve(COMPETING_FLOORS), solve=solve
    )
    assert outcome.unmet == []
    assert outcome.fair.assignment == {"H1": "kiel", "H2": "ploen", "H3": "ploen"}
    assert outcome.exact
    assert outcome.proven
    assert outcome.fair_score == brute_force(COMPETING_FLOORS, {"kiel": 3, "ploen": 3})[1] == 130


def test_floors_that_cannot_all_be_met_name_who_falls_short_by_how_many_and_who_competes():
    # Plön now needs 5: H1 + H2 + H3 would be 6 but Kiel needs H1. Fewest short: 2 persons
    # (Plön gets H2 + H3 = 3 of 5 and Kiel keeps H1), not 3 (Kiel without H1).
    floors = {"kiel": 3, "ploen": 5}
    outcome = fair_share_solve(COMPETING_FLOORS, floors, plain=solve(COMPETING_FLOORS), solve=solve)
    (row,) = outcome.unmet
    assert (row.municipality, row.floor, row.fair, row.short) == ("ploen", 5, 3, 2)
    assert row.reachable == 6  # alone it could have all three households
    assert row.reason == COMPETING
    assert row.competitors == ("kiel",)
    assert brute_force(COMPETING_FLOORS, floors) == (2, outcome.fair_score)


def test_a_floor_above_what_the_capacity_holds_is_short_because_of_the_capacity():
    inst = make(
        [("kiel", 9, 0), ("ploen", 2, 0)],
        [("H1", 2, 0, None), ("H2", 2, 0, None)],
        [("H1", "kiel", 100), ("H1", "ploen", 10), ("H2", "kiel", 90), ("H2", "ploen", 10)],
    )
    outcome = fair_share_solve(inst, {"ploen": 3}, plain=solve(inst), solve=solve)
    (row,) = outcome.unmet
    assert (row.fair, row.short, row.reachable, row.reason) == (2, 1, 2, CAPACITY)
    assert row.competitors == ()


def test_school_places_and_families_travelling_together_limit_what_a_municipality_can_reach():
    inst = make(
        [("kiel", 9, 1), ("ploen", 9, 1)],
        [("H1", 2, 1, "G"), ("H2", 2, 1, "G"), ("H3", 1, 0, None)],
        [
            ("H1", "kiel", 50),
            ("H2", "kiel", 50),
            ("H1", "ploen", 50),
            ("H2", "ploen", 50),
            ("H3", "ploen", 20),
        ],
    )
    # The family needs two school places together; neither municipality has them.
    assert most_alone(inst, "ploen") == 1
    assert most_alone(inst, "kiel") == 0


def test_with_a_forecast_the_floors_hold_and_the_forecast_is_never_assigned():
    forecast = [{"id": "F1", "demand": {"persons": 2}, "weight": 2, "scores": {"ploen": 500}}]
    inst = make(
        [("kiel", 4, 0), ("ploen", 4, 0)],
        [("H1", 2, 0, None), ("H2", 2, 0, None)],
        [("H1", "kiel", 100), ("H1", "ploen", 90), ("H2", "kiel", 100), ("H2", "ploen", 90)],
        forecast=forecast,
    )
    plain = solve(inst)
    assert "ploen" not in plain.assignment.values()  # Plön is kept for the forecast
    outcome = fair_share_solve(inst, {"ploen": 2}, plain=plain, solve=solve)
    assert outcome.unmet == []
    assert set(outcome.fair.assignment) <= {"H1", "H2"}
    assert persons_per_municipality(inst, outcome.fair.assignment)["ploen"] == 2
    assert outcome.fair.reserved == {"ploen": {"persons": 2}}


def test_the_price_loop_still_serves_cohorts_too_large_for_the_exact_programme():
    # exact_seconds=0 stands for a national round: the bonuses alone meet an easy floor.
    plain = solve(COMPETING_FLOORS)
    outcome = fair_share_solve(
        COMPETING_FLOORS, {"kiel": 3, "ploen": 3}, plain=plain, solve=solve, exact_seconds=0
    )
    assert not outcome.exact
    assert outcome.unmet == []
