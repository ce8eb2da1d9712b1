"""Exact solver: one binary variable per compatible (unit, municipality) pair, solved by HiGHS.

Only capacities that the compatible units could actually exceed become constraints, and the
problem is split into the independent components those constraints leave, so a pilot round is
usually a handful of small integer programmes. Each is started from a heuristic solution
(:func:`start_solution`), so HiGHS never returns anything worse than the heuristic, and
proves or improves it with the time it is given.
"""

from __future__ import annotations

import time

import numpy as np

from .exact import is_small, solve_small
from .groups import IntArray, Model, Solution, best_pair_per_unit, binding_capacity, components
from .heuristics import greedy
from .highs import MIP_REL_GAP, solve_mip
from .improve import eject_and_insert
from .incumbent import offer

__all__ = ["MIP_REL_GAP", "solve_component", "solve_milp", "start_solution", "upper_bound_free"]

# Below this HiGHS gets no useful work done; the heuristic answer is kept as it is.
MIN_SLICE = 0.05
# From this size on the start comes from lp-round (dual prices, rounding, local search, which
# reaches ~99.6 % on regional rounds) instead of the plain greedy + local search (~96 %).
NATIONAL_START_PAIRS = 500
START_SHARE = 0.2  # share of the budget lp-round may take for the start


def upper_bound_free(model: Model, pairs: IntArray) -> float:
    """Every unit at its best municipality, capacities ignored: a valid but weak bound."""
    return float(model.pair_score[best_pair_per_unit(model, pairs)].sum())


def start_solution(model: Model, pairs: IntArray, deadline: float) -> IntArray:
    """Greedy by score over ``pairs``, then insert/eject local search (fast, ~99 %)."""
    priority = np.full(model.n_units, -np.inf)
    best = best_pair_per_unit(model, pairs)
    priority[model.pair_unit[best]] = model.pair_score[best]
    sub = _restricted(model, pairs)
    return eject_and_insert(sub, greedy(sub, pairs), priority, deadline)


def _restricted(model: Model, pairs: IntArray) -> Model:
    """The model with every pair outside ``pairs`` scored so low that no move takes it."""
    if len(pairs) == model.n_pairs:
        return model
    from dataclasses import replace

    score = np.full(model.n_pairs, -np.inf)
    score[pairs] = model.pair_score[pairs]
    return replace(model, pair_score=score)


def solve_component(
    model: Model, pairs: IntArray, time_limit: float, start: IntArray | None = None
) -> Solution:
    """Solve one independent sub-problem from ``start`` (default: :func:`start_solution`)."""
    began = time.perf_counter()
    if start is None:
        start = start_solution(model, pairs, began + time_limit * 0.1)
    left = time_limit - (time.perf_counter() - began)
    if left < MIN_SLICE:
        return Solution(start, upper_bound_free(model, pairs), False)
    answer = solve_mip(model, pairs, left, start)
    bound = answer.bound if answer.bound is not None else upper_bound_free(model, pairs)
    if model.pair_score[answer.chosen].sum() < model.pair_score[start].sum():
        return Solution(start, bound, False)
    return Solution(answer.chosen, bound, answer.optimal)


def solve_milp(model: Model, deadline: float) -> Solution:
    """Exact within the deadline; otherwise best found, with the summed dual bounds.

    Returns early only when every component is proven optimal. Regional rounds (more units
    than a pilot round has) go to :func:`.regional.solve_regional` instead.
    """
    if is_small(model):
        return solve_small(model, deadline)
    from .regional import is_regional, solve_regional  # regional builds on this module

    if is_regional(model):
        return solve_regional(model, deadline)
    began = time.perf_counter()
    heuristic: Solution | None = None
    if model.n_pairs > NATIONAL_START_PAIRS:
        from .national import solve_national  # national uses this module's solve_component

        heuristic = solve_national(model, began + (deadline - began) * START_SHARE)
        offer(model, heuristic.chosen, heuristic.bound)
    everything = np.arange(model.n_pairs, dtype=np.int64)
    linking = binding_capacity(model, everything).any(axis=1)
    parts = components(model, everything, linking)
    trivial = [p for p in parts if not linking[model.pair_muni[p]].any()]
    hard = [p for p in parts if linking[model.pair_muni[p]].any()]
    free = np.concatenate(trivial) if trivial else everything[:0]
    chosen = [best_pair_per_unit(model, free)]
    bound = float(model.pair_score[chosen[0]].sum())
    optimal = True
    left = sum(len(p) for p in hard)
    for part in hard:
        share = (deadline - time.perf_counter()) * len(part) / left
        left -= len(part)
        start = None if heuristic is None else heuristic.chosen[np.isin(heuristic.chosen, part)]
        sub = solve_component(model, part, share, start)
        chosen.append(sub.chosen)
        bound += sub.bound if sub.bound is not None else upper_bound_free(model, part)
        optimal = optimal and sub.optimal
    if heuristic is not None and heuristic.bound is not None:
        bound = min(bound, heuristic.bound)
    return Solution(np.concatenate(chosen), bound, optimal)
