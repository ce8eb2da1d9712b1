"""The exact solver starts from the heuristic and keeps improving; the search never loses."""

from __future__ import annotations

import time

import numpy as np
import pytest

from matching.engine import Instance, parse_instance, solve
from matching.engine import dual as dual_module
from matching.engine import instance as instance_module
from matching.engine import national as national_module
from matching.engine import repair as repair_module
from matching.engine.generate import generate
from matching.engine.groups import Model, Solution, build_model
from matching.engine.highs import solve_mip
from matching.engine.lns import improve_lns
from matching.engine.milp import solve_component, start_solution
from matching.engine.repair import chain_repair, price_repair

from .test_solvers import assert_valid


@pytest.fixture(scope="module")
def regional() -> Instance:
    return parse_instance(generate(600, 30, density=0.25, seed=9))


def _value(model: Model, chosen: np.ndarray) -> float:
    return float(model.pair_score[chosen].sum())


def _feasible(model: Model, chosen: np.ndarray) -> bool:
    used = np.zeros(model.capacity.shape, np.int64)
    np.add.at(used, model.pair_muni[chosen], model.demand[model.pair_unit[chosen]])
    units = model.pair_unit[chosen]
    return bool((used <= model.capacity).all()) and len(set(units.tolist())) == len(units)


def test_warm_started_milp_is_never_below_its_start(regional: Instance) -> None:
    model = build_model(regional)
    pairs = np.arange(model.n_pairs)
    start = start_solution(model, pairs, time.perf_counter() + 1.0)
    for limit in (0.06, 0.3, 2.0):
        answer = solve_mip(model, pairs, limit, start)
        assert _feasible(model, answer.chosen)
        assert _value(model, answer.chosen) >= _value(model, start)
        assert answer.bound is None or answer.bound >= _value(model, answer.chosen) - 1e-6


def test_component_solve_keeps_the_start_when_there_is_no_time(regional: Instance) -> None:
    model = build_model(regional)
    pairs = np.arange(model.n_pairs)
    start = start_solution(model, pairs, time.perf_counter() + 1.0)
    solution = solve_component(model, pairs, 0.01, start)
    assert _value(model, solution.chosen) == _value(model, start)
    assert solution.optimal is False


