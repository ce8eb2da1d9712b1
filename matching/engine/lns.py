"""Large neighbourhood search: re-solve a few municipalities at a time exactly with HiGHS.

Rounding and the insert/eject local search stop where no single move gains: on the national
instances ~0.3 % below the LP bound. A neighbourhood here is a handful of municipalities;
every unit placed there and every unplaced unit compatible with one of them is set free, and
the integer programme over their pairs at those municipalities (full capacities there; all
other units stay where they are) is solved by HiGHS, started from the current assignment,
so a round never loses. Municipalities are drawn uniformly with a seeded generator (measured:
a weighting towards spare capacity next to unplaced units gained a third as much), so runs
on the same machine are reproducible.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from .groups import IntArray, Model
from .highs import solve_mip
from .incumbent import offer

MUNICIPALITIES = 20  # per neighbourhood (40: HiGHS often needs 10-20 s for one)
MIN_ROUND = 0.3  # seconds; below this HiGHS does not get a neighbourhood solved
ROUND_SHARE = 0.34  # of the time left, at most, for one neighbourhood
SEED = 18
STALL_VISITS = 2
WAIT = 0.1  # seconds a converged search beside HiGHS waits for its news
# Alone (national rounds), a neighbourhood that HiGHS does not solve to the end shrinks the
# next ones by SHRINK, down to MIN_MUNICIPALITIES. On the platform's national round (a
# household's scores within ~12 points: many ties) 20 municipalities are rarely solved and
# gained +150 in 7 s of CPU, 8 gained +880.
SHRINK = 0.7
MIN_MUNICIPALITIES = 4
SHRINK_PAIRS = 60_000  # only at national scale (solve.MILP_MAX_PAIRS): regional keeps its sizes


class Shared:
    """The best assignment of one model that threads working on it hand each other.

    On regional rounds (:mod:`.regional`) HiGHS searches the whole programme while the
    neighbourhood search runs beside it; each takes up what the other found.
    """

    def __init__(self, model: Model, chosen: IntArray) -> None:
        self.model = model
        self.stop = threading.Event()  # set when the result is settled (HiGHS proved it)
        self._lock = threading.Lock()
        self._chosen = np.sort(np.asarray(chosen, np.int64))
        self._value = float(model.pair_score[self._chosen].sum())

    def take(self, chosen: IntArray) -> bool:
        """Keep ``chosen`` (feasible) if it scores more; whether it did."""
        value = float(self.model.pair_score[chosen].sum())
        with self._lock:
            if value <= self._value:
                return False
            self._chosen, self._value = np.sort(np.asarray(chosen, np.int64)), value
        offer(self.model, self._chosen)
        return True

    def best(self) -> tuple[IntArray, float]:
        with self._lock:
            return self._chosen, self._value


def improve_lns(
    model: Model,
    chosen: IntArray,
    deadline: float,
    shared: Shared | None = None,
    size: int = MUNICIPALITIES,
) -> IntArray:
    """``chosen`` improved by neighbourhood re-solves until ``deadline`` (never worse).

    With ``shared`` the search starts again from any better assignment found there, hands in
    its own, grows its neighbourhoods (up to half the municipalities) and then waits for news
    instead of stopping when it has converged, and ends when ``shared.stop`` is set.
    ``size`` municipalities make one neighbourhood.
    """
    if model.n_pairs == 0 or model.n_munis <= 1:
        return chosen
    rng = np.random.default_rng(SEED)
    pair_of = np.full(model.n_units, -1, np.int64)
    pair_of[model.pair_unit[chosen]] = chosen
    value = float(model.pair_score[chosen].sum())
    size = min(size, model.n_munis)
    # Stop once every municipality was in about STALL_VISITS neighbourhoods in a row that
    # gained nothing: then the search has converged, and small rounds end early, the same
    # way on every run.
    patience = max(1, round(STALL_VISITS * model.n_munis / size))
    stalled = 0
    while (left := deadline - time.perf_counter()) > MIN_ROUND:
        if shared is not None:
            if shared.stop.is_set():
                break
            better, better_value = shared.best()
            if better_value > value:
                pair_of[:] = -1
                pair_of[model.pair_unit[better]] = better
                value, stalled = better_value, 0
        if stalled >= patience:
            if shared is None:
                break
            if size < model.n_munis // 2:  # converged: larger neighbourhoods, more moves
                size = min(size + max(2, size // 2), model.n_munis // 2)
                patience, stalled = max(1, round(STALL_VISITS * model.n_munis / size)), 0
                continue
            shared.stop.wait(min(WAIT, left))
            continue
        munis = rng.choice(model.n_munis, size=size, replace=False)
        pairs, start = _neighbourhood(model, pair_of, munis)
        stalled += 1
        if len(pairs) == 0:
            continue
        answer = solve_mip(model, pairs, min(left * ROUND_SHARE, left - 0.05), start)
        shrink = shared is None and model.n_pairs > SHRINK_PAIRS and size > MIN_MUNICIPALITIES
        if shrink and not answer.optimal:
            size = max(MIN_MUNICIPALITIES, int(size * SHRINK))
            patience = max(1, round(STALL_VISITS * model.n_munis / size))
        gain = float(model.pair_score[answer.chosen].sum() - model.pair_score[start].sum())
        if gain > 0:
            stalled, value = 0, value + gain
            pair_of[model.pair_unit[start]] = -1
            pair_of[model.pair_unit[answer.chosen]] = answer.chosen
            now = np.sort(pair_of[pair_of >= 0])
            if shared is None:
                offer(model, now)
            else:
                shared.take(now)
    return np.sort(pair_of[pair_of >= 0])


def _neighbourhood(model: Model, pair_of: IntArray, munis: IntArray) -> tuple[IntArray, IntArray]:
    """(pairs of the freed units at ``munis``, the current assignment among them)."""
    inside = np.zeros(model.n_munis, bool)
    inside[munis] = True
    at_inside = inside[model.pair_muni]
    current = pair_of[model.pair_unit]
    placed_here = current >= 0
    placed_here[placed_here] = inside[model.pair_muni[current[placed_here]]]
    free = at_inside & ((current < 0) | placed_here)
    pairs = np.flatnonzero(free)
    start = pair_of[pair_of >= 0]
    start = start[inside[model.pair_muni[start]]]
    return pairs, start
