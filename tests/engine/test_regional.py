"""Regional rounds: HiGHS on the whole programme for the whole time, the search beside it.

Issue #18, target 2: auto is never worse than HiGHS or CP-SAT given the same time. The
figures are a benchmark (``benchmarks/engine.py --compare``); these tests pin the behaviour
that gets there: HiGHS starts at once on the whole model with nearly the whole limit, takes
the better solutions found beside it, returns early only on proof, and the answer is never
below its start with a bound never below the answer.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from matching.engine import Instance, parse_instance, solve
from matching.engine import regional as regional_module
from matching.engine.generate import generate
from matching.engine.groups import Model, build_model
from matching.engine.highs import build_mip, read_answer
from matching.engine.lns import Shared, improve_lns
from matching.engine.milp import start_solution, upper_bound_free
from matching.engine.national import solve_national

from .helpers import WALL_SLACK
from .test_solvers import assert_valid

# HiGHS with every way of finding a solution on its own switched off and one node only: what
# it returns is its start or a solution handed to it.
NOTHING_OF_ITS_OWN = {
    "mip_max_nodes": 1,
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
}


@pytest.fixture(scope="module")
def regional() -> Instance:
    return parse_instance(generate(600, 30, density=0.25, seed=9))


@pytest.fixture(scope="module")
def model(regional: Instance) -> Model:
    return build_model(regional)


@pytest.fixture(scope="module")
def weak_and_strong(model: Model) -> tuple[np.ndarray, np.ndarray]:
    everything = np.arange(model.n_pairs)
    weak = start_solution(model, everything, time.perf_counter() + 0.2)
    strong = solve_national(model, time.perf_counter() + 3.0).chosen
    assert _value(model, strong) > _value(model, weak)
    return weak, strong


def _value(model: Model, chosen: np.ndarray) -> float:
    return float(model.pair_score[chosen].sum())


def test_a_round_larger_than_a_pilot_takes_the_regional_path(model: Model) -> None:
    assert regional_module.is_regional(model)
    small = build_model(parse_instance(generate(300, 30, density=0.3, seed=5)))
    assert not regional_module.is_regional(small)


def test_highs_gets_the_whole_model_and_nearly_the_whole_time(
    regional: Instance, model: Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    given: list[tuple[int, float]] = []
    original = regional_module.build_mip

    def recorded(model: Model, pairs: np.ndarray, time_limit: float, *args: Any) -> Any:
        given.append((len(pairs), time_limit))
        return original(model, pairs, time_limit, *args)

    monkeypatch.setattr(regional_module, "build_mip", recorded)
    limit = 6.0
    result = solve(regional, time_limit=limit)
    assert_valid(regional, result)
    assert given[0][0] == model.n_pairs
    # The old milp gave HiGHS at most 80 % (lp-round took the first 20 %); now only the
    # capacity bounds (3 %), the quick start (3 %) and the output reserve (3 %) come first.
    assert given[0][1] >= 0.85 * limit


def test_highs_takes_a_better_solution_found_beside_it(
    model: Model, weak_and_strong: tuple[np.ndarray, np.ndarray]
) -> None:
    weak, strong = weak_and_strong
    everything = np.arange(model.n_pairs)
    values = {}
    for exchange in (False, True):
        solver = build_mip(model, everything, 60.0, weak)
        for option, value in NOTHING_OF_ITS_OWN.items():
            solver.setOptionValue(option, value)
        shared = Shared(model, weak)
        if exchange:
            regional_module._exchange(solver, shared, everything, given=_value(model, weak))
        shared.take(strong)  # found beside HiGHS while it runs
        solver.run()
        values[exchange] = _value(model, read_answer(solver, everything).chosen)
    assert values[False] < _value(model, strong)  # on its own HiGHS keeps its start
    assert values[True] >= _value(model, strong)


def test_highs_hands_its_improvements_to_the_search_beside_it(
    model: Model, weak_and_strong: tuple[np.ndarray, np.ndarray]
) -> None:
    weak, _ = weak_and_strong
    everything = np.arange(model.n_pairs)
    solver = build_mip(model, everything, 3.0, weak)
    shared = Shared(model, weak)
    regional_module._exchange(solver, shared, everything, given=_value(model, weak))
    solver.run()
    found = read_answer(solver, everything).chosen
    assert shared.best()[1] >= _value(model, found)


def test_the_search_beside_highs_restarts_from_news_and_stops_when_told(
    model: Model, weak_and_strong: tuple[np.ndarray, np.ndarray]
) -> None:
    weak, strong = weak_and_strong
    shared = Shared(model, weak)
    out: list[np.ndarray] = []
    search = threading.Thread(
        target=lambda: out.append(improve_lns(model, weak, time.perf_counter() + 120, shared, 5))
    )
    search.start()
    shared.take(strong)
    time.sleep(1.0)
    shared.stop.set()
    search.join(60)  # long before its 120 s deadline
    assert not search.is_alive()
    assert _value(model, out[0]) >= _value(model, strong)
    assert shared.best()[1] >= _value(model, out[0])


def test_auto_that_cannot_prove_its_answer_uses_the_time_and_never_loses(
    regional: Instance, model: Model
) -> None:
    limit = 4.0
    result = solve(regional, time_limit=limit)
    assert_valid(regional, result)
    assert result.status == "feasible"
    assert result.bound is not None
    assert result.bound > result.objective
    # No early return without proof (load only makes a run longer, never shorter).
    assert result.seconds >= 0.8 * limit
    assert result.seconds <= limit + WALL_SLACK
    everything = np.arange(model.n_pairs)
    start = start_solution(model, everything, time.perf_counter() + 0.2)
    assert result.objective >= _value(model, start)


def test_auto_returns_at_once_when_highs_proves_a_regional_round() -> None:
    data = generate(600, 30, density=0.1, seed=3)
    for municipality in data["municipalities"]:  # room for everyone: the optimum is obvious
        municipality["capacity"] = {d: 10_000 for d in data["dimensions"]}
    instance = parse_instance(data)
    model = build_model(instance)
    assert regional_module.is_regional(model)
    result = solve(instance, time_limit=60)
    assert_valid(instance, result)
    assert result.status == "optimal"
    assert result.bound == result.objective
    every_unit_at_its_best = upper_bound_free(model, np.arange(model.n_pairs))
    assert result.objective == every_unit_at_its_best
    assert result.seconds < 30  # not the 60 s limit: the proof ends the run
