"""How many households and persons *could* be placed at most: a bound from the same relaxation.

A coordinator reads "1,180 of 1,300 households placed" and asks whether more was possible.
The capacity relaxation that bounds the score (:mod:`.dual`) bounds any other objective of
the same constraints too: with the score of every pair replaced by the unit's number of
households (or persons), any prices give a proven upper bound on how many could be placed,
and the smoothed dual brings it close to the LP value within a small time budget.

On a national round that budget (at most 1 s for 800,000 pairs) is a few dozen evaluations,
too few to move the prices far from zero: the platform's round reported "at most 40,000 of
40,000 households", although only 25,644 school places exist for 36,425 school children. So
the dual's bound is combined with one per dimension that pools every municipality's capacity
(a fractional knapsack: the units that need the dimension, most value per place first, fill
the pooled places; the units that do not need it all count), a relaxation of the same
constraints that takes milliseconds.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from .groups import Model
from .instance import PERSONS

SHARE = 0.03  # of the time limit for both bounds together
TEMPERATURE = 0.01  # of the dual's schedule (made for scores of 100-1000)
MAX_SECONDS = 1.0
# The counting dual moves off the trivial bound (every unit placed) only after a few hundred
# evaluations: on 20,000 x 400 (800,000 pairs) it still said 20,000 of 20,000 households
# after 1 s and reached 18,711 after 3.1 s, where the pooled bound says 19,059 in
# milliseconds. So it runs only when its budget gives it at least this many pairs per second
# (quiet machine: ~270,000); otherwise the pooled bound alone is reported and the budget goes
# to the solver (0.35 s of a 10 s limit at 20,000 x 400).
DUAL_PAIRS_PER_SECOND = 250_000


@dataclass(frozen=True)
class Placeable:
    households: int
    persons: int


def placeable(model: Model, deadline: float) -> Placeable:
    """Upper bounds on households and on persons placed by any feasible assignment."""
    members = np.fromiter(map(len, model.members), np.float64, model.n_units)
    persons = (
        model.demand[:, model.dims.index(PERSONS)].astype(np.float64)
        if PERSONS in model.dims
        else np.zeros(model.n_units)
    )
    return Placeable(
        households=_most(model, members, deadline, half=True),
        persons=_most(model, persons, deadline, half=False),
    )


def _most(model: Model, value: np.ndarray, deadline: float, *, half: bool) -> int:
    if model.n_pairs == 0:
        return 0
    # A pair must have a value > 0 to count in the dual; persons 0 means nothing to count.
    pair_value = value[model.pair_unit]
    if not (pair_value > 0).any():
        return 0
    keep = np.flatnonzero(pair_value > 0)
    sub = replace(
        model,
        pair_unit=model.pair_unit[keep],
        pair_muni=model.pair_muni[keep],
        pair_score=pair_value[keep],
    )
    if half:  # the households bound gets the first half of the budget
        now = time.perf_counter()
        deadline = now + max(deadline - now, 0.0) / 2
    from .exact import is_small, lp_bound  # exact -> incumbent -> this module

    budget = deadline - time.perf_counter()
    if is_small(sub):  # pilot round: the exact LP, in milliseconds
        bound = lp_bound(sub)
    elif budget * DUAL_PAIRS_PER_SECOND < sub.n_pairs:
        bound = math.inf  # too little time to move off the trivial bound: pooled only
    else:
        from .dual import solve_dual  # scipy.optimize: ~0.6 s of CPU to import

        # Temperatures for counting (values 1-8) instead of scores (100-1000).
        bound = solve_dual(sub, deadline, temperature=TEMPERATURE).bound
    reachable = np.zeros(model.n_units, bool)
    reachable[model.pair_unit] = True
    pooled = pooled_bound(model.demand, model.capacity.sum(axis=0), np.where(reachable, value, 0))
    return int(math.floor(min(bound, pooled) + 1e-6))


def pooled_bound(demand: np.ndarray, capacity: np.ndarray, value: np.ndarray) -> float:
    """Most ``value`` that fits when each dimension's places of all municipalities are pooled
    (lowest over the dimensions of the fractional knapsack's optimum)."""
    best = float(value.sum())
    for dim in range(demand.shape[1]):
        need = demand[:, dim].astype(np.float64)
        uses = (need > 0) & (value > 0)
        order = np.argsort(-value[uses] / need[uses], kind="stable")
        weight, worth = need[uses][order], value[uses][order]
        filled = np.cumsum(weight)
        whole = int(np.searchsorted(filled, capacity[dim], side="right"))
        total = float(value[~uses].sum() + worth[:whole].sum())
        if whole < len(weight):  # the next unit fits in part
            room = capacity[dim] - (filled[whole - 1] if whole else 0.0)
            total += worth[whole] * room / weight[whole]
        best = min(best, total)
    return best
