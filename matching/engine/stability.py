"""Stability check of a result, and a cheap repair pass for heuristic results.

A result is *unstable* when a person could point to a better place that was free:

- an **improving move**: a household (a linked group moves together or not at all) that would
  score higher at a municipality that still has room for it in every dimension; an unplaced
  household that fits somewhere it is compatible with counts too, since any place beats none;
- an **improving swap**: two placed households (or groups) at different municipalities that
  would both score higher at the other's municipality, and the exchange fits both capacities.

Either would raise the total score without lowering anyone's, so a proven-optimal result has
none; a heuristic result may. :func:`check_stability` lists them, :func:`repair` applies them
(best gain first) until none is left or time runs out. Both work on the plain
:class:`Instance` with their own group handling, independently of the solvers' array model, so
a bug in one cannot hide in the other (like :mod:`.feasibility`). Pure numpy, no Django.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .feasibility import check_feasible
from .groups import capacity_matrix, pair_arrays, unit_demand, unit_members, unit_pairs
from .instance import Instance
from .result import Result, utilisation

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
# A gain smaller than this (relative to the scores involved) is rounding, not an improvement.
RELATIVE_TOLERANCE = 1e-9
# How many findings of each kind a report keeps in full; the counts are always exact.
DEFAULT_LIMIT = 200
# Largest |U| x |V| block of candidate swaps examined at once (memory stays flat).
SWAP_BLOCK = 250_000


@dataclass(frozen=True, slots=True)
class Move:
    """``households`` (one unit) would gain ``gain`` by moving from ``origin`` (None:
    unplaced) to ``target``, which has room for all of them."""

    households: tuple[str, ...]
    origin: str | None
    target: str
    gain: float


@dataclass(frozen=True, slots=True)
class Swap:
    """Two units that would both gain by exchanging their municipalities."""

    first: tuple[str, ...]
    second: tuple[str, ...]
    first_from: str
    second_from: str
    first_gain: float
    second_gain: float

    @property
    def gain(self) -> float:
        return self.first_gain + self.second_gain


@dataclass(frozen=True)
class StabilityReport:
    """The improving moves and swaps of an assignment (``moves``/``swaps`` hold at most the
    report's limit, best gain first; ``move_count``/``swap_count`` count all of them)."""

    moves: tuple[Move, ...]
    swaps: tuple[Swap, ...]
    move_count: int
    swap_count: int
    complete: bool = True  # False when the swap search stopped at its deadline

    @property
    def stable(self) -> bool:
        return self.move_count == 0 and self.swap_count == 0 and self.complete

    def to_dict(self) -> dict[str, object]:
        return {
            "stable": self.stable,
            "complete": self.complete,
            "move_count": self.move_count,
            "swap_count": self.swap_count,
            "moves": [dataclasses.asdict(m) for m in self.moves],
            "swaps": [dataclasses.asdict(s) for s in self.swaps],
        }


@dataclass(frozen=True)
class Repair:
    """What :func:`repair` did: the improved result, the moves and swaps it applied, the
    report before and the report after (empty unless the deadline stopped it)."""

    result: Result
    applied_moves: int
    applied_swaps: int
    gain: float
    before: StabilityReport
    after: StabilityReport

    def to_dict(self) -> dict[str, object]:
        return {
            "applied_moves": self.applied_moves,
            "applied_swaps": self.applied_swaps,
            "gain": self.gain,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


class _Units:
    """Linked households merged into units, with per-unit demand and compatible pairs."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.munis = tuple(m.id for m in instance.municipalities)
        m_index = {mid: j for j, mid in enumerate(self.munis)}
        members = unit_members(instance)
        ids = [h.id for h in instance.households]
        self.members = [tuple(ids[i] for i in unit) for unit in members]
        self.capacity = capacity_matrix(instance, instance.dimensions)
        self.demand = unit_demand(instance, members, instance.dimensions)
        self.pair_unit, self.pair_muni, self.pair_score = unit_pairs(
            members, *pair_arrays(instance), max(1, len(self.munis))
        )
        # Pairs are sorted by (unit, municipality): a score is found by bisection, without a
        # dictionary of every pair (800,000 at national scale).
        self.width = max(1, len(self.munis))
        self.keys = self.pair_unit * self.width + self.pair_muni
        self.m_index = m_index

    def scores(self, units: IntArray, munis: IntArray) -> FloatArray:
        """The score of each (unit, municipality) given; 0 where the unit is not placed
        (municipality -1). Every placed pair must be compatible."""
        placed = munis >= 0
        found = np.zeros(len(units), np.float64)
        wanted = units[placed] * self.width + munis[placed]
        at = np.searchsorted(self.keys, wanted)
        if len(wanted) and (
            at.max(initial=0) >= len(self.keys) or not np.array_equal(self.keys[at], wanted)
        ):
            raise KeyError("a unit placed where it is not compatible")
        found[placed] = self.pair_score[at]
        return found

    def score(self, unit: int, muni: int) -> float:
        return float(self.scores(np.array([unit]), np.array([muni]))[0])

    def __len__(self) -> int:
        return len(self.members)


class _State:
    """Where each unit is (-1: unplaced), its current score and the residual capacity."""

    def __init__(self, units: _Units, assignment: Mapping[str, str]) -> None:
        problems = check_feasible(units.instance, assignment)
        if problems:
            raise ValueError(f"infeasible assignment: {problems[0]}")
        self.units = units
        self.place = np.full(len(units), -1, np.int64)
        for u, members in enumerate(units.members):
            target = assignment.get(members[0])
            if target is not None:
                self.place[u] = units.m_index[target]
        self.current = units.scores(np.arange(len(units), dtype=np.int64), self.place)
        self.residual = units.capacity.copy()
        placed = self.place >= 0
        np.subtract.at(self.residual, self.place[placed], units.demand[placed])

    def better_pairs(self) -> IntArray:
        """Pair indices where a unit would score more than where it is now."""
        u = self.units
        margin = RELATIVE_TOLERANCE * np.maximum(1.0, np.abs(u.pair_score))
        return np.flatnonzero(
            (u.pair_score > self.current[u.pair_unit] + margin)
            & (u.pair_muni != self.place[u.pair_unit])
        )

    def fits(self, unit: int, muni: int) -> bool:
        return bool(np.all(self.units.demand[unit] <= self.residual[muni]))

    def move(self, unit: int, muni: int) -> None:
        demand = self.units.demand[unit]
        if self.place[unit] >= 0:
            self.residual[self.place[unit]] += demand
        self.residual[muni] -= demand
        self.place[unit] = muni
        self.current[unit] = self.units.score(unit, muni)

    def assignment(self) -> dict[str, str]:
        placed: dict[str, str] = {}
        for u, members in enumerate(self.units.members):
            if self.place[u] >= 0:
                for household in members:
                    placed[household] = self.units.munis[int(self.place[u])]
        order = [h.id for h in self.units.instance.households]
        return {h: placed[h] for h in order if h in placed}


# --- finding moves and swaps ----------------------------------------------------------------


def _moves(state: _State, better: IntArray) -> tuple[IntArray, FloatArray]:
    """Each unit's best improving move as (pair index, gain), best gain first."""
    u = state.units
    room = np.all(u.demand[u.pair_unit[better]] <= state.residual[u.pair_muni[better]], axis=1)
    pairs = better[room]
    gain = u.pair_score[pairs] - state.current[u.pair_unit[pairs]]
    # One move per unit: its best (ties: the first municipality).
    order = np.lexsort((pairs, -gain, u.pair_unit[pairs]))
    first = np.ones(len(order), bool)
    first[1:] = u.pair_unit[pairs[order]][1:] != u.pair_unit[pairs[order]][:-1]
    pairs, gain = pairs[order][first], gain[order][first]
    order = np.lexsort((pairs, -gain))
    return pairs[order], gain[order]


def _swap_blocks(state: _State, better: IntArray) -> Iterator[tuple[int, int, IntArray, IntArray]]:
    """(a, b, units at a wanting b, units at b wanting a) for every municipality pair a < b.

    Grouped with one sort instead of a Python loop over the pairs: a national round has
    hundreds of thousands of improving pairs to sort into municipality pairs."""
    u = state.units
    placed = better[state.place[u.pair_unit[better]] >= 0]
    if len(placed) == 0:
        return
    width = len(u.munis)
    key = state.place[u.pair_unit[placed]] * width + u.pair_muni[placed]
    order = np.argsort(key, kind="stable")
    keys, starts = np.unique(key[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    units = u.pair_unit[placed][order]
    block = {
        k: (s, e) for k, s, e in zip(keys.tolist(), starts.tolist(), ends.tolist(), strict=True)
    }
    for k in keys.tolist():
        a, b = divmod(k, width)
        other = block.get(b * width + a)
        if a < b and other is not None:
            s, e = block[k]
            yield a, b, units[s:e], units[other[0] : other[1]]


def _feasible_swaps(
    state: _State, a: int, b: int, first: IntArray, second: IntArray
) -> Iterator[tuple[int, int]]:
    """Unit pairs (x at a, y at b) whose exchange fits the residual capacity of both."""
    demand, residual = state.units.demand, state.residual
    step = max(1, SWAP_BLOCK // max(1, len(second)))
    for start in range(0, len(first), step):
        xs = first[start : start + step]
        delta = demand[xs][:, None, :] - demand[second][None, :, :]  # residual change at a
        ok = np.all(residual[a] + delta >= 0, axis=2) & np.all(residual[b] - delta >= 0, axis=2)
        for i, j in zip(*np.nonzero(ok), strict=True):
            yield int(xs[i]), int(second[j])


def _swap_gains(state: _State, x: int, y: int) -> tuple[float, float]:
    a, b = int(state.place[x]), int(state.place[y])
    at_other = state.units.scores(np.array([x, y]), np.array([b, a]))
    return (
        float(at_other[0]) - float(state.current[x]),
        float(at_other[1]) - float(state.current[y]),
    )


def _swaps(state: _State, better: IntArray, deadline: float) -> tuple[list[tuple[int, int]], bool]:
    """All improving swaps (unit at a, unit at b); False when the deadline cut the search."""
    found: list[tuple[int, int]] = []
    for a, b, first, second in _swap_blocks(state, better):
        if time.perf_counter() > deadline:
            return found, False
        found.extend(_feasible_swaps(state, a, b, first, second))
    return found, True


def _report(state: _State, limit: int, deadline: float) -> StabilityReport:
    u = state.units
    better = state.better_pairs()
    pairs, gains = _moves(state, better)
    moves = tuple(
        Move(
            households=u.members[int(u.pair_unit[p])],
            origin=_muni_id(u, int(state.place[u.pair_unit[p]])),
            target=u.munis[int(u.pair_muni[p])],
            gain=_number(float(g)),
        )
        for p, g in zip(pairs[:limit].tolist(), gains[:limit].tolist(), strict=True)
    )
    found, complete = _swaps(state, better, deadline)
    ranked = sorted(found, key=lambda xy: (-sum(_swap_gains(state, *xy)), xy))
    swaps = tuple(_swap(state, x, y) for x, y in ranked[:limit])
    return StabilityReport(moves, swaps, len(pairs), len(found), complete)


def _swap(state: _State, x: int, y: int) -> Swap:
    u = state.units
    gx, gy = _swap_gains(state, x, y)
    return Swap(
        first=u.members[x],
        second=u.members[y],
        first_from=u.munis[int(state.place[x])],
        second_from=u.munis[int(state.place[y])],
        first_gain=_number(gx),
        second_gain=_number(gy),
    )


def _muni_id(units: _Units, index: int) -> str | None:
    return None if index < 0 else units.munis[index]


def _number(value: float) -> float:
    """Gains of integer scores are reported as integers."""
    rounded = round(value)
    return int(rounded) if math.isclose(value, rounded, abs_tol=1e-9) else value


def check_stability(
    instance: Instance,
    assignment: Mapping[str, str],
    *,
    limit: int = DEFAULT_LIMIT,
    time_limit: float | None = None,
) -> StabilityReport:
    """The improving moves and swaps of a feasible ``assignment`` (household id ->
    municipality id). Raises ``ValueError`` for an infeasible one. ``time_limit`` caps the
    swap search (the report then says it is incomplete)."""
    deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
    return _report(_State(_Units(instance), assignment), limit, deadline)


# --- repair ---------------------------------------------------------------------------------


def _apply_moves(state: _State) -> int:
    """Apply improving moves, best gain first, while they still fit; returns how many."""
    applied = 0
    pairs, _gains = _moves(state, state.better_pairs())
    u = state.units
    for p in pairs.tolist():
        unit, muni = int(u.pair_unit[p]), int(u.pair_muni[p])
        if u.pair_score[p] > state.current[unit] and state.fits(unit, muni):
            state.move(unit, muni)
            applied += 1
    return applied


def _apply_swaps(state: _State, deadline: float) -> int:
    found, _complete = _swaps(state, state.better_pairs(), deadline)
    found.sort(key=lambda xy: (-sum(_swap_gains(state, *xy)), xy))
    touched: set[int] = set()
    applied = 0
    for x, y in found:
        if x in touched or y in touched:
            continue  # an earlier swap changed the capacities these two were checked against
        gx, gy = _swap_gains(state, x, y)
        a, b = int(state.place[x]), int(state.place[y])
        delta = state.units.demand[x] - state.units.demand[y]
        if (
            gx > 0
            and gy > 0
            and np.all(state.residual[a] + delta >= 0)
            and np.all(state.residual[b] - delta >= 0)
        ):
            state.move(x, b)
            state.move(y, a)
            touched.update((x, y))
            applied += 1
    return applied


def repair(
    instance: Instance,
    result: Result,
    *,
    time_limit: float = 5.0,
    limit: int = DEFAULT_LIMIT,
) -> Repair:
    """Apply improving moves, then swaps, until none is left or ``time_limit`` is spent.

    Every step raises one or two households' scores and lowers nobody's, so the total
    score only grows and the loop ends. The result keeps its method and bound; it becomes
    ``optimal`` only when its objective reaches the proven bound.
    """
    started = time.perf_counter()
    deadline = started + time_limit
    units = _Units(instance)
    state = _State(units, result.assignment)
    # The report before the repair may take a third of the budget (its swap search is the
    # slow part at national scale), so that the repair itself always gets its turn.
    before = _report(state, limit, started + time_limit / 3)
    moves = swaps = 0
    while time.perf_counter() < deadline:
        step_moves = _apply_moves(state)
        step_swaps = _apply_swaps(state, deadline)
        moves, swaps = moves + step_moves, swaps + step_swaps
        if step_moves == 0 and step_swaps == 0:
            break
    after = (
        _report(state, limit, time.perf_counter() + time_limit / 3) if moves or swaps else before
    )
    improved = _improved(instance, result, state.assignment(), time.perf_counter() - started)
    return Repair(
        improved, moves, swaps, _number(improved.objective - result.objective), before, after
    )


def _assigned_scores(instance: Instance, assignment: Mapping[str, str]) -> FloatArray:
    """The score of each placed household at its municipality (fsum of them is the objective,
    exact whatever their order)."""
    m_index = {m.id: j for j, m in enumerate(instance.municipalities)}
    h_index = {h.id: i for i, h in enumerate(instance.households)}
    households, munis, scores = pair_arrays(instance)
    width = max(1, len(m_index))
    keys = households * width + munis
    order = np.argsort(keys, kind="stable")
    wanted = np.fromiter(
        (h_index[h] * width + m_index[m] for h, m in assignment.items()), np.int64, len(assignment)
    )
    sorted_keys = keys[order]
    at = np.searchsorted(sorted_keys, wanted)
    if len(wanted) and (
        at.max(initial=0) >= len(keys) or not np.array_equal(sorted_keys[at], wanted)
    ):
        raise KeyError("a household placed where it is not compatible")
    return scores[order[at]]


def _improved(
    instance: Instance, result: Result, assignment: dict[str, str], spent: float
) -> Result:
    objective = math.fsum(_assigned_scores(instance, assignment).tolist())
    if instance.integral_scores():
        objective = int(round(objective))
    status = result.status
    if result.bound is not None and objective >= result.bound - RELATIVE_TOLERANCE * max(
        1.0, abs(result.bound)
    ):
        status = "optimal"
    return dataclasses.replace(
        result,
        status=status,
        objective=objective,
        bound=objective if status == "optimal" else result.bound,
        seconds=result.seconds + spent,
        assignment=assignment,
        utilisation=utilisation(instance, assignment),
    )


__all__ = [
    "Move",
    "Repair",
    "StabilityReport",
    "Swap",
    "check_stability",
    "repair",
]
