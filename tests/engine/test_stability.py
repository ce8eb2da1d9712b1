"""Stability check and repair: nothing to find in proven optima, planted flaws found and fixed."""

from __future__ import annotations

import dataclasses
import math
import random
from typing import Any

import pytest
from hypothesis import given

from matching.engine import Result, check_feasible, parse_instance, solve
from matching.engine.generate import generate
from matching.engine.result import utilisation
from matching.engine.stability import check_stability, repair

from .helpers import assignment_value, document, tiny_settings
from .strategies import tiny_instances


def _result(instance, assignment, *, status="feasible", bound=None) -> Result:
    return Result(
        status=status,
        objective=assignment_value(instance, assignment),
        bound=bound,
        method="greedy",
        seconds=0.0,
        assignment=assignment,
        utilisation=utilisation(instance, assignment),
    )


def _swap_instance():
    """Two full municipalities; H1 sits at A but prefers B, H2 sits at B but prefers A."""
    return parse_instance(
        document(
            [{"id": "H1", "demand": {"persons": 2}}, {"id": "H2", "demand": {"persons": 2}}],
            [{"id": "A", "capacity": {"persons": 2}}, {"id": "B", "capacity": {"persons": 2}}],
            [("H1", "A", 100), ("H1", "B", 130), ("H2", "A", 125), ("H2", "B", 110)],
        )
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_proven_optimal_result_has_no_improving_move_or_swap(seed: int) -> None:
    instance = parse_instance(generate(40, 5, density=0.5, group_share=0.15, seed=seed))
    result = solve(instance, method="milp")
    assert result.status == "optimal"
    report = check_stability(instance, result.assignment)
    assert report.stable
    assert (report.move_count, report.swap_count) == (0, 0)


@tiny_settings(60)
@given(tiny_instances())
def test_optimal_results_of_tiny_instances_are_stable(instance) -> None:
    result = solve(instance, method="milp")
    assert result.status == "optimal"
    assert check_stability(instance, result.assignment).stable


def test_it_finds_a_planted_improving_swap() -> None:
    instance = _swap_instance()
    report = check_stability(instance, {"H1": "A", "H2": "B"})
    assert report.move_count == 0  # both municipalities are full: no one can simply move
    assert report.swap_count == 1
    (swap,) = report.swaps
    assert (swap.first, swap.second) == (("H1",), ("H2",))
    assert (swap.first_from, swap.second_from) == ("A", "B")
    assert (swap.first_gain, swap.second_gain) == (30, 15)


def test_a_swap_that_breaks_a_capacity_is_not_reported() -> None:
    instance = parse_instance(
        document(
            [{"id": "H1", "demand": {"persons": 1}}, {"id": "H2", "demand": {"persons": 3}}],
            [{"id": "A", "capacity": {"persons": 1}}, {"id": "B", "capacity": {"persons": 3}}],
            [("H1", "A", 100), ("H1", "B", 130), ("H2", "A", 125), ("H2", "B", 110)],
        )
    )
    # H2 (3 persons) does not fit into A's single place.
    assert check_stability(instance, {"H1": "A", "H2": "B"}).stable


def test_a_swap_where_only_one_side_gains_is_not_reported() -> None:
    instance = parse_instance(
        document(
            [{"id": "H1", "demand": {"persons": 2}}, {"id": "H2", "demand": {"persons": 2}}],
            [{"id": "A", "capacity": {"persons": 2}}, {"id": "B", "capacity": {"persons": 2}}],
            [("H1", "A", 100), ("H1", "B", 130), ("H2", "A", 105), ("H2", "B", 110)],
        )
    )
    assert check_stability(instance, {"H1": "A", "H2": "B"}).stable


def test_it_finds_a_household_that_would_score_higher_where_there_is_room() -> None:
    instance = parse_instance(
        document(
            [{"id": "H1", "demand": {"persons": 2, "school": 1}}],
            [
                {"id": "A", "capacity": {"persons": 2, "school": 1}},
                {"id": "B", "capacity": {"persons": 5, "school": 1}},
                {"id": "C", "capacity": {"persons": 5}},  # better, but no school place
            ],
            [("H1", "A", 100), ("H1", "B", 140), ("H1", "C", 200)],
        )
    )
    report = check_stability(instance, {"H1": "A"})
    assert report.move_count == 1
    (move,) = report.moves
    assert (move.households, move.origin, move.target, move.gain) == (("H1",), "A", "B", 40)


def test_an_unplaced_household_that_fits_somewhere_is_an_improving_move() -> None:
    instance = parse_instance(
        document(
            [{"id": "H1", "demand": {"persons": 1}}],
            [{"id": "A", "capacity": {"persons": 1}}],
            [("H1", "A", 100)],
        )
    )
    (move,) = check_stability(instance, {}).moves
    assert (move.origin, move.target, move.gain) == (None, "A", 100)


def test_a_linked_group_moves_together_or_not_at_all() -> None:
    households = [
        {"id": "H1", "demand": {"persons": 2}, "group": "G"},
        {"id": "H2", "demand": {"persons": 2}, "group": "G"},
    ]
    scores = [("H1", "A", 100), ("H2", "A", 100), ("H1", "B", 150), ("H2", "B", 90)]
    tight = parse_instance(
        document(
            households,
            [{"id": "A", "capacity": {"persons": 4}}, {"id": "B", "capacity": {"persons": 3}}],
            scores,
        )
    )
    # H1 alone would fit into B and gain, but the group does not fit: no move.
    assert check_stability(tight, {"H1": "A", "H2": "A"}).stable
    roomy = parse_instance(
        document(
            households,
            [{"id": "A", "capacity": {"persons": 4}}, {"id": "B", "capacity": {"persons": 4}}],
            scores,
        )
    )
    (move,) = check_stability(roomy, {"H1": "A", "H2": "A"}).moves
    assert (move.households, move.target, move.gain) == (("H1", "H2"), "B", 40)


def test_a_group_is_only_compatible_where_every_member_is() -> None:
    instance = parse_instance(
        document(
            [
                {"id": "H1", "demand": {"persons": 1}, "group": "G"},
                {"id": "H2", "demand": {"persons": 1}, "group": "G"},
            ],
            [{"id": "A", "capacity": {"persons": 4}}, {"id": "B", "capacity": {"persons": 4}}],
            [("H1", "A", 100), ("H2", "A", 100), ("H1", "B", 500)],
        )
    )
    assert check_stability(instance, {"H1": "A", "H2": "A"}).stable


def test_it_refuses_an_infeasible_assignment() -> None:
    instance = _swap_instance()
    with pytest.raises(ValueError, match="persons"):
        check_stability(instance, {"H1": "A", "H2": "A"})


def test_repair_applies_the_planted_swap_and_leaves_a_stable_result() -> None:
    instance = _swap_instance()
    fixed = repair(instance, _result(instance, {"H1": "A", "H2": "B"}, bound=255))
    assert fixed.applied_swaps == 1
    assert fixed.before.swap_count == 1
    assert fixed.after.stable
    assert fixed.result.assignment == {"H1": "B", "H2": "A"}
    assert fixed.result.objective == 255
    assert fixed.gain == 45
    # Reaching the proven bound makes the repaired result optimal.
    assert fixed.result.status == "optimal"
    assert fixed.result.utilisation["A"]["persons"].used == 2


def _spoilt(instance, assignment: dict[str, str], seed: int) -> dict[str, str]:
    """An optimal assignment made worse the way heuristics go wrong: some ungrouped households
    left out, some pairs of equal demand exchanged between municipalities."""
    rng = random.Random(seed)
    single = {h.id: h for h in instance.households if h.group is None}
    compatible = {(p.household, p.municipality) for p in instance.scores}
    placed = [h for h in assignment if h in single]
    spoilt = dict(assignment)
    for household in rng.sample(placed, len(placed) // 10):
        del spoilt[household]
    left = [h for h in placed if h in spoilt]
    for first, second in zip(left[::2], left[1::2], strict=False):
        a, b = spoilt[first], spoilt[second]
        if (
            a != b
            and single[first].demand == single[second].demand
            and {(first, b), (second, a)} <= compatible
        ):
            spoilt[first], spoilt[second] = b, a
    return spoilt


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_repair_of_a_spoilt_result_is_feasible_better_and_stable(seed: int) -> None:
    instance = parse_instance(generate(120, 6, density=0.6, group_share=0.1, seed=seed))
    optimal = solve(instance, method="milp")
    spoilt = _spoilt(instance, optimal.assignment, seed)
    assert check_feasible(instance, spoilt) == []
    heuristic = _result(instance, spoilt, bound=optimal.objective)
    fixed = repair(instance, heuristic, time_limit=30)
    assert fixed.before.move_count > 0
    assert fixed.applied_moves > 0
    assert check_feasible(instance, fixed.result.assignment) == []
    assert fixed.result.objective > heuristic.objective
    assert fixed.result.objective <= optimal.objective
    assert math.isclose(fixed.result.objective, assignment_value(instance, fixed.result.assignment))
    assert math.isclose(fixed.result.objective - heuristic.objective, fixed.gain)
    assert fixed.after.stable
    assert check_stability(instance, fixed.result.assignment).stable


@pytest.mark.parametrize("seed", [0, 1])
def test_repair_of_an_lp_round_result_keeps_it_feasible_and_stable(seed: int) -> None:
    instance = parse_instance(generate(300, 20, density=0.2, seed=seed))
    heuristic = solve(instance, method="lp-round", time_limit=5)
    fixed = repair(instance, heuristic, time_limit=30)
    assert check_feasible(instance, fixed.result.assignment) == []
    assert fixed.result.objective >= heuristic.objective
    assert fixed.result.bound == heuristic.bound
    assert check_stability(instance, fixed.result.assignment).stable


@pytest.mark.parametrize("seed", [5, 6])
def test_repair_reads_the_same_scores_with_or_without_the_parsers_arrays(seed: int) -> None:
    """The parser keeps the pairs as arrays and repair reads them; an instance built without
    them (a copy, or one made in code) is repaired to exactly the same result."""
    instance = parse_instance(generate(120, 6, density=0.6, group_share=0.1, seed=seed))
    assert instance.cached("pair_index") is not None
    plain = dataclasses.replace(instance, _cache={})
    optimal = solve(instance, method="milp")
    heuristic = _result(instance, _spoilt(instance, optimal.assignment, seed))
    with_arrays = repair(instance, heuristic, time_limit=30)
    without = repair(plain, heuristic, time_limit=30)
    assert with_arrays.applied_moves > 0
    assert with_arrays.result.assignment == without.result.assignment
    assert with_arrays.result.objective == without.result.objective
    assert with_arrays.result.objective == assignment_value(instance, with_arrays.result.assignment)
    assert with_arrays.before.to_dict() == without.before.to_dict()


def test_a_stable_result_is_left_exactly_as_it_was() -> None:
    instance = _swap_instance()
    optimal = solve(instance)
    fixed = repair(instance, optimal)
    assert (fixed.applied_moves, fixed.applied_swaps, fixed.gain) == (0, 0, 0)
    assert fixed.result.assignment == optimal.assignment
    assert fixed.result.status == "optimal"


def test_the_report_is_plain_data() -> None:
    report = check_stability(_swap_instance(), {"H1": "A", "H2": "B"})
    data: dict[str, Any] = report.to_dict()
    assert data["stable"] is False
    assert data["swaps"][0]["first"] == ("H1",)
    assert data["swap_count"] == 1
