"""Forecast-aware placement: households expected in later cohorts keep room, never get places."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.engine import (
    Instance,
    InstanceError,
    check_feasible,
    instance_to_dict,
    parse_instance,
    solve,
)
from matching.engine.cli import main
from matching.engine.forecast import sample_copies
from matching.engine.generate import generate
from matching.engine.instance import ForecastEntry

from .helpers import assignment_value, document, tiny_settings
from .strategies import tiny_instances


def kita_cohort(forecast: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Kiel has the only Kita place. H1 fits Kiel best, but a later household needs it more."""
    data = document(
        households=[
            {"id": "H1", "demand": {"persons": 2, "kita": 1}},
            {"id": "H2", "demand": {"persons": 2}},
        ],
        municipalities=[
            {"id": "kiel", "capacity": {"persons": 3, "kita": 1}},
            {"id": "bonn", "capacity": {"persons": 4}},
        ],
        scores=[("H1", "kiel", 100), ("H2", "kiel", 50), ("H2", "bonn", 40)],
        dimensions=["persons", "kita"],
    )
    if forecast is not None:
        data["forecast"] = forecast
    return data


EXPECTED = {"id": "F1", "demand": {"persons": 2, "kita": 1}, "weight": 1, "scores": {"kiel": 500}}


def next_cohort(capacity_left: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The household the forecast expected does arrive."""
    return document(
        households=[{"id": "H3", "demand": {"persons": 2, "kita": 1}}],
        municipalities=[{"id": m, "capacity": c} for m, c in capacity_left.items()],
        scores=[("H3", "kiel", 500)],
        dimensions=["persons", "kita"],
    )


def capacity_left(data: dict[str, Any], assignment: dict[str, str]) -> dict[str, dict[str, int]]:
    left = {m["id"]: dict(m["capacity"]) for m in data["municipalities"]}
    demand = {h["id"]: h["demand"] for h in data["households"]}
    for household, municipality in assignment.items():
        for dim, amount in demand[household].items():
            left[municipality][dim] -= amount
    return left


def test_the_forecast_is_never_assigned() -> None:
    result = solve(parse_instance(kita_cohort([EXPECTED])))
    assert set(result.assignment) <= {"H1", "H2"}
    assert "F1" not in json.dumps(result.to_dict()["assignment"])


def test_the_cohort_gives_up_score_so_that_the_programme_gains() -> None:
    plain_data, aware_data = kita_cohort(), kita_cohort([EXPECTED])
    plain = solve(parse_instance(plain_data))
    aware = solve(parse_instance(aware_data))
    assert plain.assignment == {"H1": "kiel", "H2": "bonn"}
    assert aware.assignment == {"H2": "bonn"}
    assert aware.objective < plain.objective
    totals = []
    for data, first in ((plain_data, plain), (aware_data, aware)):
        later = solve(parse_instance(next_cohort(capacity_left(data, first.assignment))))
        totals.append(first.objective + later.objective)
    assert totals == [140, 540]


def test_the_result_says_what_is_kept_and_its_value() -> None:
    document_ = solve(parse_instance(kita_cohort([EXPECTED]))).to_dict()
    assert document_["reserved"] == {"kiel": {"persons": 2, "kita": 1}}
    assert document_["forecast_value"] == 500
    assert document_["status"] == "optimal"
    assert document_["objective"] == document_["bound"] == 40


def _without_time(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "seconds"}


@pytest.mark.parametrize(
    "forecast",
    [
        [],
        [dict(EXPECTED, weight=0)],
        [dict(EXPECTED, weight=0.0), dict(EXPECTED, id="F2", weight=0)],
        [dict(EXPECTED, scores={})],
    ],
)
def test_a_zero_weight_or_empty_forecast_gives_the_plain_result(
    forecast: list[dict[str, Any]],
) -> None:
    plain = solve(parse_instance(kita_cohort())).to_dict()
    with_forecast = solve(parse_instance(kita_cohort(forecast))).to_dict()
    assert _without_time(with_forecast) == _without_time(plain)
    assert "reserved" not in with_forecast


def test_fractional_weight_keeps_a_fractional_load() -> None:
    # Half an expected household in Kiel (worth 250 there) takes half the Kita place H1 needs.
    result = solve(parse_instance(kita_cohort([dict(EXPECTED, weight=0.5)])))
    assert result.assignment == {"H2": "kiel"}
    assert result.reserved == {"kiel": {"persons": 1, "kita": 0.5}}


def test_a_forecast_worth_less_than_the_cohort_changes_nothing() -> None:
    result = solve(parse_instance(kita_cohort([dict(EXPECTED, scores={"kiel": 30})])))
    assert result.assignment == {"H1": "kiel", "H2": "bonn"}
    assert result.reserved == {}


BAD: list[tuple[Any, str]] = [
    ({"scores": {"berlin": 5}}, 'forecast F1: unknown municipality "berlin"'),
    ({"weight": -1}, 'forecast F1: "weight" must be a finite number >= 0, got -1'),
    ({"weight": "two"}, 'forecast F1: "weight" must be a number, got "two"'),
    ({"weight": True}, 'forecast F1: "weight" must be a number, got true'),
    ({"scores": {"kiel": "high"}}, 'forecast F1/kiel: score must be a number, got "high"'),
    ({"scores": {"kiel": 0}}, "forecast F1/kiel: score must be > 0, got 0"),
    ({"scores": {"kiel": -4}}, "forecast F1/kiel: score must be > 0, got -4"),
    ({"scores": [500]}, 'forecast F1: "scores" must be an object'),
    ({"id": "H2"}, "forecast H2: id equals a household's id"),
    ({"id": ""}, 'forecast #1: "id" must be a non-empty string'),
    ({"demand": {"kitta": 1}}, 'forecast F1: unknown dimension "kitta"'),
    ({"demand": {"persons": -2}}, 'forecast F1: demand "persons" must be non-negative, got -2'),
    ({"demand": {"persons": 1.5}}, 'forecast F1: demand "persons" must be a non-negative integer'),
    ({"group": "G1"}, 'forecast F1: forecast entries have no "group"'),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_a_bad_forecast_entry_exits_2_with_one_line_naming_it(
    change: dict[str, Any],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(kita_cohort([dict(EXPECTED, **change)])), encoding="utf-8")
    assert main(["solve", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(message)
    assert captured.err.count("\n") == 1


@pytest.mark.parametrize(
    ("forecast", "message"),
    [
        ({"x": 1}, 'instance: "forecast" must be a list'),
        (["F1"], "forecast #1: must be an object"),
        ([EXPECTED, EXPECTED], "forecast F1: duplicate id"),
        ([{"id": "F1", "weight": 1}], 'forecast F1: missing key "scores"'),
    ],
)
def test_a_malformed_forecast_is_refused(forecast: Any, message: str) -> None:
    with pytest.raises(InstanceError, match=message):
        parse_instance(kita_cohort(forecast))


def test_the_forecast_round_trips_through_the_document() -> None:
    instance = parse_instance(kita_cohort([EXPECTED, dict(EXPECTED, id="F2", weight=0.25)]))
    again = parse_instance(json.loads(json.dumps(instance_to_dict(instance))))
    assert again == instance
    assert again.forecast[1].weight == 0.25


def test_weight_defaults_to_one_household() -> None:
    instance = parse_instance(kita_cohort([{"id": "F3", "scores": {"kiel": 1}}]))
    assert instance.forecast[0].weight == 1
    assert instance.forecast[0].demand == {}


def test_sampled_copies_keep_the_total_weight() -> None:
    entries = [ForecastEntry(f"F{i}", {"persons": 1}, 0.3, {"kiel": 1.0}) for i in range(10)]
    copies = sample_copies(entries)
    assert sum(n for _, n in copies) == 3
    assert all(n in (0, 1) for _, n in copies)


@pytest.mark.parametrize("method", ["milp", "lp-round", "greedy"])
def test_every_method_places_only_the_cohort_and_respects_the_kept_places(method: str) -> None:
    result = solve(parse_instance(kita_cohort([EXPECTED])), method=method, time_limit=10)
    assert result.assignment == {"H2": "bonn"}
    assert result.reserved == {"kiel": {"persons": 2, "kita": 1}}


def _with_forecast(data: dict[str, Any], seed: int, weight: float) -> dict[str, Any]:
    """Forecast entries copied from the cohort's own households (the platform's samples)."""
    rng = np.random.default_rng(seed)
    scores: dict[str, dict[str, float]] = {}
    for pair in data["scores"]:
        scores.setdefault(pair["household"], {})[pair["municipality"]] = pair["score"]
    data["forecast"] = [
        {
            "id": f"F{h['id']}",
            "demand": h["demand"],
            "weight": float(rng.uniform(0, weight)),
            "scores": {m: float(s) * rng.uniform(0.5, 1.5) for m, s in scores[h["id"]].items()},
        }
        for h in data["households"]
        if h["id"] in scores
    ]
    return data


@tiny_settings(25)
@given(
    seed=st.integers(0, 10_000),
    households=st.integers(2, 14),
    municipalities=st.integers(1, 4),
    weight=st.sampled_from([0.5, 1.0, 3.0]),
    method=st.sampled_from(["auto", "greedy", "lp-round"]),
)
def test_forecast_results_are_feasible_and_within_capacity_with_the_reservation(
    seed: int, households: int, municipalities: int, weight: float, method: str
) -> None:
    data = _with_forecast(
        generate(households, municipalities, density=0.6, group_share=0.3, seed=seed),
        seed,
        weight,
    )
    instance = parse_instance(data)
    result = solve(instance, method=method, time_limit=10)
    assert check_feasible(instance, result.assignment) == []
    assert set(result.assignment) <= {h.id for h in instance.households}
    assert result.objective == pytest.approx(assignment_value(instance, result.assignment))
    assert result.bound is not None
    assert result.bound >= result.objective - 1e-6
    for municipality, kept in (result.reserved or {}).items():
        for dim, amount in kept.items():
            use = result.utilisation[municipality][dim]
            assert use.used + amount <= use.capacity + 1e-6


def _forecast_lp(instance: Instance, assignment: dict[str, str]) -> float:
    """The best the forecast can reach on what the assignment leaves (a small LP)."""
    from scipy.optimize import linprog

    left = {
        (m.id, d): m.capacity.get(d, 0)
        for m in instance.municipalities
        for d in instance.dimensions
    }
    demand = {h.id: h.demand for h in instance.households}
    for household, municipality in assignment.items():
        for dim, amount in demand[household].items():
            left[(municipality, dim)] -= amount
    capacity = {m.id: m.capacity for m in instance.municipalities}
    # A pair whose demand exceeds the capacity cannot take even a fraction of a household.
    pairs = [
        (f, m, s)
        for f in instance.forecast
        for m, s in f.scores.items()
        if all(amount <= capacity[m].get(dim, 0) for dim, amount in f.demand.items())
    ]
    if not pairs:
        return 0.0
    rows, limits = [], []
    for entry in instance.forecast:
        rows.append([1.0 if f is entry else 0.0 for f, _, _ in pairs])
        limits.append(entry.weight)
    for (municipality, dim), amount in left.items():
        rows.append([f.demand.get(dim, 0) * (m == municipality) for f, m, _ in pairs])
        limits.append(amount)
    res = linprog([-s for _, _, s in pairs], A_ub=rows, b_ub=limits, bounds=(0, None))
    return -float(res.fun)


@st.composite
def tiny_with_forecast(draw: st.DrawFn) -> Instance:
    instance = draw(tiny_instances(max_households=4))
    data = instance_to_dict(instance)
    munis = [m["id"] for m in data["municipalities"]]
    data["forecast"] = [
        {
            "id": f"F{i}",
            "demand": {"persons": draw(st.integers(0, 3)), "school": draw(st.integers(0, 1))},
            "weight": draw(st.sampled_from([0, 0.5, 1, 2])),
            "scores": {m: draw(st.integers(1, 30)) for m in munis if draw(st.booleans())},
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    return parse_instance(data)


def _brute_force_programme(instance: Instance) -> float:
    import itertools

    options: dict[str, list[str | None]] = {h.id: [None] for h in instance.households}
    for pair in instance.scores:
        options[pair.household].append(pair.municipality)
    ids = list(options)
    best = 0.0
    for choice in itertools.product(*(options[h] for h in ids)):
        assignment = {h: m for h, m in zip(ids, choice, strict=True) if m is not None}
        if check_feasible(instance, assignment):
            continue
        best = max(
            best, assignment_value(instance, assignment) + _forecast_lp(instance, assignment)
        )
    return best


@tiny_settings(40)
@given(instance=tiny_with_forecast())
def test_cohort_plus_forecast_matches_brute_force(instance: Instance) -> None:
    result = solve(instance, method="milp")
    reached = result.objective + (result.forecast_value or 0.0)
    assert check_feasible(instance, result.assignment) == []
    assert reached == pytest.approx(_brute_force_programme(instance), rel=1e-6, abs=1e-3)


def test_the_capacity_without_the_kept_places_still_holds_the_cohort() -> None:
    from matching.engine.forecast import without_reserved

    instance = parse_instance(kita_cohort([dict(EXPECTED, weight=0.5)]))
    result = solve(instance)
    checked = without_reserved(instance, result)
    assert checked.forecast == ()
    assert checked.municipalities[0].capacity == {"persons": 2, "kita": 0}
    assert check_feasible(checked, result.assignment) == []
