"""Forecast-aware placement: place this cohort so that the programme as a whole does best.

An instance's ``forecast`` lists households expected in later cohorts of the same programme,
each standing for ``weight`` households. The current cohort's assignment is chosen to maximise
its own score *plus* the best score the forecast could still reach with the capacity left
(Ahani, Gölz, Procaccia, Teytelboym, Trapp, "Dynamic placement in refugee resettlement",
Operations Research 2024, price capacity with samples of the expected arrivals the same way).

Two methods:

* **continuous** (small and pilot rounds): one integer programme with a binary variable per
  compatible unit pair and a continuous ``y[f, m]`` in ``[0, weight_f]`` per compatible forecast
  pair, ``sum_m y[f, m] <= weight_f``, each consuming ``demand_f * y`` in every dimension. The
  forecast is a fractional load on the capacities, which is what an expected number of
  arrivals is; HiGHS proves the optimum.
* **sampled** (large rounds, or when HiGHS finds nothing in time): the forecast becomes
  ``round(weight)`` copies per entry (systematic rounding over the cumulative weight, so the
  total is kept and small weights are not all lost), solved together with the cohort by the
  ordinary dispatch (any method, national scale included); the copies' places are dropped
  from the assignment and reported as reserved.

The forecast is never assigned: the result places only ``households``; ``objective`` is the
cohort's own score. ``reserved`` gives the places the forecast is expected to take.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array, vstack

from .groups import FloatArray, IntArray, Model, build_model, capacity_matrix
from .instance import ForecastEntry, Household, Instance, Pair
from .milp import MIP_REL_GAP, upper_bound_free
from .result import Result, build_result

# Solves the plain problem: (instance, time limit, method, started) -> Result.
PlainSolver = Callable[[Instance, float, str, float], Result]

# Same budget rule as the plain dispatch: HiGHS gets about this many pairs per second.
MILP_PAIRS_PER_SECOND = 200
# Reserved amounts below this are solver noise, not places.
RESERVED_EPSILON = 1e-6
# Measured on the programme benchmark: without presolve the mixed programme solves in about
# a third of the time (pilot cohort + forecast 0.07 s instead of 0.3 s).
PRESOLVE = False


def active_entries(instance: Instance) -> list[ForecastEntry]:
    """Forecast entries that can change anything: positive weight, a compatible municipality."""
    return [f for f in instance.forecast if f.weight > 0 and f.scores]


def has_forecast(instance: Instance) -> bool:
    return bool(active_entries(instance))


@dataclass(frozen=True)
class ForecastModel:
    """The forecast in array form over ``dims`` (dimensions demanded by anyone)."""

    dims: tuple[str, ...]
    capacity: IntArray  # (municipalities, dims)
    unit_demand: IntArray  # (units, dims): the model's unit demands on these dims
    entry_demand: IntArray  # (entries, dims)
    weight: FloatArray  # (entries,)
    pair_entry: IntArray
    pair_muni: IntArray
    pair_score: FloatArray

    @property
    def n_pairs(self) -> int:
        return int(self.pair_entry.shape[0])


def build_forecast_model(
    instance: Instance, model: Model, entries: list[ForecastEntry]
) -> ForecastModel:
    demanded = set(model.dims) | {d for f in entries for d, v in f.demand.items() if v}
    dims = tuple(d for d in instance.dimensions if d in demanded)
    capacity = capacity_matrix(instance, dims)
    unit_demand = np.zeros((model.n_units, len(dims)), np.int64)
    for k, dim in enumerate(model.dims):
        unit_demand[:, dims.index(dim)] = model.demand[:, k]
    entry_demand = np.array(
        [[f.demand.get(d, 0) for d in dims] for f in entries], np.int64
    ).reshape(len(entries), len(dims))
    m_index = {m.id: j for j, m in enumerate(instance.municipalities)}
    ff = [i for i, f in enumerate(entries) for _ in f.scores]
    mm = [m_index[m] for f in entries for m in f.scores]
    ss = [s for f in entries for s in f.scores.values()]
    pair_entry, pair_muni = np.array(ff, np.int64), np.array(mm, np.int64)
    fits = np.all(entry_demand[pair_entry] <= capacity[pair_muni], axis=1)
    return ForecastModel(
        dims=dims,
        capacity=capacity,
        unit_demand=unit_demand,
        entry_demand=entry_demand,
        weight=np.array([f.weight for f in entries], np.float64),
        pair_entry=pair_entry[fits],
        pair_muni=pair_muni[fits],
        pair_score=np.array(ss, np.float64)[fits],
    )


def _capacity_matrix(model: Model, fm: ForecastModel) -> tuple[csr_array, FloatArray]:
    """Capacity rows over [x, y] for every (municipality, dimension) the load could exceed."""
    unit_need = fm.unit_demand[model.pair_unit].astype(np.float64)
    entry_need = fm.entry_demand[fm.pair_entry].astype(np.float64)
    wanted = np.zeros(fm.capacity.shape, np.float64)
    np.add.at(wanted, model.pair_muni, unit_need)
    np.add.at(wanted, fm.pair_muni, entry_need * fm.weight[fm.pair_entry][:, None])
    binding = wanted > fm.capacity
    row_of = np.full(binding.shape, -1, np.int64)
    row_of[binding] = np.arange(int(binding.sum()))
    rows, cols, vals = [], [], []
    for offset, munis, need in (
        (0, model.pair_muni, unit_need),
        (model.n_pairs, fm.pair_muni, entry_need),
    ):
        r = row_of[munis]
        pair, dim = np.nonzero((r >= 0) & (need > 0))
        rows.append(r[pair, dim])
        cols.append(pair + offset)
        vals.append(need[pair, dim])
    shape = (int(binding.sum()), model.n_pairs + fm.n_pairs)
    matrix = coo_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape)
    return csr_array(matrix), fm.capacity[binding].astype(np.float64)


def _owner_rows(owner: IntArray, n_owners: int, offset: int, width: int) -> csr_array:
    """One row per owner (unit or forecast entry) summing its pairs' variables."""
    n = len(owner)
    return csr_array((np.ones(n), (owner, np.arange(n) + offset)), shape=(n_owners, width))


