"""Lagrangian dual of the capacity constraints, minimised through an entropy-smoothed surrogate.

Relaxing every capacity row (all dimensions) with prices ``p >= 0`` leaves one tiny problem
per unit: ``L(p) = sum_u max(0, max_m s_um - p_m . d_u) + p . capacity``. Any ``p >= 0``
gives a proven upper bound, and because each unit's subproblem has the integrality property,
``min_p L(p)`` equals the full LP relaxation. ``L`` is piecewise linear, so plain subgradient
steps converge slowly. Replacing each unit's ``max`` with the soft maximum
``tau * log(1 + sum_m exp(r_um / tau))`` gives a smooth convex upper surrogate (at most
``tau * log(1 + pairs_u)`` above per unit) that L-BFGS-B minimises in a few hundred cheap
evaluations; ``tau`` is lowered step by step, every evaluation also yields the exact ``L``
(only the hard maxima are needed), and the lowest one is the reported bound.

Measured on the platform's national round (40,000 x 400, 800,000 pairs, tight services),
2 cores: full LP (HiGHS IPM) 7,173,710 after ~10 min. Unscaled L-BFGS-B needed ~1,200
evaluations (5 min under load) for 7,173,889; with the diagonal preconditioner below and the
schedule tau = 30, 10, 3, 1, 0.3 it reaches 7,173,965 (+0.004 %) in ~340 evaluations, 15-22 s.
The restricted top-8 LP took ~4 min there and its priced bound was 7,911,516 (+10 %).
On the generated 20,000 x 400 instance it gives 17,926,640 in 19 s (full LP 17,926,572).

The soft-max weights ``w_um`` are an almost-LP-optimal fractional assignment; the rounding in
:mod:`.national` starts from them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize
from scipy.sparse import csr_matrix

from .groups import FloatArray, IntArray, Model

# Smoothing temperatures (score units) and L-BFGS-B iterations per temperature.
SCHEDULE: tuple[tuple[float, int], ...] = ((30.0, 40), (10.0, 40), (3.0, 60), (1.0, 80), (0.3, 100))
FINAL_TAU = SCHEDULE[-1][0]
WORKING_PAIRS = 8  # pairs per unit in the working set of large models
# A working set pays off only when it is a small part of the pairs: with 20 pairs per unit
# (the platform's national round) 8 of them are 40 % of the work and miss most of the pairs
# the optimal prices send units to.
WORKING_SHARE = 4  # use a working set only above WORKING_SHARE * WORKING_PAIRS pairs per unit
# The working set missed pairs that matter when the exact value over all pairs at its optimum
# is this much (relative) above its own: then the next working set keeps the old one too.
MISSED = 1e-3


@dataclass(frozen=True)
class DualAnswer:
    bound: float  # lowest exact Lagrangian value seen (a proven upper bound)
    price: FloatArray  # (municipalities, dims) prices of that bound
    weight: FloatArray  # per pair: soft-max share at the last temperature (~ LP value)


class _Stop(Exception):
    pass


class SmoothDual:
    """Evaluates the smoothed dual and its gradient; remembers the best exact bound."""

    def __init__(self, model: Model, deadline: float, scale: FloatArray | None = None) -> None:
        self.model = model
        self.deadline = deadline
        n_pairs, (n_munis, n_dims) = model.n_pairs, model.capacity.shape
        demand = model.demand[model.pair_unit].astype(np.float64)
        rows, cols = np.nonzero(demand)
        self.matrix = csr_matrix(
            (demand[rows, cols], (rows, model.pair_muni[rows] * n_dims + cols)),
            shape=(n_pairs, n_munis * n_dims),
        )
        self.capacity = model.capacity.astype(np.float64).ravel()
        self.starts: IntArray = np.flatnonzero(
            np.r_[True, model.pair_unit[1:] != model.pair_unit[:-1]]
        )
        self.segment: IntArray = np.repeat(
            np.arange(len(self.starts)), np.diff(np.r_[self.starts, n_pairs])
        )
        # Diagonal preconditioner: L-BFGS works on price * scale, where scale is the root of
        # the summed squared demand on each capacity (the curvature scale of the smoothed
        # dual). Without it the person prices (high curvature, small values) and the service
        # prices (the reverse) converge at very different speeds: measured on the platform
        # round, 7,212,820 after 331 evaluations unscaled, 7,173,965 (LP + 0.004 %) scaled.
        if scale is None:
            column_norm = np.asarray(self.matrix.multiply(self.matrix).sum(axis=0)).ravel()
            scale = np.sqrt(column_norm) + 1.0
        self.scale: FloatArray = scale
        self.best = float("inf")
        self.best_price = np.zeros(n_munis * n_dims)
        self.weight = np.zeros(n_pairs)

    def exact_update(self, price: FloatArray) -> None:
        """Evaluate exactly and keep the prices if they give the lowest bound so far."""
        value = self.exact(price)
        if value < self.best:
            self.best, self.best_price = value, price.copy()

    def exact(self, price: FloatArray) -> float:
        reduced = self.model.pair_score - self.matrix @ price
        top = np.maximum(np.maximum.reduceat(reduced, self.starts), 0.0)
        return float(top.sum() + price @ self.capacity)

    def __call__(self, scaled: FloatArray, tau: float) -> tuple[float, FloatArray]:
        """Smoothed value and gradient in the preconditioned variables ``price * scale``."""
        if time.perf_counter() > self.deadline:
            raise _Stop
        value, gradient = self.smoothed(scaled / self.scale, tau)
        return value, gradient / self.scale

    def smoothed(self, price: FloatArray, tau: float) -> tuple[float, FloatArray]:
        reduced = self.model.pair_score - self.matrix @ price
        top = np.maximum(np.maximum.reduceat(reduced, self.starts), 0.0)
        linear = float(price @ self.capacity)
        exact = float(top.sum()) + linear
        if exact < self.best:
            self.best, self.best_price = exact, price.copy()
        share = np.exp((reduced - top[self.segment]) / tau)
        total = np.exp(-top / tau) + np.add.reduceat(share, self.starts)
        share /= total[self.segment]
        self.weight = share
        value = float((top + tau * np.log(total)).sum()) + linear
        return value, self.capacity - self.matrix.T @ share


def top_by_value(model: Model, value: FloatArray, k: int) -> IntArray:
    """Each unit's ``k`` pairs with the highest ``value`` (ties: lower municipality first).

    One stable argsort of a combined key (unit major, value descending): pairs are stored by
    (unit, municipality), so stability breaks ties by municipality. 10x faster than lexsort.
    """
    if len(value) == 0:
        return np.zeros(0, np.int64)
    finite = np.where(np.isfinite(value), value, np.nan)
    low, high = np.nanmin(finite, initial=0.0), np.nanmax(finite, initial=0.0)
    spread = np.nan_to_num(high - np.clip(finite, low, high), nan=high - low + 1.0)
    key = model.pair_unit * (high - low + 2.0) + spread
    order = np.argsort(key, kind="stable")
    units = model.pair_unit[order]
    rank = np.arange(len(units)) - np.searchsorted(units, units)
    return np.sort(order[rank < k])


def _minimise(
    dual: SmoothDual, price: FloatArray, tau: float, iterations: int
) -> FloatArray | None:
    """L-BFGS-B on one temperature from ``price``; None when the deadline stopped it."""
    try:
        found = minimize(
            dual,
            price * dual.scale,
            args=(tau,),
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, None)] * price.size,
            options={"maxiter": iterations, "maxfun": iterations + 50, "maxcor": 10},
        )
    except _Stop:
        return None
    return np.asarray(found.x) / dual.scale


def solve_dual(
    model: Model, deadline: float, start: FloatArray | None = None, temperature: float = 1.0
) -> DualAnswer:
    """Minimise the smoothed dual over the temperature schedule until ``deadline``.

    Large models are minimised on a *working set*: each unit's :data:`WORKING_PAIRS` best
    pairs by reduced score at the current prices, chosen anew for every temperature. Units
    take only their best few pairs at sensible prices, so the minimum hardly moves, while an
    evaluation costs a fraction (national 20,000 x 400: 160,000 of 800,000 pairs). Bounds are
    only ever taken from exact evaluations over *all* pairs, so they stay proven.

    ``temperature`` scales the schedule, which is made for scores of 100-1000: counting
    households (every pair worth 1) needs temperatures a hundred times lower.
    """
    shape = model.capacity.shape
    if model.n_pairs == 0:
        return DualAnswer(0.0, np.zeros(shape), np.zeros(0))
    full = SmoothDual(model, deadline)
    price = np.zeros(full.capacity.shape) if start is None else start.ravel().copy()
    full.best, full.best_price = full.exact(price), price.copy()
    shrink = model.n_pairs > WORKING_SHARE * WORKING_PAIRS * model.n_units
    active: IntArray | None = None
    # Without a capacity that any household needs there is no price to optimise: the final
    # evaluation below gives the exact bound (every unit at its best pair) and the shares.
    for step, iterations in SCHEDULE if price.size else ():
        tau = step * temperature
        if not shrink:
            found = _minimise(full, price, tau, iterations)
        else:
            found, active = _minimise_working(full, price, tau, iterations, active)
        if found is None or time.perf_counter() > deadline:
            break
        price = found
    full.smoothed(full.best_price, FINAL_TAU * temperature)  # shares at the reported prices
    return DualAnswer(full.best, full.best_price.reshape(shape), full.weight)


def _minimise_working(
    full: SmoothDual, price: FloatArray, tau: float, iterations: int, kept: IntArray | None
) -> tuple[FloatArray | None, IntArray | None]:
    """One temperature on each unit's best pairs at ``price`` (plus ``kept``); returns the
    prices found and the pairs to keep for the next working set (None: choose afresh).

    A working set that misses pairs the prices make attractive has a minimum far below the
    true one (platform national round, fresh sets of 8 of 20 pairs per unit: 6.5 M against
    the LP's 7.17 M, and every exact value over all pairs above the trivial bound), so when
    the exact value at its minimum shows that, the sets accumulate instead: column generation.
    """
    model = full.model
    reduced = model.pair_score - full.matrix @ price
    active = top_by_value(model, reduced, WORKING_PAIRS)
    if kept is not None:
        active = np.union1d(active, kept)
    work = SmoothDual(_subset(model, active), full.deadline, full.scale)
    work.best, work.best_price = work.exact(price), price.copy()
    found = _minimise(work, price, tau, iterations)
    full.exact_update(work.best_price)
    if found is None:
        return None, active
    exact = full.exact(found)
    if exact < full.best:
        full.best, full.best_price = exact, found.copy()
    missed = exact > work.exact(found) + MISSED * abs(exact)
    return found, active if missed else None


def _subset(model: Model, pairs: IntArray) -> Model:
    return replace(
        model,
        pair_unit=model.pair_unit[pairs],
        pair_muni=model.pair_muni[pairs],
        pair_score=model.pair_score[pairs],
    )
