"""Method dispatch: ``solve(instance, time_limit=..., method=...)``."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .groups import Model, Solution, build_model
from .heuristics import greedy
from .hungarian import NotApplicableError, applicable, backend_for, solve_hungarian
from .incumbent import Incumbent, unwatch, watch
from .instance import Instance
from .milp import solve_milp, upper_bound_free
from .placeable import MAX_SECONDS as PLACEABLE_SECONDS
from .placeable import SHARE as PLACEABLE_SHARE
from .placeable import placeable
from .result import Result, build_result

DEFAULT_TIME_LIMIT = 60.0
# Up to this size the integer programme, started from the lp-round / local-search solution,
# is worth its time: HiGHS never ends below its start and improves it (benchmark table in
# docs/engine.md). Beyond it HiGHS spends the budget building and presolving.
MILP_MAX_PAIRS = 60_000
# Share of the limit kept for turning the solution into a result document. The command line
# passes 0: it measures what building and writing the result take (cli.output_reserve) and
# keeps that instead, so at 20,000 x 400 with a 10 s limit the solver gains ~0.25 s.
KEEP = 0.03

Solver = Callable[[Model, float], Solution]


def _greedy(model: Model, deadline: float) -> Solution:
    everything = np.arange(model.n_pairs, dtype=np.int64)
    return Solution(greedy(model, everything), upper_bound_free(model, everything), False)


def _hungarian(model: Model, deadline: float) -> Solution:
    return solve_hungarian(model, deadline=deadline)


def _lp_round(model: Model, deadline: float) -> Solution:
    # Imported here: lp-round pulls in scipy.optimize (~0.6 s of CPU at process start), which
    # a pilot round solved by milp never needs.
    from .national import solve_national

    return solve_national(model, deadline)


METHODS: dict[str, Solver] = {
    "hungarian": _hungarian,
    "milp": solve_milp,
    "lp-round": _lp_round,
    "greedy": _greedy,
}


def choose_method(model: Model, time_limit: float) -> str:
    """Hungarian when exact and quick; warm-started MILP up to regional size; else lp-round.

    The transportation-LP back end of hungarian cannot keep a short time limit at national
    scale (~40 s at 20,000 x 400), so there auto takes lp-round, which does.
    """
    if applicable(model) is None and backend_for(model) != "lp":
        return "hungarian"
    if model.n_pairs <= MILP_MAX_PAIRS:
        return "milp"
    return "lp-round"


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    method: str = "auto",
    incumbent: Incumbent | None = None,
    keep: float = KEEP,
) -> Result:
    """Solve ``instance`` within ``time_limit`` seconds (default 60) using ``method``.

    ``method`` is ``auto`` or one of :data:`METHODS`. Raises ``ValueError`` for an unknown
    method and :class:`NotApplicableError` when hungarian is forced on a non-assignment
    instance. ``incumbent``, if given, receives every improved solution as it is found
    (the command line reads it when the time limit is up before ``solve`` returns).
    ``keep``: share of the limit left for building the result (see :data:`KEEP`); a
    forecast-aware solve always keeps 3 %.
    """
    started = time.perf_counter()
    limit = DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit)
    if not limit > 0:
        raise ValueError(f"time limit must be > 0, got {time_limit}")
    if method != "auto" and method not in METHODS:
        raise ValueError(f'unknown method "{method}", expected auto or {", ".join(METHODS)}')
    if instance.forecast:  # the forecast module imports scipy.optimize: only when needed
        from .forecast import has_forecast, solve_forecast

        if has_forecast(instance):
            return solve_forecast(
                instance, time_limit=limit, method=method, started=started, plain=_solve_plain
            )
    if not 0 <= keep < 1:
        raise ValueError(f"keep must be in [0, 1), got {keep}")
    return _solve_plain(instance, limit, method, started, incumbent, keep)


def _solve_plain(
    instance: Instance,
    limit: float,
    method: str,
    started: float,
    incumbent: Incumbent | None = None,
    keep: float = KEEP,
) -> Result:
    model = build_model(instance)
    name = choose_method(model, limit) if method == "auto" else method
    deadline = started + limit * (1 - keep)
    budget = min(limit * PLACEABLE_SHARE, PLACEABLE_SECONDS)
    most = placeable(model, min(time.perf_counter() + budget, deadline))
    if incumbent is not None:
        watch(model, incumbent, name)
        incumbent.placeable = most
    try:
        solution = METHODS[name](model, deadline)
    finally:
        unwatch(model)
    return build_result(
        instance,
        model,
        solution.chosen.tolist(),
        status="optimal" if solution.optimal else "feasible",
        bound=solution.bound,
        method=name,
        started=started,
        placeable=most,
    )


__all__ = ["DEFAULT_TIME_LIMIT", "METHODS", "NotApplicableError", "solve"]
