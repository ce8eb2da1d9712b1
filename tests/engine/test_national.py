from __future__ import annotations

import numpy as np
import pytest

from matching.engine import Instance, parse_instance, solve
from matching.engine import national as national_module
from matching.engine.generate import generate
from matching.engine.groups import build_model

from .test_solvers import assert_valid


@pytest.fixture(scope="module")
def medium() -> Instance:
    return parse_instance(generate(800, 40, density=0.15, seed=21))


def test_lp_round_is_close_to_its_bound(medium: Instance) -> None:
    result = solve(medium, method="lp-round", time_limit=20)
    assert_valid(medium, result)
    assert result.gap is not None
    assert result.gap < 0.03


def test_fallback_without_lp_is_feasible_and_bounded(
    medium: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(national_module, "solve_lp", lambda *args, **kwargs: None)
    result = solve(medium, method="lp-round", time_limit=5)
    assert_valid(medium, result)
    exact = solve(medium, method="lp-round", time_limit=20)
    assert result.bound is not None
    assert result.bound >= exact.objective


def test_lagrangian_bound_holds_for_any_price(medium: Instance) -> None:
    model = build_model(medium)
    best = solve(medium, method="lp-round", time_limit=20).objective
    rng = np.random.default_rng(0)
    for _ in range(5):
        price = rng.uniform(0, 300, model.capacity.shape)
        bound, _ = national_module.lagrangian(model, price)
        assert bound >= best


def test_top_pairs_keeps_best_per_unit() -> None:
    model = build_model(parse_instance(generate(50, 20, density=0.6, seed=2)))
    kept = national_module.top_pairs(model, 3)
    counts = np.bincount(model.pair_unit[kept], minlength=model.n_units)
    assert counts.max() <= 3
    for unit in range(model.n_units):
        mine = np.flatnonzero(model.pair_unit == unit)
        if len(mine):
            best = model.pair_score[mine].max()
            assert best in model.pair_score[kept[model.pair_unit[kept] == unit]]