@dataclass(frozen=True)
class ForecastPlan:
    chosen: IntArray  # model pair indices of the cohort's assignment
    reserved: FloatArray  # (municipalities, forecast dims)
    forecast_value: float
    optimal: bool
    method: str


def plan_continuous(model: Model, fm: ForecastModel, time_limit: float) -> ForecastPlan | None:
    """The exact integer programme; None when HiGHS finds no solution in time."""
    width = model.n_pairs + fm.n_pairs
    if width == 0:
        return ForecastPlan(np.zeros(0, np.int64), np.zeros(fm.capacity.shape), 0.0, True, "milp")
    capacity, limit = _capacity_matrix(model, fm)
    owners = vstack(
        [
            _owner_rows(model.pair_unit, model.n_units, 0, width),
            _owner_rows(fm.pair_entry, len(fm.weight), model.n_pairs, width),
        ]
    )
    upper_owner = np.concatenate([np.ones(model.n_units), fm.weight])
    constraints = [LinearConstraint(owners, -np.inf, upper_owner)]
    if capacity.shape[0]:
        constraints.append(LinearConstraint(capacity, -np.inf, limit))
    upper = np.concatenate([np.ones(model.n_pairs), fm.weight[fm.pair_entry]])
    res = milp(
        -np.concatenate([model.pair_score, fm.pair_score]),
        constraints=constraints,
        integrality=np.concatenate([np.ones(model.n_pairs), np.zeros(fm.n_pairs)]),
        bounds=Bounds(np.zeros(width), upper),
        options={"time_limit": time_limit, "mip_rel_gap": MIP_REL_GAP, "presolve": PRESOLVE},
    )
    if res.x is None:
        return None
    x = np.asarray(res.x)
    y = np.clip(x[model.n_pairs :], 0.0, None)
    chosen = np.nonzero(x[: model.n_pairs] > 0.5)[0].astype(np.int64)
    reserved = np.zeros(fm.capacity.shape, np.float64)
    np.add.at(reserved, fm.pair_muni, fm.entry_demand[fm.pair_entry] * y[:, None])
    value = float(fm.pair_score @ y)
    return ForecastPlan(chosen, reserved, value, res.status == 0, "milp")


def sample_copies(entries: list[ForecastEntry]) -> list[tuple[ForecastEntry, int]]:
    """Whole households per entry by systematic rounding of the cumulative weight."""
    copies: list[tuple[ForecastEntry, int]] = []
    total = 0.0
    for entry in entries:
        before = math.floor(total + 0.5)
        total += entry.weight
        copies.append((entry, math.floor(total + 0.5) - before))
    return copies


def _copy_ids(instance: Instance, entry: ForecastEntry, count: int, taken: set[str]) -> list[str]:
    ids: list[str] = []
    k = 0
    while len(ids) < count:
        k += 1
        ident = f"{entry.id}#{k}"
        if ident not in taken:
            taken.add(ident)
            ids.append(ident)
    return ids


def sampled_instance(
    instance: Instance, entries: list[ForecastEntry]
) -> tuple[Instance, dict[str, ForecastEntry]]:
    """The cohort plus whole-household copies of the forecast, as a plain instance."""
    taken = {h.id for h in instance.households}
    households = list(instance.households)
    pairs = list(instance.scores)
    origin: dict[str, ForecastEntry] = {}
    for entry, count in sample_copies(entries):
        for ident in _copy_ids(instance, entry, count, taken):
            origin[ident] = entry
            households.append(Household(ident, entry.demand))
            pairs.extend(Pair(ident, m, s) for m, s in entry.scores.items())
    return replace(instance, households=tuple(households), scores=tuple(pairs), forecast=()), origin


