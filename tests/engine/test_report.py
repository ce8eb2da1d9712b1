"""Placed against the most that could be placed, and the gap in words, in the result."""

from __future__ import annotations

from hypothesis import given

from matching.engine import Instance, parse_instance, solve
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
