"""National-scale method ``lp-round``: Lagrangian dual, share rounding, local search, LP dive.

Pipeline: (1) the smoothed Lagrangian dual of :mod:`.dual` over *all* pairs gives the proven
bound and prices; (2) pairs whose soft-max share is >= 0.5 are fixed by share, the rest filled
greedily by reduced score ``s_um - price_m . d_u`` (respects every dimension); (3)
:mod:`.repair` re-solves exactly the units that the prices call misplaced, with the units
that could make room for them (the price repair), then one small programme around each
misplaced unit and each municipality with idle priced capacity (the chain repair); (4) with the
time left, the LP restricted to each unit's 4 best pairs *by reduced score* is tried; if
HiGHS finishes, its Lagrangian value may lower the bound and LP diving + an exact MILP tail +
local search give a second solution; the better one is returned.

Why (2 cores; figures in docs/engine.md):

* Platform national round (40,000 x 400, 800,000 pairs, school/Kita/accessible capacity far
  below demand): full LP (HiGHS IPM) = 7,173,710 after ~10 min. The former first step, the
  LP over each unit's 8 best pairs *by score*, took ~4 min (so the old method fell back to a
  subgradient bound, 8.47 M, and a score greedy: 0.89 of it, 0.68 under load); its duals,
  priced over all pairs, gave only 7,911,516 (+10 %): with tight services the best-scoring
  municipalities are not where units go. The smoothed dual reaches 7,173,965 (+0.004 %) in
  15-22 s. Rounding: greedy by reduced score 99.17 % of the LP, share-first 99.37 %, plus
  eject/insert (6-8 s) 99.75 %. The restricted LP by reduced score (80,000 columns) still
  takes ~18 s there, so it only runs in the remaining time and usually gives up.
* Generated national instance (20,000 x 400): there the restricted LP solves in a few
  seconds and diving + MILP tail reach 99.7 %, slightly ahead of rounding + local search
  (99.6 %); this is why step (4) is kept.
* HiGHS on the whole integer programme finds no good incumbent in 60 s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import vstack

from .dual import solve_dual, top_by_value
from .groups import FloatArray, IntArray, Model, Solution, binding_capacity
from .heuristics import greedy, greedy_fill
from .highs import capacity_rows, unit_rows
from .improve import eject_and_insert
from .incumbent import offer
from .lns import MUNICIPALITIES as LNS_SIZE
from .lns import improve_lns
from .milp import solve_component
from .repair import CHAIN_WORKERS, chain_repair, price_repair

TOP_K = 4  # municipalities per unit in the restricted LP (best by reduced score)
FIRST_PAIRS = 5  # per unit, for the first answer before the dual
DUAL_SHARE = 0.5  # share of the budget for the smoothed Lagrangian dual
LP_SHARE = 0.5  # share of what is left that the restricted LP may take
ROUND_AT = 0.5  # soft-max share from which a pair is fixed before the greedy
FIX_AT = 0.95  # LP value from which a pair is fixed during the dive
TAIL_PAIRS = 3000  # candidate pairs left when the dive hands over to the exact MILP
MAX_DIVES = 30
TAIL_SHARE = 0.6  # at most this share of the remaining time for the tail MILP
# No share of the budget is kept back here: solve() keeps 3 % for building the result, and the
# command line measures what writing it takes (cli.output_reserve).
# The insert/eject search (improve.py) runs only when this thread got less than EJECT_BELOW of
# a core during the dual, with SEARCH_SHARE of the time after rounding. The chain repair makes
# its moves and more in the same CPU time (20,000 x 400 at ~6 s of CPU: 99.86 % without it,
# 99.84 % with it; 40,000 x 400 at ~7 s: 99.90 % against 99.86 %; the platform shape 99.971 %
# against 99.972 %), but for the first second of CPU it is better value (20,000 x 400 with
# 1.6 s of CPU for the whole solve: 99.73 % with it, 99.62 % without; with ~3 s: 99.76 %
# against 99.78 %).
EJECT_BELOW = 0.5
SEARCH_SHARE = 0.3
# Share of the time after rounding for the price-guided repair (repair.py),
# which gains far more than the random neighbourhoods (20,000 x 400, ~7 s of CPU: 99.75 ->
# 99.80 %). Most of its gain comes in its first rounds (eps 0.25: +0.03 % in 0.1 s of CPU);
# the chain repair after it gains more per second.
REPAIR_SHARE = 0.3
# Share of the time after the price repair for the chain repair (repair.chain_repair): on
# 20,000 x 400 99.75 -> 99.84 % in its first 2 s of CPU, 99.89 % after 5 s, where the random
# neighbourhoods gain ~0.02 % per second. They get what is left when it has converged.
CHAIN_SHARE = 0.95
# The restricted LP and dive pay off only with this much time left (the LP alone takes
# ~8 s at 20,000 x 400); with less, the neighbourhood search gets all of it.
LP_MIN_SECONDS = 20.0
# With fewer municipalities a neighbourhood is most of the problem: the exact MILP's job.
LNS_MIN_MUNICIPALITIES = 3 * LNS_SIZE
LP_SMALL_PAIRS = 50_000  # below this the LP takes well under a second: always worth it
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
    units = unit_rows(model, pairs)
    capacity, limit = capacity_rows(model, pairs)
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
    return np.asarray(model.pair_score - cost, dtype=np.float64)


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


def solve_national(model: Model, deadline: float, workers: int = CHAIN_WORKERS) -> Solution:
    """Feasible solution with a proven Lagrangian upper bound (see the module docstring).

    ``workers``: programmes the chain repair solves at once (1 beside another solver)."""
    # A first answer at once: the first one after it comes after the dual, which may take half
    # the budget, and on a loaded machine the command line had to write an empty result at its
    # deadline (20,000 x 400 at load 8, 10 s limit). Over each unit's FIRST_PAIRS best pairs
    # (20,000 x 400: 0.12 s for 16,491,654 instead of 0.34 s over all pairs for 16,812,376):
    # it is only what is written if nothing better comes, and the rounding after the dual
    # reaches 17.8 M.
    offer(model, greedy(model, top_by_value(model, model.pair_score, FIRST_PAIRS)))
    cpu, started = time.thread_time(), time.perf_counter()
    dual = solve_dual(model, started + (deadline - started) * DUAL_SHARE)
    share = (time.thread_time() - cpu) / max(time.perf_counter() - started, 1e-9)
    reduced = reduced_scores(model, dual.price)
    priority = unit_priority(model, reduced)
    chosen = round_shares(model, dual.weight, reduced)
    bound = dual.bound
    offer(model, chosen, bound)
    # A loaded machine, at national scale: the cheap gains first. (Smaller rounds converge
    # within their limits and stay reproducible: no decision here depends on the load.)
    if share < EJECT_BELOW and model.n_pairs > LP_SMALL_PAIRS:
        now = time.perf_counter()
        chosen = eject_and_insert(model, chosen, priority, now + (deadline - now) * SEARCH_SHARE)
        offer(model, chosen, bound)
    now = time.perf_counter()
    chosen = price_repair(model, chosen, reduced, priority, now + (deadline - now) * REPAIR_SHARE)
    now = time.perf_counter()
    chosen = chain_repair(
        model, chosen, dual.price, reduced, priority, now + (deadline - now) * CHAIN_SHARE, workers
    )
    left = deadline - time.perf_counter()
    if left > LP_MIN_SECONDS or (left > 0 and model.n_pairs <= LP_SMALL_PAIRS):
        pairs = top_pairs(replace(model, pair_score=reduced), TOP_K)
        lp = solve_lp(model, pairs, left * LP_SHARE)
        if lp is not None:
            bound = min(bound, lagrangian(model, lp.price)[0])
            dived = _dive_and_complete(model, pairs, lp, reduced, deadline)
            dived = eject_and_insert(model, dived, priority, deadline)
            if model.pair_score[dived].sum() > model.pair_score[chosen].sum():
                chosen = dived
            offer(model, chosen, bound)
    if model.n_munis >= LNS_MIN_MUNICIPALITIES:
        chosen = improve_lns(model, chosen, deadline)
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
    left = min((deadline - time.perf_counter()) * TAIL_SHARE, TAIL_SECONDS)
    if len(candidates) and left > 0:
        tail = solve_component(replace(model, capacity=state[0].copy()), candidates, left)
        chosen += greedy_fill(model, _by_value(tail.chosen, model.pair_score[tail.chosen]), *state)
    chosen += _complete(model, reduced, state)
    return np.asarray(chosen, np.int64)
