"""Exact solver: one binary variable per compatible (unit, municipality) pair, solved by HiGHS.

Only capacities that the compatible units could actually exceed become constraints, and the
problem is split into the independent components those constraints leave, so a pilot round is
usually a handful of small integer programmes.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from .groups import IntArray, Model, Solution, best_pair_per_unit, binding_capacity, components
from .heuristics import greedy

# HiGHS' default relative gap (1e-4) would call a solution "optimal" that brute force beats.
MIP_REL_GAP = 1e-9
# Below this HiGHS gets no useful work done; a greedy answer is better than a failed call.
MIN_SLICE = 0.05


def _unit_rows(model: Model, pairs: IntArray) -> csr_array:
    _, row = np.unique(model.pair_unit[pairs], return_inverse=True)
    n = len(pairs)
    return csr_array((np.ones(n), (row, np.arange(n))), shape=(int(row.max()) + 1, n))


def _capacity_rows(model: Model, pairs: IntArray) -> tuple[csr_array, np.ndarray]:
    binding = binding_capacity(model, pairs)
    row_of = np.full(binding.shape, -1, np.int64)
    row_of[binding] = np.arange(int(binding.sum()))
    need = model.demand[model.pair_unit[pairs]]
    rows = row_of[model.pair_muni[pairs]]
    cols, dims = np.nonzero((rows >= 0) & (need > 0))
    matrix = csr_array(
        (need[cols, dims].astype(float), (rows[cols, dims], cols)),
        shape=(int(binding.sum()), len(pairs)),
    )
    return matrix, model.capacity[binding].astype(float)


def upper_bound_free(model: Model, pairs: IntArray) -> float:
    """Every unit at its best municipality, capacities ignored: a valid but weak bound."""
    return float(model.pair_score[best_pair_per_unit(model, pairs)].sum())


def solve_component(model: Model, pairs: IntArray, time_limit: float) -> Solution:
    """Solve one independent sub-problem; falls back to greedy if HiGHS finds nothing in time."""
    if time_limit < MIN_SLICE:
        return Solution(greedy(model, pairs), upper_bound_free(model, pairs), False)
    units = _unit_rows(model, pairs)
    capacity, limit = _capacity_rows(model, pairs)
    constraints = [LinearConstraint(units, -np.inf, 1.0)]
    if capacity.shape[0]:
        constraints.append(LinearConstraint(capacity, -np.inf, limit))
    res = milp(
        -model.pair_score[pairs],
        constraints=constraints,
        integrality=np.ones(len(pairs)),
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": time_limit, "mip_rel_gap": MIP_REL_GAP, "presolve": True},
    )
    bound = -float(res.mip_dual_bound) if res.mip_dual_bound is not None else None
    if bound is None or not np.isfinite(bound):
        bound = upper_bound_free(model, pairs)
    if res.x is None:
        return Solution(greedy(model, pairs), bound, False)
    chosen = pairs[np.asarray(res.x) > 0.5]
    return Solution(chosen, bound, res.status == 0)


def solve_milp(model: Model, deadline: float) -> Solution:
    """Exact within the deadline; otherwise best found, with the summed dual bounds."""
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
        sub = solve_component(model, part, share)
        chosen.append(sub.chosen)
        bound += sub.bound if sub.bound is not None else upper_bound_free(model, part)
        optimal = optimal and sub.optimal
    return Solution(np.concatenate(chosen), bound, optimal)
