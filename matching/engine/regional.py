"""Regional rounds: HiGHS on the whole programme for the whole time, the heuristics beside it.

Before (issue #18, target 2), milp spent 20 % of the budget on lp-round's start and only then
started HiGHS, on each connected component with a share of what was left. Plain HiGHS given
the whole limit beat that by 0.04-0.09 % on 1,000 x 50 and 2,000 x 50 (quiet machine), because
HiGHS's result depends mostly on how long it searches (its root cut loop alone takes seconds
there; RINS and branching find the last 0.1 % after it) and its MIP search runs on one core
(measured: the other threads of a HiGHS run stay idle), while the engine's process also keeps
back start-up, reading and writing to keep ``--time-limit``.

So here HiGHS starts at once, from a greedy + insert/eject start (a fraction of a second), on
the whole model (one binary per unit pair, every capacity the units could exceed: the same
programme the peers solve) and runs until the deadline, in this thread. A helper thread on the
second core runs lp-round (dual bound, rounding, local search, repair) and then the
neighbourhood search (:mod:`.lns`). The two exchange solutions through :class:`.lns.Shared`:
HiGHS takes a better one at its next user-solution callback, the neighbourhood search restarts
from each improved HiGHS incumbent. The answer is the best of both; it is "optimal" only when
HiGHS proved it, and then returns at once; the bound is the lowest of HiGHS's dual bound,
lp-round's Lagrangian bound and the capacity-free bound.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from .groups import IntArray, Model, Solution
from .heuristics import greedy
from .highs import build_mip, read_answer
from .incumbent import offer
from .lns import Shared, improve_lns
from .milp import start_solution, upper_bound_free

__all__ = ["REGIONAL_UNITS", "build_mip", "is_regional", "solve_regional"]

# More units than any pilot round (at most 300 households) has: the regional regime.
REGIONAL_UNITS = 400
START_SHARE = 0.03  # of the budget, at most, for the greedy + insert/eject start
START_SECONDS = 0.5
# HiGHS stops this much before the deadline: it overruns its time limit by a few tenths of a
# second on the loaded machine (measured 0.4 s on 2,000 x 50 at load 16), and the command line
# still has to write the result within --time-limit.
HIGHS_MARGIN_SHARE = 0.02
HIGHS_MARGIN_SECONDS = 0.4
HEURISTIC_SHARE = 0.2  # of the budget for lp-round in the helper thread, before the LNS
# Municipalities per neighbourhood. Measured beside nothing else, 10-12 s from lp-round's
# solution (load 10-16): 1,000 x 50 gains +0.28 % with 5, +0.39 % with 10, +0.15 % with 20;
# 2,000 x 50 +0.12 / +0.13 / +0.10 %; 5,000 x 100 with 10 / 20 / 30: +0.09 / +0.04 / 0 %
# (bigger neighbourhoods of these dense rounds take HiGHS seconds each, often the whole slice).
LNS_MUNICIPALITIES = 10


def is_regional(model: Model) -> bool:
    return model.n_units > REGIONAL_UNITS and model.n_pairs > 0


def solve_regional(model: Model, deadline: float) -> Solution:
    """Best of HiGHS and lp-round + LNS run side by side until ``deadline`` (see module doc)."""
    began = time.perf_counter()
    everything = np.arange(model.n_pairs, dtype=np.int64)
    budget = deadline - began
    bounds = [upper_bound_free(model, everything)]
    # Handed in first thing: on a loaded machine a short limit can run out before the start
    # below is done, and the command line then writes what it was handed (else nothing).
    offer(model, greedy(model, everything), bounds[0])
    start = start_solution(model, everything, began + min(budget * START_SHARE, START_SECONDS))
    offer(model, start)
    shared = Shared(model, start)
    margin = min(budget * HIGHS_MARGIN_SHARE, HIGHS_MARGIN_SECONDS)
    solver = build_mip(model, everything, deadline - margin - time.perf_counter(), start)
    _exchange(solver, shared, everything, given=float(model.pair_score[start].sum()))
    helper = threading.Thread(
        target=_helper,
        args=(model, shared, began + budget * HEURISTIC_SHARE, deadline, bounds),
        name="rematch-regional",
        daemon=True,
    )
    helper.start()
    solver.run()  # releases the GIL: the helper has the other core
    answer = read_answer(solver, everything)
    if answer.optimal:
        shared.stop.set()  # proven: nothing left to find, the helper ends at its next check
        return Solution(answer.chosen, float(model.pair_score[answer.chosen].sum()), True)
    helper.join(max(deadline - time.perf_counter(), 0.0))
    shared.stop.set()
    shared.take(answer.chosen)
    chosen, value = shared.best()
    if answer.bound is not None:
        bounds.append(answer.bound)
    return Solution(chosen, max(min(bounds), value), False)


def _helper(
    model: Model, shared: Shared, until: float, deadline: float, bounds: list[float]
) -> None:
    from .national import solve_national  # national imports milp, which imports this module

    # One chain-repair programme at a time: HiGHS has the other core.
    heuristic = solve_national(model, until, workers=1)
    if heuristic.bound is not None:
        bounds.append(heuristic.bound)
    shared.take(heuristic.chosen)
    chosen, _ = shared.best()
    improve_lns(model, chosen, deadline, shared, LNS_MUNICIPALITIES)


def _exchange(solver: Any, shared: Shared, pairs: IntArray, given: float) -> None:
    """HiGHS hands its improved solutions to ``shared`` and takes any that beats ``given``
    (the value of the start it holds) or the last one it took."""
    taken = [given]

    def improved(event: Any) -> None:
        value = np.asarray(event.data_out.mip_solution)
        shared.take(pairs[value > 0.5])

    def user_solution(event: Any) -> None:
        chosen, value = shared.best()
        if value <= taken[0]:
            return
        taken[0] = value
        event.data_in.setSolution(np.isin(pairs, chosen).astype(np.float64))

    solver.cbMipImprovingSolution.subscribe(improved)
    solver.cbMipUserSolution.subscribe(user_solution)
