"""Greedy construction and repair, used as fallback and as the large-scale primal heuristic."""

from __future__ import annotations

import numpy as np

from .groups import IntArray, Model


def greedy_fill(
    model: Model,
    order: IntArray,
    residual: IntArray,
    placed: np.ndarray,
) -> list[int]:
    """Take pairs in ``order`` whenever the unit is still free and its demand fits.

    ``residual`` (municipalities x dims) and ``placed`` (bool per unit) are updated in place.
    Plain Python lists are used because per-element numpy access is ~20x slower here.
    """
    units = model.pair_unit[order].tolist()
    munis = model.pair_muni[order].tolist()
    demand = [tuple(row) for row in model.demand.tolist()]
    cap = residual.tolist()
    free = (~placed).tolist()
    dims = range(model.demand.shape[1])
    chosen: list[int] = []
    for pair, unit, muni in zip(order.tolist(), units, munis, strict=True):
        if not free[unit]:
            continue
        need, have = demand[unit], cap[muni]
        if all(need[d] <= have[d] for d in dims):
            for d in dims:
                have[d] -= need[d]
            free[unit] = False
            chosen.append(pair)
    residual[:] = np.asarray(cap, np.int64).reshape(residual.shape)
    placed[:] = ~np.asarray(free, bool)
    return chosen


def by_score(model: Model, pairs: IntArray) -> IntArray:
    """``pairs`` by descending score, ties in index order (deterministic)."""
    return pairs[np.lexsort((pairs, -model.pair_score[pairs]))]


def greedy(model: Model, pairs: IntArray) -> IntArray:
    """A feasible solution over ``pairs`` from a plain best-score-first greedy."""
    residual = model.capacity.copy()
    placed = np.zeros(model.n_units, bool)
    return np.asarray(greedy_fill(model, by_score(model, pairs), residual, placed), np.int64)
