"""The solver result and its ``rematch-result/1`` document."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .groups import Model
from .instance import PERSONS, Instance
from .placeable import Placeable

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
    # Placed against the most that could be placed (an upper bound, see .placeable).
    placed_households: int = 0
    placed_persons: int = 0
    placeable_households: int | None = None
    placeable_persons: int | None = None

    def summary(self) -> str:
        """The result in one English sentence for a coordinator (the platform translates
        the same figures itself)."""
        most = ""
        if self.placeable_households is not None:
            most = (
                f" (at most {self.placeable_households:,} households and "
                f"{self.placeable_persons:,} persons could be placed)"
            )
        return (
            f"{self.placed_households:,} households with {self.placed_persons:,} persons "
            f"placed{most}; the total score is {gap_words(self.objective, self.bound)}."
        )

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
        document["placed"] = {"households": self.placed_households, "persons": self.placed_persons}
        if self.placeable_households is not None:
            document["placeable"] = {
                "households": self.placeable_households,
                "persons": self.placeable_persons,
            }
        document["gap"] = None if self.gap is None else round(self.gap, 6)
        document["summary"] = self.summary()
        if self.reserved is not None:
            document["reserved"] = self.reserved
            document["forecast_value"] = self.forecast_value
        return document


def gap_words(objective: float, bound: float | None) -> str:
    """ "the best possible (proven)" / "at most 0.27 % below the best possible" (rounded up)."""
    if bound is None:
        return "of unknown distance to the best possible"
    if objective >= bound:
        return "the best possible (proven)"
    percent = (bound - objective) / max(abs(bound), 1e-12) * 100
    digits = 2 if percent < 1 else 1
    shown = math.ceil(percent * 10**digits - 1e-9) / 10**digits
    return f"at most {shown:.{digits}f} % below the best possible"


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
    placeable: Placeable | None = None,
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
        placed_households=len(assignment),
        placed_persons=_persons(instance, assignment),
        placeable_households=None if placeable is None else placeable.households,
        placeable_persons=None if placeable is None else placeable.persons,
    )


def _persons(instance: Instance, assignment: dict[str, str]) -> int:
    return sum(h.demand.get(PERSONS, 0) for h in instance.households if h.id in assignment)


def empty_result(instance: Instance, *, method: str, started: float) -> Result:
    """Nothing placed, no bound: what is known when the time is up before any solution."""
    return Result(
        status="feasible",
        objective=0,
        bound=None,
        method=method,
        seconds=time.perf_counter() - started,
        assignment={},
        utilisation=utilisation(instance, {}),
    )
