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
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from .groups import FloatArray, IntArray, Model, concatenated_ranges
from .highs import MipAnswer, new_highs, solve_mip
from .improve import Assignment
from .incumbent import offer

WINDOW = 30.0  # score units below a freed unit's best reduced score that its pairs may lose
EPS_START = 0.25  # score units: a unit is indifferent if another pair is this close
EPS_GROWTH = 2.0
EPS_MAX = 8.0
EPS_MIN = 0.1
LOSS_MIN = 1.0  # a placed unit this far below its best reduced score is misplaced
MIN_ROUND = 0.3  # seconds; HiGHS needs this for the smallest sub-problem
ROUND_SHARE = 0.6  # of the time left, at most, for one round
# And at most this long. A round that HiGHS does not prove quickly rarely gains (20,000 x 400:
# eps 0.25 proven in 0.06 s and +17,093; eps 0.5, 2,036 pairs, nothing in 1.07 s and again
# nothing in 0.26 s), while the chain repair after it gains ~15,000 points per second there.
# With the cap and the stop on convergence (price_repair) the price repair takes 0.3 s
# instead of 1.65 s, and the chain repair gets that time.
ROUND_SECONDS = 0.2
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
    too_large = np.inf  # the smallest eps whose programme neither gained nor was proven
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
        limit = min(left * ROUND_SHARE, left - 0.05, ROUND_SECONDS)
        answer = solve_mip(model, pairs, limit, start, capacity)
        gained = model.pair_score[answer.chosen].sum() > model.pair_score[start].sum()
        if gained:
            kept = chosen[~np.isin(chosen, start)]
            chosen = np.sort(np.concatenate((kept, answer.chosen)))
            offer(model, chosen)
        if answer.optimal:
            if not gained and eps * EPS_GROWTH >= too_large:
                break  # converged: nothing left at this eps, the next one is too large
            eps *= EPS_GROWTH  # this sub-problem is done: free more units
        elif not gained:
            too_large = min(too_large, eps)
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


# Chain repair (after price_repair): one small integer programme per misplaced unit and per
# municipality with priced capacity left unused. Measured on 20,000 x 400 (load 12): the price
# repair ends at 99.75 % because the moves left need chains through units that are *not*
# indifferent (a unit giving up 20-60 points so that one worth 300-800 more takes its place),
# and freeing those everywhere (eps 1-2) makes a programme HiGHS does not solve in 5 s. Freed
# around one seed instead, the programmes have 300-3,000 pairs and HiGHS proves most of them
# in a few milliseconds: one pass over the ~350 seeds 99.75 -> 99.84 % in 2 s of CPU, the next
# passes, with more municipalities per seed and a wider window, 99.89 % after 14 s.
# Per pass: (better municipalities freed per misplaced unit, window in score units). Measured
# from 99.75 % (old pipeline): (3, 60) then (12, 200) twice 99.89 % after 8 s of CPU. With the
# early end of a pass (CUT_WINDOW), smaller steps that double are better at every size
# (in-process lp-round, the same budget for both, load ~2; old -> new): 20,000 x 400 at 7 s
# 17,882,939 -> 17,885,035, scarce 16,308,110 -> 16,314,673; 40,000 x 400 at 15.5 s
# 35,812,967 -> 35,813,788, scarce 32,696,224 -> 32,697,659, platform 8,623,544 -> 8,623,821.
CHAIN_SCHEDULE: tuple[tuple[int, float], ...] = ((2, 40.0), (4, 80.0), (8, 150.0), (16, 250.0))
CHAIN_ROUND = 0.5  # seconds at most for one seed's programme
CHAIN_WORKERS = 2  # programmes solved at once (the machine has two cores)
COMERS = 10  # units invited to a municipality seed, per better municipality of the pass
# A pass ends early when its last CUT_WINDOW programmes gained less than CUT_SHARE of what the
# pass gained so far; it is taken up again after the passes that follow. Seeds go by value,
# and on 20,000 x 400 the second pass (740 programmes) gained 94 % in its first fifth (1.95 s)
# and 812 points in the other four (3.1 s), where the widest pass gained 698 in 1 s.
CUT_WINDOW = 100
CUT_SHARE = 0.01


