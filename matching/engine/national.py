"""National-scale method ``lp-round``: restricted LP relaxation, LP diving and an exact tail.

Why this method (measured on the 20,000 x 400 instance with 760,000 usable pairs, 2 cores;
details and figures in docs/engine.md):

* The full LP relaxation is too slow: HiGHS' dual simplex needs > 120 s, interior point ~30 s.
* Restricting every unit to its 8 best-scoring municipalities leaves 155,000 columns; interior
  point with crossover solves that in ~6 s and its value is within 0.01 % of the full LP.
* The restricted LP's capacity duals ``price`` are then priced against **all** pairs:
  ``L(price) = sum_u max(0, max_m s_um - price_m . d_u) + sum price . capacity`` is a
  Lagrangian dual value, a proven upper bound for any ``price >= 0``. It came out within
  0.01 % of the full LP, so nothing is lost by restricting the LP.
* Rounding plus greedy repair reached 99.1 % of that bound; a plain score greedy 93 %; HiGHS
  on the whole integer programme does not find a good incumbent in 60 s. *Diving* does
  better: fix the pairs the LP puts at (nearly) 1, re-solve the LP on what is left (small and
  fast), repeat, and once few candidate pairs remain solve them exactly with the MILP. This
  gave 99.7 % of the bound in ~8 s of solver time.
* When the LP fails or time is short, a subgradient Lagrangian method provides the bound and
  its prices order the greedy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import vstack

from .dual import solve_dual
from .groups import FloatArray, IntArray, Model, Solution, binding_capacity
from .heuristics import greedy_fill
from .improve import eject_and_insert
from .milp import _capacity_rows, _unit_rows, solve_component

TOP_K = 4  # municipalities per unit in the restricted LP (best by reduced score)
DUAL_SHARE = 0.5  # share of the budget for the smoothed Lagrangian dual
LP_SHARE = 0.5  # share of what is left that the restricted LP may take
USE_LP = True
ROUND_AT = 0.5  # soft-max share from which a pair is fixed before the greedy
FIX_AT = 0.95  # LP value from which a pair is fixed during the dive
TAIL_PAIRS = 3000  # candidate pairs left when the dive hands over to the exact MILP
MAX_DIVES = 30
RESERVE = 0.1  # share of the remaining time kept back for the greedy completion
# The tail MILP's last improvements are tiny (measured: +0.07 % of the objective for 45 s more),
# so it gets at most this long, however generous the time limit.
TAIL_SECONDS = 15.0


@dataclass(frozen=True)
class LpAnswer:
    x: FloatArray  # per restricted pair
    price: FloatArray  # (municipalities, dims) capacity duals, >= 0


def top_pairs(model: Model, k: int) -> IntArray:
    """Each unit's ``k`` best-scoring pairs (ties: lower municipality index first)."""
    order = np.lexsort((model.pair_muni, -model.pair_score, model.pair_unit))
    units = model.pair_unit[order]
    rank = np.arange(len(units)) - np.searchsorted(units, units)
    return np.sort(order[rank < k])


def solve_lp(model: Model, pairs: IntArray, time_limit: float) -> LpAnswer | None:
    """LP relaxation over ``pairs`` with ``model.capacity``; None if HiGHS does not finish."""
    if time_limit <= 0 or len(pairs) == 0:
        return None
    units = _unit_rows(model, pairs)
    capacity, limit = _capacity_rows(model, pairs)
    res = linprog(
        -model.pair_score[pairs],
        A_ub=vstack([units, capacity]).tocsr(),
        b_ub=np.concatenate((np.ones(units.shape[0]), limit)),
        bounds=(0, 1),
        method="highs-ipm",
        options={"time_limit": time_limit},
    )
    if res.status != 0:
        return None
    marginals = -np.asarray(res.ineqlin.marginals)
    price = np.zeros(model.capacity.shape)
    price[binding_capacity(model, pairs)] = np.maximum(marginals[units.shape[0] :], 0.0)
    return LpAnswer(np.asarray(res.x), price)


def reduced_scores(model: Model, price: FloatArray) -> FloatArray:
    """Score minus the priced capacity a pair uses."""
    cost = np.einsum("pd,pd->p", price[model.pair_muni], model.demand[model.pair_unit])
    return model.pair_score - cost


def lagrangian(model: Model, price: FloatArray) -> tuple[float, FloatArray]:
    """Lagrangian dual value (an upper bound for any price >= 0) and the best pair per unit."""
    reduced = reduced_scores(model, price)
    if model.n_pairs == 0:
        return 0.0, reduced
    starts = np.flatnonzero(np.r_[True, model.pair_unit[1:] != model.pair_unit[:-1]])
    best = np.maximum.reduceat(reduced, starts)
    return float(np.maximum(best, 0.0).sum() + (price * model.capacity).sum()), reduced