def test_auto_on_a_regional_round_never_ends_below_its_heuristic_start(
    regional: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts: list[Solution] = []
    original = national_module.solve_national

    def recorded(model: Model, deadline: float, workers: int = 2) -> Solution:
        starts.append(original(model, deadline, workers))
        return starts[-1]

    monkeypatch.setattr(national_module, "solve_national", recorded)
    exact = solve(regional, method="auto", time_limit=6)
    assert_valid(regional, exact)
    assert exact.method == "milp"
    assert len(starts) == 1  # lp-round gave the start
    model = build_model(regional)
    assert exact.objective >= starts[0].value(model)
    assert exact.bound is not None
    assert starts[0].bound is not None
    assert exact.bound <= starts[0].bound


def test_neighbourhood_search_never_loses_and_stays_feasible(regional: Instance) -> None:
    model = build_model(regional)
    pairs = np.arange(model.n_pairs)
    start = start_solution(model, pairs, time.perf_counter() + 0.2)
    improved = improve_lns(model, start, time.perf_counter() + 3.0)
    assert _feasible(model, improved)
    assert _value(model, improved) >= _value(model, start)


def test_price_repair_never_loses_and_moves_misplaced_units(regional: Instance) -> None:
    model = build_model(regional)
    pairs = np.arange(model.n_pairs)
    dual = dual_module.solve_dual(model, time.perf_counter() + 5.0)
    reduced = national_module.reduced_scores(model, dual.price)
    best = national_module.unit_priority(model, reduced)
    start = start_solution(model, pairs, time.perf_counter() + 0.2)  # ~96 %: much to repair
    repaired = price_repair(model, start, reduced, best, time.perf_counter() + 5.0)
    assert _feasible(model, repaired)
    assert _value(model, repaired) > _value(model, start)
    assert _value(model, repaired) <= dual.bound + 1e-6
    # With no time it hands back the start unchanged.
    same = price_repair(model, start, reduced, best, time.perf_counter())
    assert np.array_equal(same, start)


def _repair_inputs(model: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    dual = dual_module.solve_dual(model, time.perf_counter() + 5.0)
    reduced = national_module.reduced_scores(model, dual.price)
    return dual.price, reduced, national_module.unit_priority(model, reduced), np.array(dual.bound)


@pytest.fixture(scope="module")
def small_regional() -> Instance:
    return parse_instance(generate(400, 20, density=0.25, seed=9))


def test_chain_repair_never_loses_nor_breaks_a_capacity(small_regional: Instance) -> None:
    model = build_model(small_regional)
    price, reduced, best, bound = _repair_inputs(model)
    start = start_solution(model, np.arange(model.n_pairs), time.perf_counter() + 0.2)
    repaired = chain_repair(model, start, price, reduced, best, time.perf_counter() + 10.0)
    assert _feasible(model, repaired)
    assert _value(model, repaired) > _value(model, start)
    assert _value(model, repaired) <= float(bound) + 1e-6
    # From its own answer it finds nothing it could not keep: never below, still feasible.
    again = chain_repair(model, repaired, price, reduced, best, time.perf_counter() + 10.0)
    assert _feasible(model, again)
    assert _value(model, again) >= _value(model, repaired)
    # With no time it hands back the start unchanged.
    same = chain_repair(model, start, price, reduced, best, time.perf_counter())
    assert np.array_equal(same, start)


def test_chain_repair_gives_the_same_answer_with_one_programme_at_a_time(
    small_regional: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Programmes solved side by side touch different municipalities and are applied in seed
    order, so the second core changes how soon the answer comes, not the answer."""
    model = build_model(small_regional)
    monkeypatch.setattr(repair_module, "CHAIN_ROUND", 60.0)  # no programme cut off by load
    price, reduced, best, _ = _repair_inputs(model)
    start = start_solution(model, np.arange(model.n_pairs), time.perf_counter() + 0.2)
    side_by_side = chain_repair(model, start, price, reduced, best, time.perf_counter() + 60.0)
    one_by_one = chain_repair(
        model, start, price, reduced, best, time.perf_counter() + 60.0, workers=1
    )
    assert np.array_equal(side_by_side, one_by_one)


def test_working_set_dual_gives_a_valid_bound_close_to_the_full_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 40 pairs per unit: more than twice the working set, so the working set is used.
    instance = parse_instance(generate(300, 40, density=1.0, seed=4))
    model = build_model(instance)
    best = solve(instance, method="milp", time_limit=20).objective
    deadline = time.perf_counter() + 20
    working = dual_module.solve_dual(model, deadline)
    monkeypatch.setattr(dual_module, "WORKING_PAIRS", 10**6)  # every pair, every evaluation
    full = dual_module.solve_dual(model, deadline)
    assert working.bound >= best
    assert working.bound <= full.bound * 1.001


def test_bulk_validation_gives_the_same_instance_as_entry_by_entry() -> None:
    data = generate(120, 9, density=0.4, seed=2)
    fast = parse_instance(data)
    slow = instance_module._parse_scores(
        data, {h["id"] for h in data["households"]}, {m["id"] for m in data["municipalities"]}
    )
    assert list(fast.scores) == slow
    assert fast.integral_scores() is True
    assert solve(fast).objective == solve(parse_instance(data)).objective


@pytest.mark.parametrize(
    ("score", "message"),
    [(True, "score must be a number, got true"), (0, "score must be > 0, got 0")],
)
def test_bulk_validation_falls_back_to_the_exact_message(score: object, message: str) -> None:
    data = generate(30, 4, density=0.5, seed=3)
    data["scores"][7]["score"] = score
    entry = data["scores"][7]
    with pytest.raises(instance_module.InstanceError) as error:
        parse_instance(data)
    assert str(error.value) == f"score {entry['household']}/{entry['municipality']}: {message}"


def test_every_highs_run_uses_one_thread_so_two_at_once_use_both_cores() -> None:
    """HiGHS's default kept a second thread busy per run: the chain repair's programmes took
    5.5 s of CPU for 3.7 s of wall time one at a time, and two at a time did not use two
    cores. The thread count is fixed per process by the first run, so every solver asks for
    the same one."""
    from matching.engine.highs import THREADS, new_highs

    assert THREADS == 1
    first, second = new_highs(), new_highs()
    assert first.getOptionValue("threads")[1] == second.getOptionValue("threads")[1] == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_programme_handed_to_highs_is_the_one_of_the_sparse_rows(seed: int) -> None:
    """build_mip assembles its columns without scipy.sparse (the chain repair builds ~1,000
    programmes a national round); the matrix and limits must be those of unit_rows above
    capacity_rows, for any subset of pairs in any order and for the capacity others leave."""
    from scipy.sparse import csc_array, vstack

    from matching.engine.highs import capacity_rows, columns, unit_rows

    model = build_model(parse_instance(generate(120, 8, density=0.5, seed=seed)))
    rng = np.random.default_rng(seed)
    pairs = rng.permutation(model.n_pairs)[: model.n_pairs // 3]
    left = model.capacity - rng.integers(0, 3, model.capacity.shape)
    for capacity in (None, np.maximum(left, 0)):
        matrix, upper = columns(model, pairs, capacity)
        units = unit_rows(model, pairs)
        cap, limit = capacity_rows(model, pairs, capacity)
        expected = vstack([units, cap]).toarray()
        assert cap.shape[0] > 0  # some capacity binds, so both kinds of row are compared
        got = csc_array((matrix.value, matrix.rows, matrix.start), shape=expected.shape).toarray()
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(upper, np.concatenate((np.ones(units.shape[0]), limit)))
        for column in range(len(pairs)):  # rows rise within a column, as HiGHS expects
            rows = matrix.rows[matrix.start[column] : matrix.start[column + 1]]
            assert (np.diff(rows) > 0).all()
