"""Method dispatch: ``solve(instance, time_limit=..., method=...)``."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .forecast import has_forecast, solve_forecast
from .groups import Model, Solution, build_model
from .heuristics import greedy
from .hungarian import NotApplicableError, applicable, solve_hungarian
from .instance import Instance
from .milp import solve_milp, upper_bound_free
from .national import solve_national
from .result import Result, build_result

DEFAULT_TIME_LIMIT = 60.0
# Measured (docs/engine.md): within 30 s HiGHS proves pilot rounds optimal and stays within
# 0.2 % of optimal up to ~10,000 pairs, ahead of lp-round there; at 50,000 pairs it falls to
# 95 % while lp-round reaches 99.6 %. So MILP gets about this many pairs per second of budget.
MILP_PAIRS_PER_SECOND = 200

Solver = Callable[[Model, float], Solution]


def _greedy(model: Model, deadline: float) -> Solution:
    everything = np.arange(model.n_pairs, dtype=np.int64)
    return Solution(greedy(model, everything), upper_bound_free(model, everything), False)


def _hungarian(model: Model, deadline: float) -> Solution:
    return solve_hungarian(model)


METHODS: dict[str, Solver] = {
    "hungarian": _hungarian,
    "milp": solve_milp,
    "lp-round": solve_national,
    "greedy": _greedy,
}


def choose_method(model: Model, time_limit: float) -> str:
    """Hungarian when exact; MILP while small; the large-scale LP method otherwise."""
    if applicable(model) is None:
        return "hungarian"
    if model.n_pairs <= MILP_PAIRS_PER_SECOND * time_limit:
        return "milp"
    return "lp-round"


def solve(instance: Instance, *, time_limit: float | None = None, method: str = "auto") -> Result:
    """Solve ``instance`` within ``time_limit`` seconds (default 60) using ``method``.

    ``method`` is ``auto`` or one of :data:`METHODS`. Raises ``ValueError`` for an unknown
    method and :class:`NotApplicableError` when hungarian is forced on a non-assignment
    instance.
    """
    started = time.perf_counter()
    limit = DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit)
    if not limit > 0:
        raise ValueError(f"time limit must be > 0, got {time_limit}")
    if method != "auto" and method not in METHODS:
        raise ValueError(f'unknown method "{method}", expected auto or {", ".join(METHODS)}')
    if has_forecast(instance):
        return solve_forecast(
            instance, time_limit=limit, method=method, started=started, plain=_solve_plain
        )
    return _solve_plain(instance, limit, method, started)


def _solve_plain(instance: Instance, limit: float, method: str, started: float) -> Result:
    model = build_model(instance)
    name = choose_method(model, limit) if method == "auto" else method
    # Keep a little of the budget for turning the solution into a result document.
    deadline = started + limit * 0.97
    solution = METHODS[name](model, deadline)
    return build_result(
        instance,
        model,
        solution.chosen.tolist(),
        status="optimal" if solution.optimal else "feasible",
        bound=solution.bound,
        method=name,
        started=started,
    )


__all__ = ["DEFAULT_TIME_LIMIT", "METHODS", "NotApplicableError", "solve"]