def _by_value(pairs: IntArray, value: FloatArray) -> IntArray:
    return pairs[np.lexsort((pairs, -value))]


def _fits(model: Model, pairs: IntArray, residual: np.ndarray, placed: np.ndarray) -> IntArray:
    pairs = pairs[~placed[model.pair_unit[pairs]]]
    ok = np.all(model.demand[model.pair_unit[pairs]] <= residual[model.pair_muni[pairs]], axis=1)
    return pairs[ok]


def dive(
    model: Model, pairs: IntArray, lp: LpAnswer, deadline: float, state: tuple[np.ndarray, ...]
) -> tuple[list[int], IntArray]:
    """Fix near-integral LP pairs and re-solve on the rest; returns (fixed, candidates left)."""
    residual, placed = state
    chosen: list[int] = []
    candidates, x = pairs, lp.x
    for _ in range(MAX_DIVES):
        threshold = min(FIX_AT, float(x.max()) * 0.999) if len(x) else FIX_AT
        picked = x >= threshold
        got = greedy_fill(model, _by_value(candidates[picked], x[picked]), residual, placed)
        chosen += got
        candidates = _fits(model, pairs, residual, placed)
        if not got or len(candidates) <= TAIL_PAIRS:
            break
        left = deadline - time.perf_counter()
        sub = solve_lp(replace(model, capacity=residual.copy()), candidates, left * 0.5)
        if sub is None:
            break
        x = sub.x
    return chosen, candidates


def _complete(model: Model, reduced: FloatArray, state: tuple[np.ndarray, ...]) -> list[int]:
    everything = np.arange(model.n_pairs, dtype=np.int64)
    return greedy_fill(model, _by_value(everything, reduced), *state)


def solve_national(model: Model, deadline: float) -> Solution:
    """Feasible solution with a proven Lagrangian upper bound (see the module docstring)."""
    started = time.perf_counter()
    dual = solve_dual(model, started + (deadline - started) * DUAL_SHARE)
    reduced = reduced_scores(model, dual.price)
    chosen = round_shares(model, dual.weight, reduced)
    bound = dual.bound
    left = deadline - time.perf_counter()
    if USE_LP and left > 0:
        pairs = top_pairs(replace(model, pair_score=reduced), TOP_K)
        lp = solve_lp(model, pairs, left * LP_SHARE)
        if lp is not None:
            bound = min(bound, lagrangian(model, lp.price)[0])
            dived = _dive_and_complete(model, pairs, lp, reduced, deadline)
            if model.pair_score[dived].sum() > model.pair_score[chosen].sum():
                chosen = dived
    chosen = eject_and_insert(model, chosen, unit_priority(model, reduced), deadline)
    return Solution(chosen, bound, False)


def round_shares(model: Model, share: FloatArray, reduced: FloatArray) -> IntArray:
    """Pairs with soft-max share >= ROUND_AT first (by share), then all by reduced score."""
    state = (model.capacity.copy(), np.zeros(model.n_units, bool))
    sure = np.flatnonzero(share >= ROUND_AT) if len(share) == model.n_pairs else np.zeros(0, int)
    chosen = greedy_fill(model, _by_value(sure, share[sure]), *state)
    chosen += _complete(model, reduced, state)
    return np.asarray(chosen, np.int64)


def unit_priority(model: Model, reduced: FloatArray) -> FloatArray:
    """Each unit's best reduced score (-inf without pairs)."""
    priority = np.full(model.n_units, -np.inf)
    if model.n_pairs:
        starts = np.flatnonzero(np.r_[True, model.pair_unit[1:] != model.pair_unit[:-1]])
        priority[model.pair_unit[starts]] = np.maximum.reduceat(reduced, starts)
    return priority


def _dive_and_complete(
    model: Model, pairs: IntArray, lp: LpAnswer, reduced: FloatArray, deadline: float
) -> IntArray:
    state = (model.capacity.copy(), np.zeros(model.n_units, bool))
    chosen, candidates = dive(model, pairs, lp, deadline, state)
    left = min((deadline - time.perf_counter()) * (1 - RESERVE), TAIL_SECONDS)
    if len(candidates) and left > 0:
        tail = solve_component(replace(model, capacity=state[0].copy()), candidates, left)
        chosen += greedy_fill(model, _by_value(tail.chosen, model.pair_score[tail.chosen]), *state)
    chosen += _complete(model, reduced, state)
    return np.asarray(chosen, np.int64)
