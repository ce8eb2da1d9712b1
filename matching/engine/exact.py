"""Pilot rounds (up to a few thousand unit pairs): proven optimal, with numpy, HiGHS and CP-SAT.

A coordinator who clicks "run" on a pilot round should have the proven optimum in a second or
two (issue #18). The regional path (:func:`.milp.solve_milp` above this size) first runs
lp-round for a start; here that costs more than it saves: importing ``scipy.optimize`` for
its dual alone takes ~0.6 s of CPU at process start, the whole start ~0.3 s more, and
HiGHS's own heuristics reach the same incumbent at its root. So this path

* builds the integer programme with numpy (no ``scipy.sparse``): one binary per compatible
  unit pair, one row per unit with more than one pair, one row per capacity that the
  compatible units together could exceed;
* splits it into the independent components those rows leave (label propagation);
* starts HiGHS on each from the greedy + insert/eject solution (never worse than that
  start), with the options in :data:`OPTIONS`;
* on a component of :data:`RACE_PAIRS` pairs or more with integral scores, runs OR-Tools'
  CP-SAT beside HiGHS on the second core, and takes CP-SAT's answer when it proves the optimum
  within a deterministic budget, HiGHS's otherwise (:func:`_race`).

HiGHS's proof: status optimal with ``mip_rel_gap`` 1e-9. When every score is an
integer HiGHS detects the integral objective itself ("objective function is integral with
scale 1") and prunes every node whose bound is below the incumbent + 1: a proof that no
better integer objective exists, which is a proof of optimality.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import highspy
import numpy as np

from .groups import IntArray, Model, Solution, best_pair_per_unit
from .heuristics import greedy
from .highs import MIP_REL_GAP, new_highs
from .improve import eject_and_insert
from .incumbent import offer

# Pilot size, where `milp` takes this path: up to 400 units (households, a group counting
# once) and 6,000 unit pairs (300 x 30 at 30-50 % density: 2,200-4,500). Larger rounds keep
# the regional path with its lp-round start.
SMALL_UNITS = 400
SMALL_PAIRS = 6_000
START_SHARE = 0.1  # at most this share of the budget for the greedy + insert/eject start
# HiGHS's defaults. Tried on the 300 x 30 cases (docs/engine.md): RINS/RENS off with
# reliability branching after 2 observations proved one tuning case with 25 % less CPU and
# another at par, but on a held-out seed it ended below plain HiGHS at the time limit
# (223,104 against 223,328): those sub-MIPs are what finds the optimum. A second HiGHS run in
# a second thread (other seed, solutions shared by callback) did not prove sooner either:
# HiGHS already keeps its helper threads busy (5-6 s of CPU beside 15 s).
OPTIONS: dict[str, bool | int | float | str] = {}
# Components with this many pairs or more race CP-SAT against HiGHS (see _race). Below, HiGHS
# proves in a fraction of a second (60 x 6: 0.01 s) and a second core would only cost.
RACE_PAIRS = 1_000
# CP-SAT's deterministic time (its count of work, ~1.2 s of this machine's wall time each) to
# prove the optimum before HiGHS's answer is taken instead: the pilot cases needed 0.3-4.8
# (docs/engine.md), 300 x 30d more than 25.
CPSAT_BUDGET = 6.0
# Seconds CP-SAT runs alone before HiGHS joins it (see _race).
HIGHS_DELAY = 1.0

__all__ = ["is_small", "lp_bound", "solve_small"]

# Receives each better solution of a component while it is solved (solve_small's hand_in).
Improved = Callable[[IntArray], None] | None

logger = logging.getLogger(__name__)


def is_small(model: Model) -> bool:
    """A pilot-sized round: solved by this module."""
    return model.n_units <= SMALL_UNITS and model.n_pairs <= SMALL_PAIRS


def _binding(model: Model, pairs: IntArray) -> np.ndarray:
    wanted = np.zeros(model.capacity.shape, np.int64)
    np.add.at(wanted, model.pair_muni[pairs], model.demand[model.pair_unit[pairs]])
    return np.asarray(wanted > model.capacity)


def component_labels(model: Model, linking: np.ndarray) -> IntArray:
    """Component label per pair: units meet only at municipalities flagged in ``linking``.

    Label propagation (smallest unit index of the component): at pilot size a few numpy
    passes, and no ``scipy.sparse.csgraph`` import.
    """
    units, munis = model.pair_unit, model.pair_muni
    linked = linking[munis]
    label = np.arange(model.n_units, dtype=np.int64)
    while True:
        at_muni = np.full(model.n_munis, model.n_units, np.int64)
        np.minimum.at(at_muni, munis[linked], label[units[linked]])
        new = label.copy()
        np.minimum.at(new, units[linked], at_muni[munis[linked]])
        if np.array_equal(new, label):
            return label[units]
        label = new


def _start(model: Model, pairs: IntArray, deadline: float) -> IntArray:
    """Greedy by score over ``pairs``, then insert/eject local search."""
    priority = np.full(model.n_units, -np.inf)
    best = best_pair_per_unit(model, pairs)
    priority[model.pair_unit[best]] = model.pair_score[best]
    if len(pairs) < model.n_pairs:  # no move may take a pair outside ``pairs``
        score = np.full(model.n_pairs, -np.inf)
        score[pairs] = model.pair_score[pairs]
        model = replace(model, pair_score=score)
    return eject_and_insert(model, greedy(model, pairs), priority, deadline)


def _programme(model: Model, pairs: IntArray) -> tuple[highspy.HighsLp, np.ndarray]:
    """The integer programme over ``pairs`` (row-wise, maximisation as minimisation), and
    the (municipality, dimension) of each capacity row, which follow the unit rows."""
    n = len(pairs)
    unit = model.pair_unit[pairs]
    starts = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1], True])  # pairs sorted by unit
    sizes = np.diff(starts)
    several = np.flatnonzero(sizes > 1)
    unit_index = [np.arange(starts[k], starts[k + 1]) for k in several]
    unit_value = [np.ones(sizes[k]) for k in several]
    binding = np.argwhere(_binding(model, pairs))
    need = model.demand[unit]
    muni = model.pair_muni[pairs]
    cap_index, cap_value, cap_upper = [], [], []
    for m, d in binding.tolist():
        cols = np.flatnonzero((muni == m) & (need[:, d] > 0))
        cap_index.append(cols)
        cap_value.append(need[cols, d].astype(np.float64))
        cap_upper.append(float(model.capacity[m, d]))
    index = unit_index + cap_index
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(index)
    lp.col_cost_ = -model.pair_score[pairs].astype(np.float64)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.full(len(index), -highspy.kHighsInf)
    lp.row_upper_ = np.array([1.0] * len(unit_index) + cap_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lengths = np.fromiter(map(len, index), np.int64, len(index))
    lp.a_matrix_.start_ = np.r_[0, np.cumsum(lengths)].astype(np.int32)
    lp.a_matrix_.index_ = (np.concatenate(index) if index else np.zeros(0)).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate(unit_value + cap_value) if index else np.zeros(0)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    return lp, binding


def lp_bound(model: Model) -> float:
    """A proven upper bound at the LP optimum, for :mod:`.placeable` on pilot rounds.

    Not the LP value itself (that is exact only up to HiGHS's tolerances) but the Lagrangian
    value at the LP's capacity prices, evaluated exactly: any prices >= 0 give an upper
    bound, and the LP's optimal ones give the LP value.
    """
    if model.n_pairs == 0:
        return 0.0
    everything = np.arange(model.n_pairs, dtype=np.int64)
    lp, rows = _programme(model, everything)
    lp.integrality_ = []
    solver = new_highs()
    solver.passModel(lp)
    solver.run()
    price = np.zeros(model.capacity.shape)
    if solver.getModelStatus() == highspy.HighsModelStatus.kOptimal and len(rows):
        dual = -np.asarray(solver.getSolution().row_dual)[lp.num_row_ - len(rows) :]
        price[rows[:, 0], rows[:, 1]] = np.maximum(dual, 0.0)
    reduced = model.pair_score - np.einsum(
        "pd,pd->p", price[model.pair_muni], model.demand[model.pair_unit]
    )
    best = np.full(model.n_units, 0.0)
    np.maximum.at(best, model.pair_unit, reduced)
    return float(best.sum() + (price * model.capacity).sum())


def _solve_part(
    model: Model,
    pairs: IntArray,
    start: IntArray,
    seconds: float,
    improved: Improved = None,
) -> Solution:
    """The proven optimum over one component (or the best found at the deadline); never less
    than ``start``. ``improved`` is handed every better solution found on the way, so that a
    solve cut off at the command line's deadline still answers with the best so far."""
    start_value = float(model.pair_score[start].sum())
    free_bound = float(model.pair_score[best_pair_per_unit(model, pairs)].sum())
    if start_value >= free_bound or seconds <= 0.01:
        return Solution(start, free_bound, start_value >= free_bound)
    scores = model.pair_score[pairs]
    programme = _programme(model, pairs)
    if len(pairs) >= RACE_PAIRS and np.array_equal(scores, np.round(scores)):
        found = _race(model, programme, pairs, start, seconds, improved)
    else:
        found = _highs(programme, pairs, start, seconds, threading.Event(), improved)
    bound = min(found.bound, free_bound) if found.bound is not None else free_bound
    if float(model.pair_score[found.chosen].sum()) < start_value:
        return Solution(start, bound, False)
    return Solution(found.chosen, bound, found.optimal)


Programme = tuple[highspy.HighsLp, np.ndarray]  # what _programme builds


def _highs(
    programme: Programme,
    pairs: IntArray,
    start: IntArray,
    seconds: float,
    cancel: threading.Event,
    improved: Improved = None,
) -> Solution:
    """HiGHS from ``start``; ``cancel`` set stops it at its next interrupt check."""
    solver = new_highs()
    solver.setOptionValue("time_limit", float(seconds))
    solver.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    for name, value in OPTIONS.items():
        solver.setOptionValue(name, value)
    solver.passModel(programme[0])
    solution = highspy.HighsSolution()
    solution.col_value = np.isin(pairs, start).astype(np.float64).tolist()
    solver.setSolution(solution)

    def interrupt(event: Any) -> None:
        if cancel.is_set():
            event.interrupt()

    solver.cbMipInterrupt.subscribe(interrupt)
    if improved is not None:

        def hand_in(event: Any) -> None:
            improved(pairs[np.asarray(event.data_out.mip_solution) > 0.5])

        solver.cbMipImprovingSolution.subscribe(hand_in)
    if not cancel.is_set():
        solver.run()
    info = solver.getInfo()
    bound = -float(info.mip_dual_bound)
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return Solution(start, bound if np.isfinite(bound) else None, False)
    chosen = pairs[np.asarray(solver.getSolution().col_value) > 0.5]
    optimal = solver.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return Solution(chosen, bound if np.isfinite(bound) else None, optimal)


def _race(
    model: Model,
    programme: Programme,
    pairs: IntArray,
    start: IntArray,
    seconds: float,
    improved: Improved = None,
) -> Solution:
    """CP-SAT and HiGHS side by side, one core each, with an answer that does not depend on
    which finishes first.

    CP-SAT (one worker, the LP with its cuts at linearization level 2) proved the pilot cases
    two to seven times sooner than HiGHS, but one of eleven not within 30 s (300 x 30d,
    docs/engine.md). So CP-SAT gets a *deterministic* budget (:data:`CPSAT_BUDGET`, its own
    measure of work, the same on every machine and load): if it proves the optimum within it,
    its solution is the answer and HiGHS is stopped; otherwise HiGHS's is. Each is
    deterministic on its own, so the answer is too (the time limit aside, as everywhere).
    """
    cancel, go = threading.Event(), threading.Event()
    outcome: dict[str, Solution] = {}
    began = time.perf_counter()

    def run_highs() -> None:
        # Most pilot rounds CP-SAT proves within a second, quicker alone than beside HiGHS.
        # When HiGHS starts changes nothing of either answer, only how soon one comes.
        # A short limit wants HiGHS's quick incumbents from the start.
        go.wait(HIGHS_DELAY if seconds >= 10 * HIGHS_DELAY else 0.0)
        if cancel.is_set():
            return
        # The same early end as CP-SAT's (see _cpsat): two answers to collect, not one.
        left = max(seconds * 0.95 - 0.1 - (time.perf_counter() - began), 0.01)
        outcome["highs"] = _highs(programme, pairs, start, left, cancel, improved)

    helper = threading.Thread(target=run_highs, name="rematch-highs", daemon=True)
    helper.start()
    try:
        cpsat = _cpsat(model, programme, pairs, start, seconds, improved)
    except Exception:  # CP-SAT failed (OR-Tools missing, a release that changed its API)
        logger.exception("engine.cpsat_failed")
        cpsat = Solution(start, None, False)  # HiGHS answers alone
    except BaseException:  # the command line abandons the solve at its deadline
        cancel.set()
        go.set()
        helper.join()
        raise
    if cpsat.optimal:
        cancel.set()
        go.set()
        helper.join()
        return cpsat
    go.set()  # CP-SAT is done without a proof: HiGHS starts now if it has not yet
    helper.join(max(seconds - (time.perf_counter() - began), 0.0) + 0.5)
    cancel.set()  # the deadline passed: HiGHS answers with what it has at its next check
    helper.join()
    highs = outcome.get("highs", Solution(start, None, False))
    if highs.optimal:
        return highs
    best = max((highs, cpsat), key=lambda found: float(model.pair_score[found.chosen].sum()))
    bounds = [found.bound for found in (highs, cpsat) if found.bound is not None]
    return Solution(best.chosen, min(bounds) if bounds else None, False)


def _cpsat(
    model: Model,
    programme: Programme,
    pairs: IntArray,
    start: IntArray,
    seconds: float,
    improved: Improved = None,
) -> Solution:
    """CP-SAT over the same integer programme (integral scores), built as its model proto
    directly: the ``cp_model`` module imports pandas, 0.3 s of a pilot round."""
    from ortools.sat.python import cp_model_helper as sat

    lp, binding = programme
    proto = sat.CpModelProto()
    for _ in range(len(pairs)):
        proto.variables.add().domain.extend([0, 1])
    row_start = np.asarray(lp.a_matrix_.start_)
    index, value = np.asarray(lp.a_matrix_.index_), np.asarray(lp.a_matrix_.value_)
    upper = np.asarray(lp.row_upper_)
    unit_rows = lp.num_row_ - len(binding)  # the unit rows come first (_programme)
    for row in range(lp.num_row_):
        cols = index[row_start[row] : row_start[row + 1]].tolist()
        constraint = proto.constraints.add()
        if row < unit_rows:
            constraint.at_most_one.literals.extend(cols)
        else:
            need = value[row_start[row] : row_start[row + 1]].astype(np.int64).tolist()
            constraint.linear.vars.extend(cols)
            constraint.linear.coeffs.extend(need)
            constraint.linear.domain.extend([0, int(upper[row])])
    proto.objective.vars.extend(range(len(pairs)))
    proto.objective.coeffs.extend((-model.pair_score[pairs]).astype(np.int64).tolist())
    parameters = sat.SatParameters()
    parameters.num_workers = 1
    parameters.linearization_level = 2
    parameters.max_deterministic_time = CPSAT_BUDGET
    # CP-SAT checks its clock less often than HiGHS (0.1-0.3 s late here): its limit ends
    # early enough that the answer is back before the command line takes the incumbent.
    parameters.max_time_in_seconds = max(float(seconds) * 0.95 - 0.1, 0.01)
    solver = sat.SolveWrapper()
    if improved is not None:
        hand_in = improved

        class Found(sat.SolutionCallback):
            def OnSolutionCallback(self) -> None:  # noqa: N802 - OR-Tools' name
                solution = self.Response().solution  # type: ignore[no-untyped-call]
                hand_in(pairs[np.asarray(solution, np.int64) > 0])

        found = Found()
        solver.add_solution_callback(found)
    solver.set_parameters(parameters)
    response = solver.solve(proto)  # type: ignore[no-untyped-call]
    if response.status not in (sat.CpSolverStatus.OPTIMAL, sat.CpSolverStatus.FEASIBLE):
        return Solution(start, None, False)
    chosen = pairs[np.asarray(response.solution, np.int64) > 0]
    bound = -float(response.best_objective_bound)
    return Solution(chosen, bound, response.status == sat.CpSolverStatus.OPTIMAL)


def solve_small(model: Model, deadline: float) -> Solution:
    """Proven optimal within the deadline, otherwise the best found with HiGHS's bound.

    Returns early only when every component is proven optimal.
    """
    began = time.perf_counter()
    everything = np.arange(model.n_pairs, dtype=np.int64)
    if model.n_pairs == 0:
        return Solution(everything, 0.0, True)
    linking = _binding(model, everything).any(axis=1)
    label = component_labels(model, linking)
    hard = np.unique(label[linking[model.pair_muni]])
    easy = ~np.isin(label, hard)
    # A component without a binding capacity: every unit takes its best pair.
    free = best_pair_per_unit(model, everything[easy])
    parts = [everything[label == k] for k in hard]
    starts = _start(model, everything[~easy], began + (deadline - began) * START_SHARE)
    chosen = [starts[np.isin(starts, part)] for part in parts]
    # The LP bound (milliseconds here) goes with the start: a limit that cuts the solvers off
    # before they hand in a bound of their own still writes a proven bound (300 x 30d at a
    # 3 s limit on a slow, loaded machine wrote none).
    offer(model, np.concatenate([free, *chosen]), lp_bound(model))
    bound = float(model.pair_score[free].sum())
    optimal = True
    left = sum(map(len, parts))
    lock = threading.Lock()

    def better(k: int) -> Improved:
        def hand_in(found: IntArray) -> None:  # from a solver's thread
            with lock:
                if model.pair_score[found].sum() > model.pair_score[chosen[k]].sum():
                    chosen[k] = found
                    offer(model, np.concatenate([free, *chosen]), None)

        return hand_in

    for k, part in enumerate(parts):
        share = (deadline - time.perf_counter()) * len(part) / left
        left -= len(part)
        sub = _solve_part(model, part, chosen[k], share, better(k))
        chosen[k] = sub.chosen
        bound += float(sub.bound) if sub.bound is not None else 0.0
        optimal = optimal and sub.optimal
        offer(model, np.concatenate([free, *chosen]), None)
    return Solution(np.concatenate([free, *chosen]), bound, optimal)
