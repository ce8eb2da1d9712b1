"""Fair shares solved exactly: one integer programme with the floors as constraints.

The price loop of :mod:`matching.fairshare` moves households with bonuses and can stop short
when several municipalities' floors compete for the same households. This module states the
promise directly, in two steps over the same variables (HiGHS through ``scipy.optimize.milp``,
as :mod:`matching.engine.forecast` does):

1. **fewest persons short**: minimise ``sum_m s[m]`` where ``persons placed at m + s[m] >=
   floor[m]`` and ``s[m] >= 0``. Zero when every floor can be met together. Persons are whole,
   so the minimum is a whole number of persons.
2. **best score**: maximise the cohort's score (plus the forecast's, when the instance has a
   forecast, exactly as the plain forecast-aware solve does) with ``sum_m s[m]`` at most that
   minimum.

So the floors come first and the score is never lower than it has to be for them. Where the
minimum is above zero, the municipalities left short, and by how many persons, are those of the
best-scoring assignment among the ones with the fewest persons short; for each, the most it could
receive on its own (its compatible households and its capacity, everything else ignored) tells
whether it is short because of itself or because other floors need the same households.

Pure Python (numpy, scipy); it reads the engine's array model and forecast model, never
changes them. No Django."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp
from scipy.sparse import csr_array, hstack, vstack

from matching.engine.forecast import (
    RESERVED_EPSILON,
    ForecastModel,
    _capacity_matrix,
    _owner_rows,
    _reserved_document,
    active_entries,
    build_forecast_model,
)
from matching.engine.groups import IntArray, Model, build_model
from matching.engine.instance import Instance
from matching.engine.milp import MIP_REL_GAP

# Like the forecast's exact programme: HiGHS gets about this many columns per second.
PAIRS_PER_SECOND = 200
# Share of the time for step 1 (a feasibility question, usually solved at the root).
SHORTFALL_SHARE = 0.4
# scipy.optimize.milp's status for "HiGHS Status 4: Solve error".
SOLVE_ERROR = 4


@dataclass(frozen=True)
class Exact:
    """The exact fair assignment (household id -> municipality id) and what it leaves short."""

    assignment: dict[str, str]
    chosen: IntArray  # the model's pair indices, for building a result
    model: Model
    shortfall: dict[str, int]  # municipality -> persons below its floor (only those > 0)
    floored: tuple[str, ...]  # the municipalities with a floor above 0
    score: float  # the cohort's own score
    forecast_value: float
    reserved: dict[str, dict[str, float]]
    optimal: bool  # both steps proven by HiGHS


def applicable(instance: Instance, time_limit: float) -> bool:
    """Small enough for the exact programme in ``time_limit`` seconds (pilot and regional
    cohorts; a national round keeps the price loop)."""
    model = build_model(instance)
    forecast = sum(len(f.scores) for f in active_entries(instance))
    return model.n_pairs + forecast <= PAIRS_PER_SECOND * time_limit


def unit_persons(instance: Instance, model: Model) -> np.ndarray:
    persons = [int(h.demand.get("persons", 0)) for h in instance.households]
    return np.array([sum(persons[i] for i in members) for members in model.members], np.int64)


class _Programme:
    """Columns: x (the model's pairs, binary), y (forecast pairs, continuous), s (one per
    floor, persons short, continuous in [0, floor])."""

    def __init__(self, instance: Instance, floors: Mapping[str, int]) -> None:
        self.instance = instance
        self.model = model = build_model(instance)
        self.fm: ForecastModel = build_forecast_model(instance, model, active_entries(instance))
        index = {m.id: j for j, m in enumerate(instance.municipalities)}
        self.floored = [(m, index[m], int(f)) for m, f in sorted(floors.items()) if f > 0]
        self.persons = unit_persons(instance, model)
        self.nx, self.ny, self.ns = model.n_pairs, self.fm.n_pairs, len(self.floored)
        self.width = self.nx + self.ny + self.ns

    def _rows(self) -> list[LinearConstraint]:
        model, fm = self.model, self.fm
        plain = self.nx + self.ny
        owners = vstack(
            [
                _owner_rows(model.pair_unit, model.n_units, 0, plain),
                _owner_rows(fm.pair_entry, len(fm.weight), model.n_pairs, plain),
            ]
        )
        pad = csr_array((owners.shape[0], self.ns))
        rows = [
            LinearConstraint(
                hstack([owners, pad]), -np.inf, np.concatenate([np.ones(model.n_units), fm.weight])
            )
        ]
        capacity, limit = _capacity_matrix(model, fm)
        if capacity.shape[0]:
            pad = csr_array((capacity.shape[0], self.ns))
            rows.append(LinearConstraint(hstack([capacity, pad]), -np.inf, limit))
        if self.ns:
            rows.append(LinearConstraint(self._floor_matrix(), self._floor_values(), np.inf))
        return rows

    def _floor_matrix(self) -> csr_array:
        """Row k: persons placed at floored municipality k, plus s[k]."""
        model = self.model
        row_of = np.full(model.n_munis, -1, np.int64)
        for k, (_m, j, _f) in enumerate(self.floored):
            row_of[j] = k
        rows = row_of[model.pair_muni]
        cols = np.nonzero(rows >= 0)[0]
        values = self.persons[model.pair_unit[cols]].astype(np.float64)
        slack = np.arange(self.ns)
        return csr_array(
            (
                np.concatenate([values, np.ones(self.ns)]),
                (
                    np.concatenate([rows[cols], slack]),
                    np.concatenate([cols, self.nx + self.ny + slack]),
                ),
            ),
            shape=(self.ns, self.width),
        )

    def _floor_values(self) -> np.ndarray:
        return np.array([f for _m, _j, f in self.floored], np.float64)

    def _bounds(self) -> Bounds:
        upper = np.concatenate(
            [np.ones(self.nx), self.fm.weight[self.fm.pair_entry], self._floor_values()]
        )
        return Bounds(np.zeros(self.width), upper)

    def _integrality(self) -> np.ndarray:
        return np.concatenate([np.ones(self.nx), np.zeros(self.ny + self.ns)])

    def _solve(
        self, cost: np.ndarray, rows: list[LinearConstraint], seconds: float
    ) -> OptimizeResult:
        options = {"time_limit": max(seconds, 0.05), "mip_rel_gap": MIP_REL_GAP}
        res = milp(
            cost,
            constraints=rows,
            integrality=self._integrality(),
            bounds=self._bounds(),
            options=options,
        )
        if res.status == SOLVE_ERROR:  # seen with HiGHS' presolve on tiny programmes
            res = milp(
                cost,
                constraints=rows,
                integrality=self._integrality(),
                bounds=self._bounds(),
                options={**options, "presolve": False},
            )
        return res

    def fewest_short(self, seconds: float) -> tuple[int, bool] | None:
        """Step 1: the fewest persons short over all floors, and whether it is proven."""
        if not self.ns:
            return 0, True
        cost = np.concatenate([np.zeros(self.nx + self.ny), np.ones(self.ns)])
        res = self._solve(cost, self._rows(), seconds)
        if res.x is None:
            return None
        # Whole persons: a proven minimum is whole; a time-limited one is rounded up, so
        # the second step keeps the assignment it found feasible.
        value = float(res.fun)
        proven = res.status == 0
        return (round(value) if proven else int(np.ceil(value - 1e-6))), proven

    def best_score(self, short: int, seconds: float) -> OptimizeResult:
        """Step 2: the best score with at most ``short`` persons short in total."""
        rows = self._rows()
        if self.ns:
            total = np.concatenate([np.zeros(self.nx + self.ny), np.ones(self.ns)])
            # Whole persons: any total below short + 1 is at most short (half a person of
            # room keeps HiGHS clear of tolerance trouble at the bound).
            rows.append(LinearConstraint(total[None, :], -np.inf, short + 0.5))
        cost = -np.concatenate([self.model.pair_score, self.fm.pair_score, np.zeros(self.ns)])
        return self._solve(cost, rows, seconds)


def exact_fair(instance: Instance, floors: Mapping[str, int], *, time_limit: float) -> Exact | None:
    """The exact fair assignment, or None when HiGHS finds none in ``time_limit`` seconds.

    ``floors`` maps municipality ids of the instance to persons; others are left out by the
    caller (a municipality without a questionnaire is not in the instance)."""
    programme = _Programme(instance, floors)
    first = programme.fewest_short(time_limit * SHORTFALL_SHARE)
    if first is None:
        return None
    short, proven = first
    res = programme.best_score(short, time_limit * (1 - SHORTFALL_SHARE))
    if res.x is None:
        return None
    return _answer(programme, np.asarray(res.x), proven and res.status == 0)


def _answer(programme: _Programme, x: np.ndarray, optimal: bool) -> Exact:
    model, fm, instance = programme.model, programme.fm, programme.instance
    chosen = np.nonzero(x[: programme.nx] > 0.5)[0].astype(np.int64)
    y = np.clip(x[programme.nx : programme.nx + programme.ny], 0.0, None)
    assignment = {}
    for k in chosen.tolist():
        municipality = instance.municipalities[int(model.pair_muni[k])].id
        for member in model.members[int(model.pair_unit[k])]:
            assignment[instance.households[member].id] = municipality
    placed = np.zeros(model.n_munis, np.int64)
    np.add.at(placed, model.pair_muni[chosen], programme.persons[model.pair_unit[chosen]])
    shortfall = {m: f - int(placed[j]) for m, j, f in programme.floored if placed[j] < f}
    reserved = np.zeros(fm.capacity.shape, np.float64)
    np.add.at(reserved, fm.pair_muni, fm.entry_demand[fm.pair_entry] * y[:, None])
    reserved[reserved < RESERVED_EPSILON] = 0.0
    return Exact(
        assignment=assignment,
        chosen=chosen,
        model=model,
        shortfall=shortfall,
        floored=tuple(m for m, _j, _f in programme.floored),
        score=float(model.pair_score[chosen].sum()),
        forecast_value=float(fm.pair_score @ y),
        reserved=_reserved_document(instance, fm, reserved),
        optimal=optimal,
    )


def most_alone(instance: Instance, municipality: str, *, time_limit: float = 5.0) -> int:
    """The most persons ``municipality`` could receive on its own: its compatible households
    (groups whole) within its capacity in every dimension, every other municipality ignored."""
    model = build_model(instance)
    j = next(k for k, m in enumerate(instance.municipalities) if m.id == municipality)
    pairs = np.nonzero(model.pair_muni == j)[0]
    if not len(pairs):
        return 0
    persons = unit_persons(instance, model)[model.pair_unit[pairs]].astype(np.float64)
    need = model.demand[model.pair_unit[pairs]].T.astype(np.float64)  # (dims, pairs)
    rows = (
        [LinearConstraint(need, -np.inf, model.capacity[j].astype(np.float64))]
        if len(model.dims)
        else []
    )
    res = milp(
        -persons,
        constraints=rows,
        integrality=np.ones(len(pairs)),
        bounds=Bounds(np.zeros(len(pairs)), np.ones(len(pairs))),
        options={"time_limit": time_limit, "mip_rel_gap": MIP_REL_GAP},
    )
    if res.x is None:
        return 0
    return round(float(persons @ (np.asarray(res.x) > 0.5)))


__all__ = ["Exact", "applicable", "exact_fair", "most_alone", "unit_persons"]
