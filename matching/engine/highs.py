"""The integer programme of a set of pairs, solved by HiGHS through ``highspy``, warm-started.

``scipy.optimize.milp`` runs the same HiGHS but cannot be given a starting solution. With one
(the heuristic's), HiGHS prunes from the first node on and, when the time runs out, returns
something at least as good as the start; measured on the benchmark's regional instances the
cold solver often ends *below* the engine's heuristic (3,000 x 80: 0.96 of it in 30 s).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import highspy
import numpy as np

from .groups import FloatArray, IntArray, Model

if TYPE_CHECKING:  # scipy.sparse is imported where used: pilot rounds never need it
    from scipy.sparse import csr_array

# HiGHS' default relative gap (1e-4) would call a solution "optimal" that brute force beats.
MIP_REL_GAP = 1e-9
# One thread per HiGHS run. With its default a run kept a second thread busy for little: 300
# of the chain repair's programmes (20,000 x 400) took 3.72 s of wall and 5.47 s of CPU one
# after the other, 2.66 s and 5.03 s two at a time; with one thread each 3.68 s / 3.70 s and
# 1.76 s / 3.34 s, the same answers. HiGHS's scheduler is one per process and fixed by the
# first run: a later run asking for another number of threads fails, so every instance made
# here asks for the same.
THREADS = 1
_quiet = False


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance.

    The first ``Highs()`` of a process prints a banner on file descriptor 1 whatever the
    options, which would corrupt a result written to standard output (``-o -``).
    """
    global _quiet
    if _quiet:
        solver = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy's __init__
    else:
        sys.stdout.flush()
        saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        try:
            solver = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy's __init__
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
        _quiet = True
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("threads", THREADS)
    return solver


def unit_rows(model: Model, pairs: IntArray) -> csr_array:
    """One row per unit: the unit takes at most one of its pairs."""
    from scipy.sparse import csr_array

    _, row = np.unique(model.pair_unit[pairs], return_inverse=True)
    n = len(pairs)
    return csr_array((np.ones(n), (row, np.arange(n))), shape=(int(row.max()) + 1, n))


def capacity_rows(
    model: Model, pairs: IntArray, capacity: IntArray | None = None
) -> tuple[csr_array, FloatArray]:
    """Rows for the capacities that the units of ``pairs`` together could exceed."""
    from scipy.sparse import csr_array

    capacity = model.capacity if capacity is None else capacity
    wanted = np.zeros(capacity.shape, np.int64)
    np.add.at(wanted, model.pair_muni[pairs], model.demand[model.pair_unit[pairs]])
    binding = wanted > capacity
    row_of = np.full(binding.shape, -1, np.int64)
    row_of[binding] = np.arange(int(binding.sum()))
    need = model.demand[model.pair_unit[pairs]]
    rows = row_of[model.pair_muni[pairs]]
    cols, dims = np.nonzero((rows >= 0) & (need > 0))
    matrix = csr_array(
        (need[cols, dims].astype(float), (rows[cols, dims], cols)),
        shape=(int(binding.sum()), len(pairs)),
    )
    return matrix, capacity[binding].astype(float)


@dataclass(frozen=True)
class MipAnswer:
    chosen: IntArray  # model pair indices
    bound: float | None  # proven upper bound over ``pairs`` (None if HiGHS gave none)
    optimal: bool


def solve_mip(
    model: Model,
    pairs: IntArray,
    time_limit: float,
    start: IntArray | None = None,
    capacity: IntArray | None = None,
) -> MipAnswer:
    """Best assignment over ``pairs`` within ``time_limit`` seconds, from ``start`` if given.

    ``capacity`` (default the model's) lets a neighbourhood search pass what other units leave.
    ``start`` must be feasible for it; the answer is then never worse than the start.
    """
    if len(pairs) == 0:
        return MipAnswer(pairs, 0.0, True)
    solver = build_mip(model, pairs, time_limit, start, capacity)
    solver.run()
    return read_answer(solver, pairs)


