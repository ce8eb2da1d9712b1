"""Price-guided repair: re-solve exactly the units that the dual prices say are misplaced.

After rounding and the insert/eject search a national round stands at ~99.73 % of the LP
bound, and neighbourhoods of random municipalities gain almost nothing more (measured on
20,000 x 400: +0.01 % in 5 s; 300 s of that search end at 99.77 %). Decomposing the gap at
the LP prices ``p`` (the LP value is ``sum_u max(0, best_u) + p . capacity`` with
``best_u`` the unit's best reduced score ``s_um - p_m . d_u``) shows where it is: 60 % is a
few hundred units placed well below their best reduced score (209 of 20,000 with a loss
> 1), 10 % unplaced units, 30 % priced capacity left unused. Moving such a unit needs a chain
of moves through municipalities whose capacity is full, carried by units that are
*indifferent* (another pair within ``eps`` of their current reduced score: the LP splits them).

So each round frees exactly those units, the misplaced and the indifferent ones, keeps
every other unit where it is, and lets HiGHS solve the integer programme over the freed
units' pairs within ``WINDOW`` of their best reduced score, on the capacity the others leave,
started from the current assignment (never worse). Measured on 20,000 x 400 (load 12):
eps = 0.5 frees ~1,000 units / 2,400 pairs and goes from 99.73 % to 99.81 % in 5 s (bound of
that sub-problem 99.82 %); eps = 1-2 frees 1,500-2,200 units, whose programme HiGHS does not
improve within 5 s. ``eps`` therefore starts small, doubles while rounds prove their
sub-problem optimal and halves when a round neither gains nor proves. In the whole
``lp-round`` with ~7 s of CPU (load 13, 25 s wall): 99.80 % instead of 99.75 % of the LP bound.
"""

from __future__ import annotations

import time

import numpy as np

from .groups import FloatArray, IntArray, Model
from .highs import solve_mip
from .incumbent import offer

WINDOW = 30.0  # score units below a freed unit's best reduced score that its pairs may lose
EPS_START = 0.25  # score units: a unit is indifferent if another pair is this close
EPS_GROWTH = 2.0
EPS_MAX = 8.0
EPS_MIN = 0.1
LOSS_MIN = 1.0  # a placed unit this far below its best reduced score is misplaced
MIN_ROUND = 0.3  # seconds; HiGHS needs this for the smallest sub-problem
ROUND_SHARE = 0.6  # of the time left, at most, for one round
# A round's programme larger than this is not worth handing to HiGHS. The platform's national
# round (scores of one household within ~12 points, so WINDOW keeps all of its 20 pairs, and
# LP prices that tie thousands of units) frees 2,200-4,000 units with 38,000-73,000 pairs even
# at eps 0-0.1, and HiGHS improved none of them in 3-10 s (4 of the 19 s of CPU a 20 s run has);
# the generated national rounds free ~1,000 units with ~2,400 pairs at eps 0.5.
MAX_PAIRS = 20_000


def price_repair(
    model: Model, chosen: IntArray, reduced: FloatArray, best: FloatArray, deadline: float
) -> IntArray:
    """``chosen`` improved by re-solving its misplaced and indifferent units (never worse).

    ``reduced``: per pair, score minus priced capacity; ``best``: per unit, its best reduced
    score (``-inf`` without pairs).
    """
    if model.n_pairs == 0:
        return chosen
    best = np.where(np.isfinite(best), np.maximum(best, 0.0), 0.0)
    eps = EPS_START
    while (left := deadline - time.perf_counter()) > MIN_ROUND and EPS_MIN <= eps <= EPS_MAX:
        pairs, start, capacity = _free(model, chosen, reduced, best, eps)
        if len(pairs) == 0:
            eps *= EPS_GROWTH
            continue
        if len(pairs) > MAX_PAIRS:
            eps /= EPS_GROWTH
            if eps < EPS_MIN:
                break
            continue
        answer = solve_mip(model, pairs, min(left * ROUND_SHARE, left - 0.05), start, capacity)
        gained = model.pair_score[answer.chosen].sum() > model.pair_score[start].sum()
        if gained:
            kept = chosen[~np.isin(chosen, start)]
            chosen = np.sort(np.concatenate((kept, answer.chosen)))
            offer(model, chosen)
        if answer.optimal:
            eps *= EPS_GROWTH  # this sub-problem is done: free more units
        elif not gained:
            eps /= EPS_GROWTH  # too large for the time left: free fewer
            if eps < EPS_MIN:
                break
    return chosen


def _free(
    model: Model, chosen: IntArray, reduced: FloatArray, best: FloatArray, eps: float
) -> tuple[IntArray, IntArray, IntArray]:
    """(pairs of the freed units, their current pairs, the capacity the other units leave)."""
    pair_of = np.full(model.n_units, -1, np.int64)
    pair_of[model.pair_unit[chosen]] = chosen
    placed = pair_of >= 0
    at = np.maximum(pair_of, 0)
    current = np.where(placed, reduced[at], 0.0)
    unit = model.pair_unit
    other = model.pair_muni != np.where(placed[unit], model.pair_muni[at[unit]], -1)
    indifferent = np.zeros(model.n_units, bool)
    indifferent[unit[other & (reduced >= current[unit] - eps) & (reduced > 0)]] = True
    free = (best - current > LOSS_MIN) | indifferent
    fixed = chosen[~free[model.pair_unit[chosen]]]
    used = np.zeros_like(model.capacity)
    np.add.at(used, model.pair_muni[fixed], model.demand[model.pair_unit[fixed]])
    capacity = model.capacity - used
    near = reduced >= best[unit] - WINDOW
    near[chosen] = True
    fits = np.all(model.demand[unit] <= capacity[model.pair_muni], axis=1)
    pairs = np.flatnonzero(free[unit] & near & fits)
    start = chosen[free[model.pair_unit[chosen]]]
    return pairs, start, capacity