def chain_repair(
    model: Model,
    chosen: IntArray,
    price: FloatArray,
    reduced: FloatArray,
    best: FloatArray,
    deadline: float,
    workers: int = CHAIN_WORKERS,
) -> IntArray:
    """``chosen`` improved by small exact re-solves around each misplaced unit and each
    municipality with unused priced capacity (never worse, always feasible); ``workers``
    programmes at once.

    A misplaced unit's seed frees it and every unit at the municipalities where its reduced
    score is higher; a municipality's seed frees the units there and the units that would lose
    least by coming. The freed units may take their pairs within the pass's window of their
    current reduced score; all other units stay where they are.
    """
    if model.n_pairs == 0:
        return chosen
    best = np.where(np.isfinite(best), np.maximum(best, 0.0), 0.0)
    state = Assignment(model, chosen)
    at_muni = _pairs_by_municipality(model)
    passes = list(CHAIN_SCHEDULE)
    solved = Solved(model.n_munis)
    new_highs()  # the first one of a process silences HiGHS's banner: not in a worker thread
    with ThreadPoolExecutor(workers, thread_name_prefix="rematch-chain") as pool:
        while passes and time.perf_counter() < deadline:
            schedule = passes.pop(0)
            gained, cut = _chain_pass(
                state, price, reduced, best, at_muni, schedule, deadline, (pool, workers), solved
            )
            if gained > 0:
                offer(model, state.chosen())
            if cut or (not passes and gained > 0):  # its tail later / the widest still gains
                passes.append(schedule)
    return state.chosen()


def _pairs_by_municipality(model: Model) -> list[IntArray]:
    order = np.argsort(model.pair_muni, kind="stable")
    edges = np.searchsorted(model.pair_muni[order], np.arange(model.n_munis + 1))
    return [order[edges[m] : edges[m + 1]] for m in range(model.n_munis)]


def _seeds(
    state: Assignment, price: FloatArray, reduced: FloatArray, best: FloatArray
) -> list[tuple[float, int, int]]:
    """(value, kind, index) by value: misplaced units (kind 0), idle priced capacity (kind 1)."""
    pair_of = state.pair_of
    current = np.where(pair_of >= 0, reduced[np.maximum(pair_of, 0)], 0.0)
    loss = best - current
    idle = (price * state.residual).sum(axis=1)
    units = np.flatnonzero(loss > LOSS_MIN)
    munis = np.flatnonzero(idle > LOSS_MIN)
    seeds = [(float(loss[u]), 0, int(u)) for u in units] + [
        (float(idle[m]), 1, int(m)) for m in munis
    ]
    seeds.sort(key=lambda seed: (-seed[0], seed[1], seed[2]))
    return seeds


@dataclass(frozen=True)
class _Hood:
    """One seed's programme: the freed units' pairs, their current pairs, the capacity the
    other units leave and the municipalities it touches."""

    pairs: IntArray
    start: IntArray
    capacity: IntArray
    munis: frozenset[int]
    seed: tuple[int, int, tuple[int, float]] = (0, 0, (0, 0.0))  # kind, index, schedule
    clock: int = 0  # Solved.clock when it was built


class Solved:
    """Which seeds' programmes were proven to gain nothing, and what changed since.

    A later pass with the same schedule (the widest repeats) would build the same programme
    for a seed whose municipalities no applied answer has touched since: it is skipped.
    """

    def __init__(self, munis: int) -> None:
        self.clock = 0  # applied answers that gained
        self.changed = np.zeros(munis, np.int64)  # per municipality: clock of its last change
        self.done: dict[tuple[int, int, tuple[int, float]], tuple[IntArray, int]] = {}

    def unchanged(self, seed: tuple[int, int, tuple[int, float]]) -> bool:
        known = self.done.get(seed)
        return known is not None and int(self.changed[known[0]].max()) <= known[1]


def _chain_pass(
    state: Assignment,
    price: FloatArray,
    reduced: FloatArray,
    best: FloatArray,
    at_muni: list[IntArray],
    schedule: tuple[int, float],
    deadline: float,
    workers: tuple[ThreadPoolExecutor, int],
    solved: Solved,
) -> tuple[float, bool]:
    """One pass over the seeds: the score gained, and whether the pass ended early because
    its last programmes gained too little (see CUT_WINDOW; the deadline does not count).

    Up to CHAIN_WORKERS programmes are solved at once (HiGHS releases the interpreter lock),
    on municipalities no other programme in flight touches; results are applied in seed
    order, and a seed whose programme touches one in flight waits for it and is built again.
    So the pass gives what one solved after the other gives, only sooner on two cores.
    """
    gained, flight = 0.0, deque[tuple[_Hood, Future[MipAnswer]]]()
    recent = deque[float](maxlen=CUT_WINDOW)  # gains of the last programmes applied
    cut = False

    def take() -> float:
        gain = _apply(state, solved, *flight.popleft())
        recent.append(gain)
        return gain

    for _, kind, index in _seeds(state, price, reduced, best):
        if time.perf_counter() >= deadline:
            break
        if len(recent) == CUT_WINDOW and sum(recent) < CUT_SHARE * gained:
            cut = True
            break
        seed = (kind, index, schedule)
        if solved.unchanged(seed):
            continue
        while True:
            free = (
                _around_unit(state, reduced, best, index, schedule[0])
                if kind == 0
                else _around_municipality(state, price, reduced, at_muni[index], index, schedule)
            )
            hood = None if free is None else _hood(state, reduced, free, schedule[1])
            if hood is not None:
                hood = replace(hood, seed=seed, clock=solved.clock)
            clashes = [
                k
                for k, (other, _) in enumerate(flight)
                if hood is not None and not hood.munis.isdisjoint(other.munis)
            ]
            if not clashes:
                break
            clock = solved.clock
            for _ in range(clashes[-1] + 1):
                gained += take()
            if solved.clock == clock:  # none of them gained: built again, it would be the same
                break
        if hood is None:
            continue
        pool, most = workers
        if len(flight) >= most:
            gained += take()
        left = min(CHAIN_ROUND, deadline - time.perf_counter())
        model = state.model
        job = pool.submit(solve_mip, model, hood.pairs, left, hood.start, hood.capacity)
        flight.append((hood, job))
    while flight:
        gained += take()
    return gained, cut