def build_mip(
    model: Model,
    pairs: IntArray,
    time_limit: float,
    start: IntArray | None = None,
    capacity: IntArray | None = None,
) -> highspy.Highs:
    """A silent HiGHS holding the integer programme over ``pairs`` (non-empty), not yet run."""
    solver = new_highs()
    solver.setOptionValue("time_limit", max(float(time_limit), 0.01))
    solver.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    solver.passModel(_lp(model.pair_score[pairs], *columns(model, pairs, capacity)))
    if start is not None and len(start):
        solution = highspy.HighsSolution()
        solution.col_value = np.isin(pairs, start).astype(np.float64).tolist()
        solver.setSolution(solution)
    return solver


def read_answer(solver: highspy.Highs, pairs: IntArray) -> MipAnswer:
    """What a finished :func:`build_mip` solver found and proved, in model pair indices."""
    info = solver.getInfo()
    bound = -float(info.mip_dual_bound)
    bound_or_none = bound if np.isfinite(bound) else None
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return MipAnswer(pairs[:0], bound_or_none, False)
    value = np.asarray(solver.getSolution().col_value)
    optimal = solver.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return MipAnswer(pairs[value > 0.5], bound_or_none, optimal)


def columns(
    model: Model, pairs: IntArray, capacity: IntArray | None = None
) -> tuple[Columns, FloatArray]:
    """The rows of :func:`unit_rows` above those of :func:`capacity_rows`, column-wise, and
    each row's upper limit: what HiGHS takes, built without scipy.sparse.

    The chain repair builds ~1,000 small programmes in a national round, and through
    scipy.sparse (COO to CSR, stacked, to CSC) that took 0.9 ms a programme of ~280 pairs,
    holding the interpreter lock the other worker thread needs; this takes 0.24 ms."""
    capacity = model.capacity if capacity is None else capacity
    units = model.pair_unit[pairs]
    n = len(pairs)
    _, unit_row = np.unique(units, return_inverse=True)
    n_units = int(unit_row.max()) + 1 if n else 0
    need = model.demand[units]
    munis = model.pair_muni[pairs]
    wanted = np.zeros(capacity.shape, np.int64)
    np.add.at(wanted, munis, need)
    binding = wanted > capacity
    row_of = np.full(binding.shape, -1, np.int64)
    row_of[binding] = n_units + np.arange(int(binding.sum()))
    rows = row_of[munis]
    cols, dims = np.nonzero((rows >= 0) & (need > 0))  # by column, rows rising within one
    # Each column: its unit's row, then its capacity rows (a stable sort by column keeps that).
    order = np.argsort(np.concatenate((np.arange(n), cols)), kind="stable")
    index = np.concatenate((unit_row, rows[cols, dims]))[order]
    value = np.concatenate((np.ones(n), need[cols, dims].astype(np.float64)))[order]
    start = np.zeros(n + 1, np.int64)
    np.cumsum(1 + np.bincount(cols, minlength=n), out=start[1:])
    upper = np.concatenate((np.ones(n_units), capacity[binding].astype(np.float64)))
    return Columns(start, index, value), upper


class Columns(NamedTuple):
    """A column-wise sparse matrix as HiGHS takes it."""

    start: IntArray  # per column and one more: where its entries begin
    rows: IntArray  # row of each entry
    value: FloatArray


def _lp(score: FloatArray, matrix: Columns, upper: FloatArray) -> highspy.HighsLp:
    n = len(score)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(upper)
    lp.col_cost_ = -score.astype(np.float64)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.full(len(upper), -highspy.kHighsInf)
    lp.row_upper_ = upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.start.astype(np.int32)
    lp.a_matrix_.index_ = matrix.rows.astype(np.int32)
    lp.a_matrix_.value_ = matrix.value
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    return lp


__all__ = [
    "MipAnswer",
    "Columns",
    "build_mip",
    "capacity_rows",
    "columns",
    "new_highs",
    "read_answer",
    "solve_mip",
    "unit_rows",
]
