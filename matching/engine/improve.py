"""Local search after rounding: insert unplaced units, ejecting and relocating a placed one.

Rounding leaves capacity scattered: on the platform's national round the reduced-score greedy
left 2,102 school and 870 Kita places unused while 331 units that the LP places stayed out.
For an unplaced unit ``u`` and each of its municipalities ``m`` this pass looks at the
placed units ``v`` at ``m`` whose removal makes room for ``u`` in *every* dimension, and
moves ``v`` to its best other municipality that still has room (or leaves it out when
that still gains). The best positive move per unit is applied; units are visited by
descending priority (their best reduced score) until the deadline.
"""

from __future__ import annotations

import time

import numpy as np

from .groups import FloatArray, IntArray, Model

CANDIDATES = 4  # cheapest ejectable units examined per (unit, municipality)
MAX_PASSES = 5


class Assignment:
    """Mutable solution: pair per unit (-1 = unplaced), residual capacity, units per muni."""

    def __init__(self, model: Model, chosen: IntArray) -> None:
        self.model = model
        self.pair_of = np.full(model.n_units, -1, np.int64)
        self.pair_of[model.pair_unit[chosen]] = chosen
        self.residual = model.capacity.copy()
        np.subtract.at(
            self.residual, model.pair_muni[chosen], model.demand[model.pair_unit[chosen]]
        )
        self.units_at: list[set[int]] = [set() for _ in range(model.n_munis)]
        for unit, muni in zip(
            model.pair_unit[chosen].tolist(), model.pair_muni[chosen].tolist(), strict=True
        ):
            self.units_at[muni].add(unit)
        self.range = np.searchsorted(model.pair_unit, np.arange(model.n_units + 1))
        self.top = np.zeros(model.n_units)  # best score per unit
        if model.n_pairs:
            starts = self.range[:-1][self.range[:-1] < self.range[1:]]
            self.top[model.pair_unit[starts]] = np.maximum.reduceat(model.pair_score, starts)

    def place(self, unit: int, pair: int) -> None:
        muni = int(self.model.pair_muni[pair])
        self.pair_of[unit] = pair
        self.residual[muni] -= self.model.demand[unit]
        self.units_at[muni].add(unit)

    def remove(self, unit: int) -> None:
        pair = int(self.pair_of[unit])
        muni = int(self.model.pair_muni[pair])
        self.pair_of[unit] = -1
        self.residual[muni] += self.model.demand[unit]
        self.units_at[muni].discard(unit)

    def best_fit(self, unit: int, skip: int) -> tuple[int, float]:
        """Best-scoring pair of ``unit`` that fits the residual, avoiding muni ``skip``."""
        pairs = np.arange(self.range[unit], self.range[unit + 1])
        munis = self.model.pair_muni[pairs]
        ok = (munis != skip) & np.all(self.model.demand[unit] <= self.residual[munis], axis=1)
        if not ok.any():
            return -1, 0.0
        scores = self.model.pair_score[pairs[ok]]
        k = int(np.argmax(scores))
        return int(pairs[ok][k]), float(scores[k])

    def chosen(self) -> IntArray:
        return np.sort(self.pair_of[self.pair_of >= 0])


def _best_move(state: Assignment, unit: int) -> tuple[float, int, int, int]:
    """(gain, pair for unit, ejected unit or -1, its new pair or -1) of the best move."""
    model = state.model
    need = model.demand[unit]
    best = (0.0, -1, -1, -1)
    for pair in range(int(state.range[unit]), int(state.range[unit + 1])):
        muni, score = int(model.pair_muni[pair]), float(model.pair_score[pair])
        if score <= best[0]:
            continue
        if np.all(need <= state.residual[muni]):
            best = (score, pair, -1, -1)
            continue
        others = np.fromiter(state.units_at[muni], np.int64)
        if len(others) == 0:
            continue
        room = np.all(need <= state.residual[muni] + model.demand[others], axis=1)
        others = others[room]
        lost = model.pair_score[state.pair_of[others]]
        for k in np.argsort(lost, kind="stable")[:CANDIDATES].tolist():
            gain = score - float(lost[k])
            if (
                gain + model.pair_score[state.range[others[k]] : state.range[others[k] + 1]].max()
                <= best[0]
            ):
                continue
            target, regained = state.best_fit(int(others[k]), muni)
            if gain + regained > best[0]:
                best = (gain + regained, pair, int(others[k]), target)
    return best


def eject_and_insert(
    model: Model, chosen: IntArray, priority: FloatArray, deadline: float
) -> IntArray:
    """Improve ``chosen`` with insert / eject-and-relocate passes until none gains or time ends.

    A second pass finds more moves because the first changed the residual capacities
    (generated national instance: +0.30 % in the first pass, +0.04 % in the next four).
    """
    state = Assignment(model, chosen)
    for _ in range(MAX_PASSES):
        if not _one_pass(state, priority, deadline):
            break
    return state.chosen()


def _one_pass(state: Assignment, priority: FloatArray, deadline: float) -> bool:
    waiting = np.flatnonzero(state.pair_of < 0)
    waiting = waiting[np.argsort(-priority[waiting], kind="stable")]
    improved = False
    for count, unit in enumerate(waiting.tolist()):
        if count % 32 == 0 and time.perf_counter() > deadline:
            return False
        if state.range[unit] == state.range[unit + 1]:
            continue
        gain, pair, ejected, target = _best_move(state, unit)
        if gain <= 0:
            continue
        if ejected >= 0:
            state.remove(ejected)
            if target >= 0:
                state.place(ejected, target)
        state.place(unit, pair)
        improved = True
    return improved
