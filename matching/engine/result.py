"""The solver result and its ``rematch-result/1`` document."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .groups import Model
from .instance import Instance

FORMAT = "rematch-result/1"
Status = Literal["optimal", "feasible"]
# Relative slack under which a floating-point bound still counts as equal to the objective.
BOUND_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class DimensionUse:
    used: int
    capacity: int


@dataclass(frozen=True)
class Result:
    """Outcome of :func:`matching.engine.solve`.

    ``assignment`` maps household id -> municipality id for every placed household, in the
    instance's household order; unplaced households are absent. ``utilisation`` gives, per
    municipality and per instance dimension, the places used and the capacity.
    """

    status: Status
    objective: float
    bound: float | None
    method: str
    seconds: float
    assignment: dict[str, str]
    utilisation: dict[str, dict[str, DimensionUse]]
    # With a forecast (see .forecast): places the forecast is expected to take per
    # municipality and dimension, and the score it reaches in the plan.
    reserved: dict[str, dict[str, float]] | None = None
    forecast_value: float | None = None

    @property
    def gap(self) -> float | None:
        """Relative distance to the bound (0 when optimal), None without a bound."""
        if self.bound is None:
            return None
        return (self.bound - self.objective) / max(abs(self.bound), 1e-12)

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "format": FORMAT,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "method": self.method,
            "seconds": round(self.seconds, 3),
            "assignment": [{"household": h, "municipality": m} for h, m in self.assignment.items()],
            "utilisation": {
                mun: {dim: {"used": u.used, "capacity": u.capacity} for dim, u in dims.items()}
                for mun, dims in self.utilisation.items()
            },
        }
        if self.reserved is not None:
            document["reserved"] = self.reserved
            document["forecast_value"] = self.forecast_value
        return document


def utilisation(
    instance: Instance, assignment: dict[str, str]
) -> dict[str, dict[str, DimensionUse]]:
    used: dict[str, dict[str, int]] = {m.id: {} for m in instance.municipalities}
    for household in instance.households:
        mun = assignment.get(household.id)
        if mun is not None:
            row = used[mun]
            for dim, amount in household.demand.items():
                row[dim] = row.get(dim, 0) + amount
    return {
        m.id: {
            d: DimensionUse(used[m.id].get(d, 0), m.capacity.get(d, 0)) for d in instance.dimensions
        }
        for m in instance.municipalities
    }


def _number(value: float, integral: bool) -> float:
    return int(round(value)) if integral else float(value)


def build_result(
    instance: Instance,
    model: Model,
    chosen: Iterable[int],
    *,
    status: Status,
    bound: float | None,
    method: str,
    started: float,
) -> Result:
    """Turn chosen model pair indices into a :class:`Result`, normalising objective and bound."""
    picks = np.asarray(sorted(chosen), np.int64)
    muni_of_unit = dict(
        zip(model.pair_unit[picks].tolist(), model.pair_muni[picks].tolist(), strict=True)
    )
    places: dict[int, str] = {}
    for unit, muni in muni_of_unit.items():
        for member in model.members[unit]:
            places[member] = instance.municipalities[muni].id
    assignment = {instance.households[i].id: places[i] for i in sorted(places)}
    integral = instance.integral_scores()
    objective = math.fsum(model.pair_score[picks].tolist())
    if bound is not None:
        if integral:
            # The optimum is an integer, so any bound may be rounded down.
            bound = math.floor(bound + 1e-6)
        if bound <= objective + BOUND_TOLERANCE * max(1.0, abs(objective)):
            bound, status = objective, "optimal"
    if status == "optimal":
        bound = objective
    return Result(
        status=status,
        objective=_number(objective, integral),
        bound=None if bound is None else _number(bound, integral),
        method=method,
        seconds=time.perf_counter() - started,
        assignment=assignment,
        utilisation=utilisation(instance, assignment),
    )