def _pairs_of(model: Model, assignment: dict[str, str], instance: Instance) -> IntArray:
    """Model pair indices of an assignment of ``instance``'s households."""
    m_index = {m.id: j for j, m in enumerate(instance.municipalities)}
    index = {
        (u, m): k
        for k, (u, m) in enumerate(
            zip(model.pair_unit.tolist(), model.pair_muni.tolist(), strict=True)
        )
    }
    chosen = []
    for unit, members in enumerate(model.members):
        muni = assignment.get(model.household_ids[members[0]])
        if muni is not None:
            chosen.append(index[(unit, m_index[muni])])
    return np.array(sorted(chosen), np.int64)


def plan_sampled(
    instance: Instance,
    model: Model,
    fm: ForecastModel,
    entries: list[ForecastEntry],
    plain: Callable[[Instance], Result],
) -> ForecastPlan:
    joint, origin = sampled_instance(instance, entries)
    result = plain(joint)
    m_index = {m.id: j for j, m in enumerate(instance.municipalities)}
    e_index = {f.id: i for i, f in enumerate(entries)}
    reserved = np.zeros(fm.capacity.shape, np.float64)
    value = 0.0
    scores = {(f.id, m): s for f in entries for m, s in f.scores.items()}
    for household, muni in result.assignment.items():
        entry = origin.get(household)
        if entry is not None:
            reserved[m_index[muni]] += fm.entry_demand[e_index[entry.id]]
            value += scores[(entry.id, muni)]
    own = {h: m for h, m in result.assignment.items() if h not in origin}
    return ForecastPlan(_pairs_of(model, own, instance), reserved, value, False, result.method)


def _reserved_document(
    instance: Instance, fm: ForecastModel, reserved: FloatArray
) -> dict[str, dict[str, float]]:
    document: dict[str, dict[str, float]] = {}
    for j, municipality in enumerate(instance.municipalities):
        row = {
            dim: _amount(float(reserved[j, k]))
            for k, dim in enumerate(fm.dims)
            if reserved[j, k] > RESERVED_EPSILON
        }
        if row:
            document[municipality.id] = row
    return document


def _amount(value: float) -> float:
    rounded = round(value, 3)
    return int(rounded) if rounded == int(rounded) else rounded


def solve_forecast(
    instance: Instance, *, time_limit: float, method: str, started: float, plain: PlainSolver
) -> Result:
    """Forecast-aware solve; ``plain`` solves an instance without forecast (the dispatch)."""
    entries = active_entries(instance)
    model = build_model(instance)
    fm = build_forecast_model(instance, model, entries)
    deadline = started + time_limit * 0.97
    exact = method == "milp" or (
        method == "auto" and model.n_pairs + fm.n_pairs <= MILP_PAIRS_PER_SECOND * time_limit
    )
    budget = max(deadline - time.perf_counter(), time_limit * 0.05)
    plan = plan_continuous(model, fm, budget) if exact else None
    if plan is None:
        # Too large for the exact programme, or HiGHS found nothing in time.
        inner = "greedy" if exact else method
        left = max(deadline - time.perf_counter(), time_limit * 0.05)
        plan = plan_sampled(
            instance,
            model,
            fm,
            entries,
            lambda joint: plain(joint, left, inner, time.perf_counter()),
        )
    result = build_result(
        instance,
        model,
        plan.chosen.tolist(),
        status="optimal" if plan.optimal else "feasible",
        bound=upper_bound_free(model, np.arange(model.n_pairs, dtype=np.int64)),
        method=plan.method,
        started=started,
    )
    return replace(
        result,
        reserved=_reserved_document(instance, fm, plan.reserved),
        forecast_value=_amount(plan.forecast_value),
    )


def without_reserved(instance: Instance, result: Result) -> Instance:
    """The cohort's instance with the places its forecast keeps taken out of the capacity and
    the forecast dropped: what "room left" means for checks after a forecast-aware solve
    (a stability check must not hand kept places to this cohort). Whole places: the current
    assignment fits, since ``used + reserved <= capacity`` and ``used`` is whole."""
    reserved = result.reserved or {}
    municipalities = []
    for municipality in instance.municipalities:
        kept = reserved.get(municipality.id, {})
        capacity = {
            dim: amount - math.ceil(kept.get(dim, 0) - RESERVED_EPSILON)
            for dim, amount in municipality.capacity.items()
        }
        municipalities.append(replace(municipality, capacity=capacity))
    return replace(instance, municipalities=tuple(municipalities), forecast=())
