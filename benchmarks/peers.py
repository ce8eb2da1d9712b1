"""General-purpose solvers as benchmark peers of the engine: OR-Tools CP-SAT, HiGHS MILP, SCIP.

    python benchmarks/peers.py cpsat|highs|scip INSTANCE.json -o RESULT.json --time-limit S

Each peer runs in its own process, reads the same ``rematch-instance/1`` file with the
engine's reader, and solves *the same model* the engine solves: linked households merged
into one unit (``matching.engine.groups.build_model``), one binary per compatible unit pair,
at most one municipality per unit, every capacity in every dimension respected, maximise
the summed score. The solver gets the whole time limit as its own limit, as a user would
set it; the benchmark measures the wall time of the process. The result is written as a
``rematch-result/1`` document, so the benchmark checks every answer with the same code.

OR-Tools (CP-SAT) and highspy are runtime dependencies (the engine races CP-SAT against HiGHS on
pilot rounds); SCIP is an optional extra installed only for the benchmark:
``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matching.engine import load_instance  # noqa: E402
from matching.engine.groups import Model, build_model  # noqa: E402
from matching.engine.result import build_result  # noqa: E402

IntArray = np.ndarray


def _capacity_terms(model: Model) -> list[tuple[int, int, IntArray, IntArray]]:
    """(municipality, dimension, pair indices, demands) for every capacity some pair uses."""
    order = np.argsort(model.pair_muni, kind="stable")
    munis = model.pair_muni[order]
    cuts = np.searchsorted(munis, np.arange(model.n_munis + 1))
    terms = []
    for m in range(model.n_munis):
        pairs = order[cuts[m] : cuts[m + 1]]
        need = model.demand[model.pair_unit[pairs]]
        for d in range(len(model.dims)):
            used = need[:, d] > 0
            if used.any() and need[used, d].sum() > model.capacity[m, d]:
                terms.append((m, d, pairs[used], need[used, d]))
    return terms


def solve_cpsat(model: Model, time_limit: float) -> tuple[IntArray, float | None, bool]:
    from ortools.sat.python import cp_model

    cp = cp_model.CpModel()
    x = [cp.new_bool_var(f"x{p}") for p in range(model.n_pairs)]
    starts = np.searchsorted(model.pair_unit, np.arange(model.n_units + 1))
    for u in range(model.n_units):
        if starts[u + 1] - starts[u] > 1:
            cp.add_at_most_one(x[starts[u] : starts[u + 1]])
    for m, d, pairs, need in _capacity_terms(model):
        cp.add(
            sum(int(a) * x[p] for p, a in zip(pairs.tolist(), need.tolist(), strict=True))
            <= int(model.capacity[m, d])
        )
    scores = model.pair_score
    integral = bool(np.all(scores == np.round(scores)))
    factor = 1 if integral else 1000
    cp.maximize(sum(int(round(s * factor)) * v for s, v in zip(scores.tolist(), x, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2  # the machine's two cores, as the engine has
    status = solver.solve(cp)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return np.zeros(0, np.int64), None, False
    values = np.array([solver.boolean_value(v) for v in x], bool)
    return np.flatnonzero(values), solver.best_objective_bound / factor, status == cp_model.OPTIMAL


def solve_highs(model: Model, time_limit: float) -> tuple[IntArray, float | None, bool]:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 1e-9)
    n = model.n_pairs
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.col_cost_ = -model.pair_score.astype(np.float64)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    rows: list[tuple[IntArray, np.ndarray, float]] = []
    starts = np.searchsorted(model.pair_unit, np.arange(model.n_units + 1))
    for u in range(model.n_units):
        if starts[u + 1] - starts[u] > 1:
            idx = np.arange(starts[u], starts[u + 1])
            rows.append((idx, np.ones(len(idx)), 1.0))
    for m, d, pairs, need in _capacity_terms(model):
        rows.append((pairs, need.astype(np.float64), float(model.capacity[m, d])))
    lp.num_row_ = len(rows)
    lp.row_lower_ = np.full(len(rows), -highspy.kHighsInf)
    lp.row_upper_ = np.array([r[2] for r in rows])
    matrix = lp.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kRowwise
    matrix.start_ = np.concatenate(([0], np.cumsum([len(r[0]) for r in rows]))).astype(np.int32)
    matrix.index_ = np.concatenate([r[0] for r in rows]).astype(np.int32) if rows else []
    matrix.value_ = np.concatenate([r[1] for r in rows]) if rows else []
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h.passModel(lp)
    h.run()
    info = h.getInfo()
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return np.zeros(0, np.int64), None, False
    values = np.asarray(h.getSolution().col_value)
    bound = -float(info.mip_dual_bound)
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return np.flatnonzero(values > 0.5), bound if np.isfinite(bound) else None, optimal


def solve_scip(model: Model, time_limit: float) -> tuple[IntArray, float | None, bool]:
    """SCIP (10, Apache 2.0, through PySCIPOpt) with one thread, as HiGHS runs in the engine."""
    from pyscipopt import Model as ScipModel
    from pyscipopt import quicksum

    scip = ScipModel()
    scip.hideOutput()
    scip.setParam("limits/time", float(time_limit))
    scip.setParam("limits/gap", 0.0)
    scip.setParam("timing/clocktype", 2)  # wall clock, as the benchmark measures
    x = [scip.addVar(vtype="B", name=f"x{p}") for p in range(model.n_pairs)]
    starts = np.searchsorted(model.pair_unit, np.arange(model.n_units + 1))
    for u in range(model.n_units):
        if starts[u + 1] - starts[u] > 1:
            scip.addCons(quicksum(x[p] for p in range(starts[u], starts[u + 1])) <= 1)
    for m, d, pairs, need in _capacity_terms(model):
        terms = zip(pairs.tolist(), need.tolist(), strict=True)
        scip.addCons(quicksum(int(a) * x[p] for p, a in terms) <= int(model.capacity[m, d]))
    scores = model.pair_score.tolist()
    scip.setObjective(quicksum(s * v for s, v in zip(scores, x, strict=True)), "maximize")
    scip.optimize()
    if scip.getNSols() == 0:
        return np.zeros(0, np.int64), None, False
    best = scip.getBestSol()
    values = np.array([scip.getSolVal(best, v) for v in x])
    bound = float(scip.getDualbound())
    optimal = scip.getStatus() == "optimal"
    return np.flatnonzero(values > 0.5), bound if np.isfinite(bound) else None, optimal


PEERS = {"cpsat": solve_cpsat, "highs": solve_highs, "scip": solve_scip}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("peer", choices=sorted(PEERS))
    parser.add_argument("instance")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--time-limit", type=float, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    instance = load_instance(args.instance)
    model = build_model(instance)
    chosen, bound, optimal = PEERS[args.peer](model, args.time_limit)
    result = build_result(
        instance,
        model,
        chosen.tolist(),
        status="optimal" if optimal else "feasible",
        bound=bound,
        method=args.peer,
        started=started,
    )
    Path(args.output).write_text(json.dumps(result.to_dict()), encoding="utf-8")


if __name__ == "__main__":
    main()
