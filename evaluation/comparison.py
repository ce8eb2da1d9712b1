"""Other ways of distributing the same households, for comparison with the platform's optimum.

Pure Python on the engine's array model (no Django): every method sees the same compatible
pairs (hard constraints), the same capacities in every dimension and the same groups of linked
households, and returns a :class:`matching.engine.Result`, so the engine's feasibility checker
and metrics apply unchanged.

- ``random``: households in random order, each to a random compatible municipality with room.
- ``quota``: no scores at all; persons are spread over the federal states in proportion to the
  Königsteiner Schlüssel (the usual administrative distribution), households in order of
  registration go to the state furthest below its quota, there to the municipality with most
  free places.
- ``first_come``: households in order of registration each take their best-scoring
  municipality that still has room (serial dictatorship).
- ``deferred_acceptance``: households propose in order of their own scores; each municipality
  holds the best-scoring proposals that fit its capacities and rejects the rest (Gale-Shapley
  with multi-dimensional capacities).
- ``optimum``: the platform's engine (maximum total score).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matching.engine import Instance, Result, solve
from matching.engine.groups import Model, build_model
from matching.engine.result import build_result

METHODS = ("random", "quota", "first_come", "deferred_acceptance", "optimum")


@dataclass(frozen=True)
class Context:
    """What the methods need beyond the instance."""

    municipality_state: Mapping[str, str]  # municipality id -> federal state code
    state_shares: Mapping[str, float]  # federal state -> target share (sums to 1)
    seed: int = 2026
    time_limit: float = 60.0


class _Units:
    """Per-unit views of the model's pairs (pairs are sorted by unit, then municipality)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.start = np.searchsorted(model.pair_unit, np.arange(model.n_units), side="left")
        self.stop = np.searchsorted(model.pair_unit, np.arange(model.n_units), side="right")
        self.residual = model.capacity.copy()

    def pairs(self, unit: int) -> np.ndarray:
        return np.arange(self.start[unit], self.stop[unit], dtype=np.int64)

    def fitting(self, unit: int) -> np.ndarray:
        pairs = self.pairs(unit)
        if len(pairs) == 0:
            return pairs
        munis = self.model.pair_muni[pairs]
        ok = np.all(self.residual[munis] >= self.model.demand[unit], axis=1)
        return pairs[ok]

    def take(self, pair: int) -> int:
        unit = int(self.model.pair_unit[pair])
        self.residual[self.model.pair_muni[pair]] -= self.model.demand[unit]
        return pair


def _random(model: Model, context: Context, instance: Instance) -> list[int]:
    rng = np.random.default_rng(context.seed)
    units = _Units(model)
    chosen = []
    for unit in rng.permutation(model.n_units).tolist():
        fitting = units.fitting(unit)
        if len(fitting):
            chosen.append(units.take(int(rng.choice(fitting))))
    return chosen


def _first_come(model: Model, context: Context, instance: Instance) -> list[int]:
    units = _Units(model)
    chosen = []
    for unit in range(model.n_units):  # units follow the instance's order of registration
        fitting = units.fitting(unit)
        if len(fitting):
            best = fitting[np.lexsort((fitting, -model.pair_score[fitting]))[0]]
            chosen.append(units.take(int(best)))
    return chosen


def _persons_index(model: Model) -> int | None:
    return model.dims.index("persons") if "persons" in model.dims else None


def _quota(model: Model, context: Context, instance: Instance) -> list[int]:
    units = _Units(model)
    persons = _persons_index(model)
    state_of = [context.municipality_state.get(m.id, "") for m in instance.municipalities]
    demand = model.demand[:, persons] if persons is not None else np.ones(model.n_units)
    target = {s: share * float(demand.sum()) for s, share in context.state_shares.items()}
    placed: dict[str, float] = dict.fromkeys(target, 0.0)
    chosen = []
    for unit in range(model.n_units):
        fitting = units.fitting(unit)
        if not len(fitting):
            continue
        munis = model.pair_muni[fitting]
        # Deficit of each candidate's state; unknown states (no quota) come last.
        deficit = np.array(
            [target.get(state_of[m], -1e18) - placed.get(state_of[m], 0.0) for m in munis.tolist()]
        )
        room = units.residual[munis, persons] if persons is not None else np.zeros(len(munis))
        best = fitting[np.lexsort((munis, -room, -deficit))[0]]
        state = state_of[int(model.pair_muni[best])]
        placed[state] = placed.get(state, 0.0) + float(demand[unit])
        chosen.append(units.take(int(best)))
    return chosen


def _deferred_acceptance(model: Model, context: Context, instance: Instance) -> list[int]:
    units = _Units(model)
    # Each unit's proposals in order of its own scores, best first (ties: municipality order).
    order = {
        u: units.pairs(u)[np.lexsort((units.pairs(u), -model.pair_score[units.pairs(u)]))].tolist()
        for u in range(model.n_units)
    }
    next_choice = np.zeros(model.n_units, dtype=np.int64)
    held: dict[int, list[int]] = {}  # municipality -> held pairs
    free = [u for u in range(model.n_units) if order[u]]
    while free:
        proposals: dict[int, list[int]] = {}
        for unit in free:
            pair = order[unit][next_choice[unit]]
            next_choice[unit] += 1
            proposals.setdefault(int(model.pair_muni[pair]), []).append(pair)
        free = []
        for muni, new in proposals.items():
            kept, rejected = _hold(model, muni, held.get(muni, []) + new)
            held[muni] = kept
            free += [int(model.pair_unit[p]) for p in rejected]
        free = [u for u in free if next_choice[u] < len(order[u])]
    return [p for pairs in held.values() for p in pairs]


def _hold(model: Model, muni: int, pairs: list[int]) -> tuple[list[int], list[int]]:
    """The municipality keeps the best-scoring proposals that fit, in score order."""
    pairs.sort(key=lambda p: (-model.pair_score[p], p))
    residual = model.capacity[muni].copy()
    kept, rejected = [], []
    for pair in pairs:
        need = model.demand[model.pair_unit[pair]]
        if np.all(need <= residual):
            residual -= need
            kept.append(pair)
        else:
            rejected.append(pair)
    return kept, rejected


HEURISTICS: dict[str, Callable[[Model, Context, Instance], list[int]]] = {
    "random": _random,
    "quota": _quota,
    "first_come": _first_come,
    "deferred_acceptance": _deferred_acceptance,
}


def allocate(
    instance: Instance, method: str, context: Context, model: Model | None = None
) -> Result:
    """Allocate ``instance`` with ``method`` (one of :data:`METHODS`)."""
    if method == "optimum":
        return solve(instance, time_limit=context.time_limit)
    if method not in HEURISTICS:
        raise ValueError(f'unknown method "{method}", expected one of {", ".join(METHODS)}')
    started = time.perf_counter()
    model = model or build_model(instance)
    chosen = HEURISTICS[method](model, context, instance)
    return build_result(
        instance, model, chosen, status="feasible", bound=None, method=method, started=started
    )


def allocate_all(
    instance: Instance, context: Context, methods: Sequence[str] = METHODS
) -> dict[str, Result]:
    model = build_model(instance)
    return {m: allocate(instance, m, context, model) for m in methods}