def _current(state: Assignment, reduced: FloatArray, units: IntArray) -> FloatArray:
    pairs = state.pair_of[units]
    return np.where(pairs >= 0, reduced[np.maximum(pairs, 0)], 0.0)


def _around_unit(
    state: Assignment, reduced: FloatArray, best: FloatArray, unit: int, more: int
) -> IntArray | None:
    """The unit and every unit at its ``more`` best municipalities that it would gain at."""
    current = float(_current(state, reduced, np.array([unit]))[0])
    if best[unit] - current <= LOSS_MIN:  # an earlier seed of this pass placed it well
        return None
    pairs = np.arange(state.range[unit], state.range[unit + 1])
    better = pairs[reduced[pairs] > current + LOSS_MIN]
    better = better[np.argsort(-reduced[better], kind="stable")[:more]]
    free = {unit}
    for muni in np.unique(state.model.pair_muni[better]).tolist():
        free |= state.units_at[muni]
    return np.fromiter(sorted(free), np.int64)


def _around_municipality(
    state: Assignment,
    price: FloatArray,
    reduced: FloatArray,
    pairs: IntArray,
    muni: int,
    schedule: tuple[int, float],
) -> IntArray | None:
    """The units at ``muni`` and those that would lose least (within ``window``) by coming."""
    if (price[muni] * state.residual[muni]).sum() <= LOSS_MIN:
        return None
    more, window = schedule
    units = state.model.pair_unit[pairs]
    elsewhere = state.pair_of[units] != pairs
    loss = _current(state, reduced, units) - reduced[pairs]
    comers = np.flatnonzero(elsewhere & (loss <= window))
    comers = comers[np.argsort(loss[comers], kind="stable")[: COMERS * more]]
    free = state.units_at[muni] | set(units[comers].tolist())
    return np.fromiter(sorted(free), np.int64)


def _pairs_of(state: Assignment, units: IntArray) -> IntArray:
    """Every pair of ``units``, unit by unit (a unit's pairs are consecutive in the model):
    without a Python loop over the units, the pass's busiest line before."""
    starts = state.range[units]
    return concatenated_ranges(starts, state.range[units + 1] - starts)


def _hood(state: Assignment, reduced: FloatArray, free: IntArray, window: float) -> _Hood | None:
    """The programme of ``free`` over their pairs within ``window`` of their current reduced
    score, on the capacity the other units leave (None when they have no pair)."""
    model = state.model
    pairs = _pairs_of(state, free)
    placed_at = state.pair_of[model.pair_unit[pairs]]
    near = (reduced[pairs] >= _current(state, reduced, model.pair_unit[pairs]) - window) | (
        placed_at == pairs
    )
    start = state.pair_of[free]
    start = start[start >= 0]
    capacity = state.residual.copy()
    np.add.at(capacity, model.pair_muni[start], model.demand[model.pair_unit[start]])
    pairs = pairs[near]
    fits = np.all(model.demand[model.pair_unit[pairs]] <= capacity[model.pair_muni[pairs]], axis=1)
    pairs = np.sort(pairs[fits])
    if len(pairs) == 0:
        return None
    return _Hood(pairs, start, capacity, frozenset(np.unique(model.pair_muni[pairs]).tolist()))


def _apply(state: Assignment, solved: Solved, hood: _Hood, future: Future[MipAnswer]) -> float:
    """Take a solved programme's answer if it gains; the gain (0 otherwise)."""
    model = state.model
    answer = future.result()
    gain = float(model.pair_score[answer.chosen].sum() - model.pair_score[hood.start].sum())
    if gain <= 0:
        if answer.optimal:
            solved.done[hood.seed] = (np.fromiter(hood.munis, np.int64), hood.clock)
        return 0.0
    solved.clock += 1
    solved.changed[list(hood.munis)] = solved.clock
    for pair in hood.start.tolist():
        state.remove(int(model.pair_unit[pair]))
    for pair in answer.chosen.tolist():
        state.place(int(model.pair_unit[pair]), pair)
    return gain
