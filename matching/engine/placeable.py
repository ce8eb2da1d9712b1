"""How many households and persons *could* be placed at most: a bound from the same relaxation.

A coordinator reads "1,180 of 1,300 households placed" and asks whether more was possible.
The capacity relaxation that bounds the score (:mod:`.dual`) bounds any other objective of
the same constraints too: with the score of every pair replaced by the unit's number of
households (or persons), any prices give a proven upper bound on how many could be placed,
and the smoothed dual brings it close to the LP value within a small time budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .groups import Model
from .instance import PERSONS

SHARE = 0.03  # of the time limit for both bounds together
MAX_SECONDS = 1.0


@dataclass(frozen=True)
class Placeable:
    households: int
    persons: int


def placeable(model: Model, deadline: float) -> Placeable:
    """Upper bounds on households and on persons placed by any feasible assignment."""
    members = np.fromiter(map(len, model.members), np.float64, model.n_units)
    persons = (
        model.demand[:, model.dims.index(PERSONS)].astype(np.float64)
        if PERSONS in model.dims
        else np.zeros(model.n_units)
    )
    return Placeable(
        households=_most(model, members, deadline, half=True),
        persons=_most(model, persons, deadline, half=False),
    )


def _most(model: Model, value: np.ndarray, deadline: float, *, half: bool) -> int:
    if model.n_pairs == 0:
        return 0
    # A pair must have a value > 0 to count in the dual; persons 0 means nothing to count.
    pair_value = value[model.pair_unit]
    if not (pair_value > 0).any():
        return 0
    keep = np.flatnonzero(pair_value > 0)
    sub = replace(
        model,
        pair_unit=model.pair_unit[keep],
        pair_muni=model.pair_muni[keep],
        pair_score=pair_value[keep],
    )
    if half:  # the households bound gets the first half of the budget
        import time

        now = time.perf_counter()
        deadline = now + max(deadline - now, 0.0) / 2
    from .exact import is_small, lp_bound  # exact -> incumbent -> this module

    if is_small(sub):  # pilot round: the exact LP, in milliseconds
        bound = lp_bound(sub)
    else:
        from .dual import solve_dual  # scipy.optimize: ~0.6 s of CPU to import

        bound = solve_dual(sub, deadline).bound
    reachable = float(value[np.unique(model.pair_unit)].sum())
    return int(math.floor(min(bound, reachable) + 1e-6))
