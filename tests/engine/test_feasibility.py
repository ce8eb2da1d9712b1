from __future__ import annotations

from matching.engine import check_feasible, parse_instance

from .helpers import document

INSTANCE = parse_instance(
    document(
        [
            {"id": "H1", "demand": {"persons": 3, "school": 1}, "group": "G"},
            {"id": "H2", "demand": {"persons": 1}, "group": "G"},
            {"id": "H3", "demand": {"persons": 2, "school": 1}},
        ],
        [
            {"id": "A", "capacity": {"persons": 4, "school": 1}},
            {"id": "B", "capacity": {"persons": 2}},
        ],
        [("H1", "A", 1), ("H2", "A", 1), ("H3", "A", 1), ("H2", "B", 1), ("H3", "B", 1)],
    )
)


def test_feasible_assignment_has_no_violations() -> None:
    assert check_feasible(INSTANCE, {"H1": "A", "H2": "A"}) == []
    assert check_feasible(INSTANCE, [("H3", "A")]) == []
    assert check_feasible(INSTANCE, {}) == []


def test_capacity_violation_per_dimension() -> None:
    problems = check_feasible(INSTANCE, {"H1": "A", "H2": "A", "H3": "A"})
    assert 'municipality A: "persons" used 6 > capacity 4' in problems
    assert 'municipality A: "school" used 2 > capacity 1' in problems


def test_capacity_missing_dimension_means_zero() -> None:
    problems = check_feasible(INSTANCE, {"H3": "B"})
    assert problems == ['municipality B: "school" used 1 > capacity 0']


def test_incompatible_and_unknown() -> None:
    problems = check_feasible(INSTANCE, {"H1": "B", "H9": "A", "H3": "Z"})
    assert "household H1: incompatible with municipality B" in problems
    assert "household H9: unknown household" in problems
    assert 'household H3: unknown municipality "Z"' in problems


def test_group_split_and_partial() -> None:
    assert check_feasible(INSTANCE, {"H1": "A", "H2": "B"}) == ["group G: split across A, B"]
    assert check_feasible(INSTANCE, {"H2": "A"}) == ["group G: split across (unplaced), A"]


def test_household_placed_twice() -> None:
    problems = check_feasible(INSTANCE, [("H3", "A"), ("H3", "B")])
    assert "household H3: assigned more than once" in problems
