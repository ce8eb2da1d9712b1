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


def improve_lns(model: Model, chosen: IntArray, deadline: float) -> IntArray:
    """``chosen`` improved by neighbourhood re-solves until ``deadline`` (never worse)."""
    if model.n_pairs == 0 or model.n_munis <= 1:
        return chosen
    rng = np.random.default_rng(SEED)
    pair_of = np.full(model.n_units, -1, np.int64)
    pair_of[model.pair_unit[chosen]] = chosen
    size = min(MUNICIPALITIES, model.n_munis)
    # Stop once every municipality was in about STALL_VISITS neighbourhoods in a row that
    # gained nothing: then the search has converged, and small rounds end early, the same
    # way on every run.
    patience = max(1, round(STALL_VISITS * model.n_munis / size))
    stalled = 0
    while (left := deadline - time.perf_counter()) > MIN_ROUND and stalled < patience:
        munis = rng.choice(model.n_munis, size=size, replace=False)
        pairs, start = _neighbourhood(model, pair_of, munis)
        stalled += 1
        if len(pairs) == 0:
            continue
        answer = solve_mip(model, pairs, min(left * ROUND_SHARE, left - 0.05), start)
        if model.pair_score[answer.chosen].sum() > model.pair_score[start].sum():
            stalled = 0
            pair_of[model.pair_unit[start]] = -1
            pair_of[model.pair_unit[answer.chosen]] = answer.chosen
            offer(model, np.sort(pair_of[pair_of >= 0]))
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
