"""The pilot-round path (exact.py): proven optimal, equal to an independent exact solve."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from matching.engine import exact, parse_instance, solve
from matching.engine.exact import component_labels, lp_bound
from matching.engine.generate import generate
from matching.engine.groups import Model, binding_capacity, build_model, components

from .helpers import assignment_value, document

ROOT = Path(__file__).resolve().parents[2]


def scipy_optimum(model: Model) -> float:
    """The same integer programme solved independently by scipy.optimize.milp (no start)."""
    n = model.n_pairs
    units = csr_array((np.ones(n), (model.pair_unit, np.arange(n))), shape=(model.n_units, n))
    rows, upper = [], []
    for m in range(model.n_munis):
        for d in range(len(model.dims)):
            at = np.flatnonzero(model.pair_muni == m)
            rows.append(np.zeros(n))
            rows[-1][at] = model.demand[model.pair_unit[at], d]
            upper.append(model.capacity[m, d])
    constraints = [LinearConstraint(units, -np.inf, 1.0)]
    if rows:
        constraints.append(LinearConstraint(np.array(rows), -np.inf, np.array(upper)))
    found = milp(
        -model.pair_score,
        constraints=constraints,
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    assert found.status == 0
    return float(-found.fun)


@pytest.mark.parametrize(("size", "seed"), [((40, 5), 1), ((60, 6), 2), ((80, 8), 3)])
def test_pilot_rounds_are_proven_optimal_and_match_scipy(size: tuple[int, int], seed: int) -> None:
    instance = parse_instance(generate(*size, density=0.5, group_share=0.1, seed=seed))
    result = solve(instance, time_limit=60)
    assert result.method == "milp"
    assert result.status == "optimal"
    assert result.bound == result.objective
    assert math.isclose(result.objective, scipy_optimum(build_model(instance)), rel_tol=1e-9)
    assert math.isclose(result.objective, assignment_value(instance, result.assignment))


def test_a_fractional_score_is_not_rounded_into_a_proof() -> None:
    # Two households want the one place; scores 2.4 and 2.6: the optimum is 2.6, and a proof
    # that treated the objective as integral could stop at 2.4 (2.6 - 2.4 < 1).
    instance = parse_instance(
        document(
            [{"id": "H1", "demand": {"persons": 1}}, {"id": "H2", "demand": {"persons": 1}}],
            [{"id": "M", "capacity": {"persons": 1}}, {"id": "N", "capacity": {"persons": 1}}],
            [("H1", "M", 2.4), ("H2", "M", 2.6), ("H1", "N", 0.1), ("H2", "N", 0.05)],
        )
    )
    result = solve(instance)
    assert result.status == "optimal"
    assert result.assignment == {"H1": "N", "H2": "M"}
    assert math.isclose(result.objective, 2.7)


def test_a_short_limit_answers_feasible_with_a_bound_above_it() -> None:
    instance = parse_instance(generate(300, 30, density=0.3, group_share=0.06, seed=5))
    result = solve(instance, time_limit=0.5, method="milp")
    assert result.bound is not None
    assert result.bound >= result.objective
    if result.status == "optimal":  # a very fast machine may still prove it
        assert result.bound == result.objective


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_components_are_the_same_as_the_graph_library_finds(seed: int) -> None:
    model = build_model(parse_instance(generate(120, 15, density=0.15, seed=seed)))
    everything = np.arange(model.n_pairs)
    linking = binding_capacity(model, everything).any(axis=1)
    label = component_labels(model, linking)
    for part in components(model, everything, linking):
        assert len(np.unique(label[part])) == 1
    assert len(np.unique(label)) == len(components(model, everything, linking))


def test_the_lp_bound_holds_for_the_best_assignment() -> None:
    model = build_model(parse_instance(generate(60, 6, density=0.5, seed=6)))
    assert lp_bound(model) >= scipy_optimum(model) - 1e-6


def test_placeable_households_bound_every_assignment() -> None:
    instance = parse_instance(generate(60, 6, density=0.5, group_share=0.1, seed=7))
    model = build_model(instance)
    size = np.fromiter(map(len, model.members), np.float64, model.n_units)
    most = scipy_optimum(replace(model, pair_score=size[model.pair_unit]))
    result = solve(instance)
    assert result.placeable_households is not None
    assert result.placed_households <= most <= result.placeable_households


def test_a_pilot_round_on_the_command_line_never_imports_scipy(tmp_path: Path) -> None:
    # scipy.optimize alone took ~0.6 s of CPU at start-up, a third of a pilot round's budget.
    source = tmp_path / "round.json"
    source.write_text(json.dumps(generate(60, 6, density=0.5, seed=1)), encoding="utf-8")
    script = (
        "import sys\n"
        "from matching.engine.cli import main\n"
        f"code = main(['solve', {str(source)!r}, '-o', {str(tmp_path / 'out.json')!r}])\n"
        "assert code == 0, code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
    result = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert result["status"] == "optimal"


def _race_instance(seed: int = 3):
    """Pilot-sized with more pairs than exact.RACE_PAIRS: CP-SAT races HiGHS on it."""
    instance = parse_instance(generate(200, 20, density=0.3, group_share=0.06, seed=seed))
    assert build_model(instance).n_pairs >= exact.RACE_PAIRS
    return instance


def test_cpsat_alone_proves_the_same_optimum_as_scipy() -> None:
    """Guards the model built through OR-Tools' cp_model_helper against a release that
    changes it."""
    model = build_model(parse_instance(generate(80, 8, density=0.5, group_share=0.1, seed=4)))
    pairs = np.arange(model.n_pairs)
    found = exact._cpsat(model, exact._programme(model, pairs), pairs, pairs[:0], 60.0)
    assert found.optimal
    assert math.isclose(float(model.pair_score[found.chosen].sum()), scipy_optimum(model))
    assert found.bound is not None
    assert math.isclose(found.bound, scipy_optimum(model))


def test_the_race_answers_the_same_assignment_every_time() -> None:
    instance = _race_instance()
    first, second = solve(instance, time_limit=60), solve(instance, time_limit=60)
    assert first.status == second.status == "optimal"
    assert first.assignment == second.assignment
    assert math.isclose(first.objective, scipy_optimum(build_model(instance)))


def test_when_cpsat_cannot_prove_within_its_budget_highs_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance = _race_instance()
    monkeypatch.setattr(exact, "RACE_PAIRS", 10**9)
    by_highs = solve(instance, time_limit=60)
    monkeypatch.setattr(exact, "RACE_PAIRS", 1)
    monkeypatch.setattr(exact, "CPSAT_BUDGET", 1e-4)  # CP-SAT stops long before a proof
    raced = solve(instance, time_limit=60)
    assert raced.status == by_highs.status == "optimal"
    assert raced.assignment == by_highs.assignment


def test_fractional_scores_are_left_to_highs(monkeypatch: pytest.MonkeyPatch) -> None:
    data = generate(200, 20, density=0.3, seed=3)
    for pair in data["scores"]:
        pair["score"] += 0.25
    instance = parse_instance(data)

    def refuse(*args: object) -> None:
        raise AssertionError("CP-SAT works on integers only")

    monkeypatch.setattr(exact, "_cpsat", refuse)
    result = solve(instance, time_limit=60)
    assert result.status == "optimal"
    assert math.isclose(result.objective, scipy_optimum(build_model(instance)))


def test_a_failing_cpsat_leaves_the_answer_to_highs(monkeypatch: pytest.MonkeyPatch) -> None:
    instance = _race_instance()

    def broken(*args: object) -> None:
        raise ImportError("No module named 'ortools'")

    monkeypatch.setattr(exact, "_cpsat", broken)
    result = solve(instance, time_limit=60)
    assert result.status == "optimal"
    assert math.isclose(result.objective, scipy_optimum(build_model(instance)))


def test_a_raced_round_cut_off_by_the_command_line_keeps_its_best_and_its_bound(
    tmp_path: Path,
) -> None:
    """Both solvers end early enough for their answer to be collected before the command
    line's deadline, and hand in better solutions on the way: a short limit still answers
    above the greedy start, with a bound."""
    data = generate(300, 30, density=0.3, group_share=0.06, seed=22)
    source = tmp_path / "round.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    target = tmp_path / "out.json"
    argv = [sys.executable, "-m", "matching.engine", "solve", str(source), "-o", str(target)]
    subprocess.run([*argv, "--time-limit", "3"], cwd=ROOT, check=True)
    result = json.loads(target.read_text(encoding="utf-8"))
    greedy = solve(parse_instance(data), method="greedy")
    assert result["objective"] > greedy.objective
    assert result["bound"] is not None
    assert result["bound"] >= result["objective"]
    assert result["timing"]["written"] <= 3.0


def test_the_start_is_handed_in_with_a_proven_bound() -> None:
    """Whatever cuts the pilot path off (a short limit, a slow machine), the incumbent the
    command line writes has a bound from the start: the LP's."""
    from matching.engine.incumbent import Incumbent, unwatch, watch

    data = generate(120, 12, density=0.4, group_share=0.06, seed=3)
    model = build_model(parse_instance(data))
    incumbent = Incumbent()
    watch(model, incumbent, "milp")
    try:
        found = exact.solve_small(model, deadline=0.0)  # already past: the start and the bound
    finally:
        unwatch(model)
    _model, chosen, bound, _method = incumbent.snapshot()
    assert bound is not None
    assert bound >= float(model.pair_score[found.chosen].sum())
    assert bound >= float(model.pair_score[chosen].sum())
    assert bound <= lp_bound(model) + 1e-6
