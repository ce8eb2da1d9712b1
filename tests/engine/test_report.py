"""Placed against the most that could be placed, and the gap in words, in the result."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given

from matching.engine import Instance, parse_instance, solve
from matching.engine.generate import generate
from matching.engine.groups import build_model
from matching.engine.placeable import placeable
from matching.engine.result import gap_words

from .helpers import document, tiny_settings
from .strategies import tiny_instances


def test_the_bound_on_placeable_households_is_tight_when_one_place_is_left() -> None:
    instance = parse_instance(
        document(
            [
                {"id": "H1", "demand": {"persons": 2}},
                {"id": "H2", "demand": {"persons": 2}},
                {"id": "H3", "demand": {"persons": 1}},
            ],
            [{"id": "M", "capacity": {"persons": 2}}],
            [("H1", "M", 5), ("H2", "M", 8)],  # H3 fits nowhere
        )
    )
    result = solve(instance)
    assert (result.placed_households, result.placed_persons) == (1, 2)
    assert (result.placeable_households, result.placeable_persons) == (1, 2)
    document_ = result.to_dict()
    assert document_["placed"] == {"households": 1, "persons": 2}
    assert document_["placeable"] == {"households": 1, "persons": 2}
    assert document_["summary"] == (
        "1 households with 2 persons placed (at most 1 households and 2 persons could be "
        "placed); the total score is the best possible (proven)."
    )


@tiny_settings(40)
@given(tiny_instances())
def test_no_method_places_more_than_the_bound_says(instance: Instance) -> None:
    bound = solve(instance, method="greedy")
    assert bound.placeable_households is not None
    assert bound.placeable_persons is not None
    for method in ("milp", "lp-round"):
        result = solve(instance, method=method)
        assert result.placed_households <= bound.placeable_households
        assert result.placed_persons <= bound.placeable_persons


def test_gap_in_words_rounds_up_so_it_never_overstates_the_quality() -> None:
    assert gap_words(100, 100) == "the best possible (proven)"
    assert gap_words(99_730, 100_000) == "at most 0.27 % below the best possible"
    assert gap_words(99_731, 100_000) == "at most 0.27 % below the best possible"
    assert gap_words(99_729, 100_000) == "at most 0.28 % below the best possible"
    assert gap_words(95_000, 100_000) == "at most 5.0 % below the best possible"
    assert gap_words(5, None) == "of unknown distance to the best possible"


def test_scarce_places_bound_the_placeable_households_even_without_time_for_the_dual() -> None:
    """A national round gives the dual ~0.3 s for 800,000 pairs: it did not move, and the run
    said "at most 40,000 of 40,000 households" with 25,644 school places for 36,425 children."""
    school: list[dict[str, Any]] = [
        {"id": f"S{i}", "demand": {"persons": 3, "school": 2}} for i in range(4)
    ]
    alone: list[dict[str, Any]] = [{"id": "A", "demand": {"persons": 1}}]
    instance = parse_instance(
        document(
            school + alone,
            [
                {"id": "M1", "capacity": {"persons": 20, "school": 3}},
                {"id": "M2", "capacity": {"persons": 20, "school": 2}},
            ],
            [(str(h["id"]), m, 10) for h in school + alone for m in ("M1", "M2")],
        )
    )
    model = build_model(instance)
    most = placeable(model, deadline=time.perf_counter() - 1)  # no time at all
    # 5 school places pooled: two households of two children each, and the one without.
    assert most.households == 3
    assert most.persons == 3 * 2 + 1 + 1  # 2.5 households' persons, rounded down


def test_a_round_too_large_for_the_counting_dual_in_its_budget_gets_the_pooled_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 20,000 x 400 the counting dual said "20,000 of 20,000" after a whole second; its
    share of a 10 s limit only took time from the solver."""
    from matching.engine import dual

    calls: list[int] = []
    real = dual.solve_dual

    def counting(model: Any, deadline: float, **kwargs: Any) -> Any:
        calls.append(model.n_pairs)
        return real(model, deadline, **kwargs)

    monkeypatch.setattr(dual, "solve_dual", counting)
    model = build_model(parse_instance(generate(1_000, 50, density=0.2, seed=3)))
    assert model.n_pairs > 6_000  # not a pilot round: no exact LP
    pooled = placeable(model, deadline=time.perf_counter() + 0.01)
    assert calls == []
    assert 0 < pooled.households <= 1_000
    given_time = placeable(model, deadline=time.perf_counter() + 5.0)
    assert len(calls) == 2  # households and persons
    assert given_time.households <= pooled.households
    assert given_time.persons <= pooled.persons
