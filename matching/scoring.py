"""Household x municipality compatibility: hard constraints, weighted criteria, explanations.

Pure numpy on two column tables (no Django here; :mod:`matching.services.instance` fills the
tables from the database). Every criterion is a function of index arrays ``(h, m)`` and returns
a value in [0, 1] per pair. The arrays broadcast: a column of households against a row of
municipalities scores a dense chunk of a round at once, and two flat arrays explain the few
pairs that were chosen, with the same code. See docs/scoring.md for the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DIMENSIONS = ("persons", "school", "kita", "accessible", "psychotherapy")
# Dimensions derived from health needs: encrypted where stored, dropped on erasure.
HEALTH_DIMENSIONS = ("accessible", "psychotherapy")
HOUSEHOLD_WEIGHTS = ("housing", "work", "education", "medical", "community", "city_size")
NEUTRAL_HOUSEHOLD_WEIGHT = 3.0  # the household weights run 0-5; 3 leaves a criterion unchanged
BASE_SCORE = 100  # every compatible pair is worth placing; criteria add to it

# criterion -> (household weight it is scaled by, default round weight in points)
CRITERIA: dict[str, tuple[str, int]] = {
    "relatives": ("community", 40),
    "settlement": ("city_size", 20),
    "state": ("community", 15),
    "labour": ("work", 25),
    "language_course": ("work", 10),
    "medical": ("medical", 20),
    "community": ("community", 15),
    "education": ("education", 25),
    "housing": ("housing", 20),
}
DEFAULT_WEIGHTS: dict[str, float] = {code: default for code, (_, default) in CRITERIA.items()}
MAX_ROUND_WEIGHT = 100
COURSE_WAIT_HORIZON_WEEKS = 26.0


@dataclass
class Households:
    ids: list[str]
    demand: IntArray  # (H, 5) in DIMENSIONS order
    state_wished: BoolArray  # (H, states)
    state_excluded: BoolArray  # (H, states)
    settlement_wished: BoolArray  # (H, settlement types)
    specialist_needed: BoolArray  # (H, specialist care kinds)
    has_pets: BoolArray  # (H,)
    workers_by_sector: FloatArray  # (H, sectors): working-age members per sector
    workers: FloatArray  # (H,) working-age members
    weights: FloatArray  # (H, 6) in HOUSEHOLD_WEIGHTS order, 0-5
    relative_municipality: set[tuple[int, int]] = field(default_factory=set)  # (h, m)
    relative_state: set[tuple[int, int]] = field(default_factory=set)  # (h, state)
    group: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Municipalities:
    ids: list[str]
    state: IntArray  # (M,) state index
    settlement: IntArray  # (M,) settlement type index
    capacity: IntArray  # (M, 5)
    specialist_reachable: BoolArray  # (M, kinds)
    largest_unit: IntArray  # (M,) beds of the largest unit; -1 when no units are listed
    aggregate_places: IntArray  # (M,)
    pet_friendly: BoolArray  # (M,)
    sectors_in_demand: BoolArray  # (M, sectors)
    course_seats: IntArray  # (M,)
    course_wait_weeks: FloatArray  # (M,)
    gp: FloatArray  # (M,) 0-1
    paediatrics: FloatArray  # (M,) 0-1
    community: FloatArray  # (M,) 0-1
    unit_fit: FloatArray  # (M, 9): housing fit for a household of 0..8 persons

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Scored:
    """Compatible pairs and their integer scores, households in order."""

    household: IntArray
    municipality: IntArray
    score: IntArray
    compatible_count: IntArray  # (H,) before pruning to the best candidates


# --- hard constraints -----------------------------------------------------------------------


def compatible(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> BoolArray:
    """Pairs that no hard constraint excludes."""
    ok = np.ones(np.broadcast_shapes(h.shape, m.shape), dtype=bool)
    for constraint in HARD_CONSTRAINTS.values():
        ok &= constraint(h, m, hh, mu)
    return ok


def _state_not_excluded(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> BoolArray:
    return ~hh.state_excluded[h, mu.state[m]]


def _specialist_care_reachable(
    h: IntArray, m: IntArray, hh: Households, mu: Municipalities
) -> BoolArray:
    # Every specialist care the household needs must be reachable from the municipality.
    reachable: BoolArray = _per_pair(h, m, hh.specialist_needed, ~mu.specialist_reachable) == 0
    return reachable


def _unit_large_enough(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> BoolArray:
    # Where only units are listed, one of them must hold the whole household.
    persons = hh.demand[h, 0]
    units_only = (mu.largest_unit[m] >= 0) & (mu.aggregate_places[m] == 0)
    fits: BoolArray = ~units_only | (persons <= mu.largest_unit[m])
    return fits


def _pets_allowed(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> BoolArray:
    return ~(hh.has_pets[h] & ~mu.pet_friendly[m])


def _capacity_sufficient(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> BoolArray:
    # A demand larger than the whole capacity can never be met there.
    ok = np.ones(np.broadcast_shapes(h.shape, m.shape), dtype=bool)
    for d in range(hh.demand.shape[1]):
        ok &= hh.demand[h, d] <= mu.capacity[m, d]
    return ok


# The hard constraints, in the order the public criteria catalogue lists them. The catalogue
# (portal) and ``compatible`` both read this table, so a constraint is never described without
# being applied, nor applied without being described.
HARD_CONSTRAINTS: dict[
    str, Callable[[IntArray, IntArray, Households, Municipalities], BoolArray]
] = {
    "excluded_state": _state_not_excluded,
    "specialist_care": _specialist_care_reachable,
    "unit_size": _unit_large_enough,
    "pets": _pets_allowed,
    "capacity": _capacity_sufficient,
}


# --- criteria: each returns a value in [0, 1] per pair ------------------------------------


def _relatives(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> FloatArray:
    here = _flags(h, m, hh.relative_municipality, len(mu))
    near = _flags(h, mu.state[m], hh.relative_state, STATE_SLOTS)
    return np.where(here, 1.0, np.where(near, 0.5, 0.0))


STATE_SLOTS = 64  # more than the 16 federal states; a fixed width keeps pair keys simple


def _flags(h: IntArray, columns: IntArray, pairs: set[tuple[int, int]], width: int) -> BoolArray:
    """Whether each (household, column) is one of ``pairs``. For a dense chunk (households as a
    contiguous column vector) a scatter into a small table beats a set lookup per pair."""
    shape = np.broadcast_shapes(h.shape, np.shape(columns))
    if not pairs:
        return np.zeros(shape, dtype=bool)
    known = np.array(sorted(pairs), dtype=np.int64)
    if h.ndim == 2:
        first, last = int(h[0, 0]), int(h[-1, 0])
        inside = (known[:, 0] >= first) & (known[:, 0] <= last)
        table = np.zeros((last - first + 1, width), dtype=bool)
        table[known[inside, 0] - first, known[inside, 1]] = True
        return np.broadcast_to(table[:, np.ravel(columns)], shape)
    return np.isin(h * width + columns, known[:, 0] * width + known[:, 1])


def _settlement(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> FloatArray:
    return hh.settlement_wished[h, mu.settlement[m]].astype(float)


def _state(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> FloatArray:
    return hh.state_wished[h, mu.state[m]].astype(float)


def _per_pair(
    h: IntArray,
    m: IntArray,
    household_rows: npt.NDArray[Any],
    municipality_rows: npt.NDArray[Any],
) -> FloatArray:
    """Row-by-row dot products for pairs, via one small matrix product instead of gathering a
    (pairs x columns) array (37 sectors x 16M pairs)."""
    if h.ndim == 2:  # a dense chunk: households (H, 1) against municipalities (1, M)
        rows = household_rows[h[:, 0]].astype(float)
        return np.asarray(rows @ municipality_rows[m[0]].T.astype(float), dtype=np.float64)
    if len(h) == 0:
        return np.zeros(0)
    households, inverse = np.unique(h, return_inverse=True)
    if len(households) * len(municipality_rows) > 4 * len(h):  # few pairs per household
        # The rows hold counts and flags: their dot products are exact in any order.
        pairs = household_rows[h].astype(float) * municipality_rows[m].astype(float)
        return np.asarray(pairs.sum(axis=1), dtype=np.float64)
    products = household_rows[households].astype(float) @ municipality_rows.T.astype(float)
    return np.asarray(products[inverse, m], dtype=np.float64)


def _labour(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> FloatArray:
    in_demand = _per_pair(h, m, hh.workers_by_sector, mu.sectors_in_demand)
    workers = hh.workers[h]
    return np.where(workers > 0, in_demand / np.maximum(workers, 1), 0.0)


def _language_course(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> FloatArray:
    soon = np.clip(1.0 - mu.course_wait_weeks[m] / COURSE_WAIT_HORIZON_WEEKS, 0.0, 1.0)
    return np.where(mu.course_seats[m] > 0, soon, 0.0)


def _medical(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> FloatArray:
    children = (hh.demand[h, 1] + hh.demand[h, 2]) > 0
    primary = np.where(children, (mu.gp[m] + mu.paediatrics[m]) / 2, mu.gp[m])
    needs_therapy = hh.demand[h, 4] > 0
    therapy = (mu.capacity[m, 4] > 0).astype(float)
    return np.where(needs_therapy, (primary + therapy) / 2, primary)


def _community(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> FloatArray:
    return mu.community[m].astype(float)


def _education(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> FloatArray:
    school, kita = hh.demand[h, 1], hh.demand[h, 2]
    children = school + kita
    # Spare places beyond the household's own need make a good start more likely.
    school_fit = np.minimum(1.0, mu.capacity[m, 1] / np.maximum(1, 3 * school))
    kita_fit = np.minimum(1.0, mu.capacity[m, 2] / np.maximum(1, 3 * kita))
    mixed = (school * school_fit + kita * kita_fit) / np.maximum(1, children)
    return np.where(children > 0, mixed, 0.0)


def _housing(h: IntArray, m: IntArray, hh: Households, mu: Municipalities) -> FloatArray:
    persons = np.minimum(hh.demand[h, 0], mu.unit_fit.shape[1] - 1)
    return np.asarray(mu.unit_fit[m, persons], dtype=np.float64)


CRITERION_FUNCTIONS: dict[str, Callable[..., FloatArray]] = {
    "relatives": _relatives,
    "settlement": _settlement,
    "state": _state,
    "labour": _labour,
    "language_course": _language_course,
    "medical": _medical,
    "community": _community,
    "education": _education,
    "housing": _housing,
}


def normalised_weights(round_weights: dict[str, float] | None) -> dict[str, float]:
    """The round's weights for every criterion (defaults for missing ones), clipped to range."""
    weights = {code: float(default) for code, (_, default) in CRITERIA.items()}
    for code, value in (round_weights or {}).items():
        if code in weights:
            weights[code] = float(min(max(value, 0), MAX_ROUND_WEIGHT))
    return weights


def criterion_points(
    h: IntArray, m: IntArray, hh: Households, mu: Municipalities, weights: dict[str, float]
) -> dict[str, FloatArray]:
    """Points per criterion per pair: round weight x household weight factor x value."""
    points = {}
    for code, function in CRITERION_FUNCTIONS.items():
        category = HOUSEHOLD_WEIGHTS.index(CRITERIA[code][0])
        factor = hh.weights[h, category] / NEUTRAL_HOUSEHOLD_WEIGHT
        points[code] = weights[code] * factor * function(h, m, hh, mu)
    return points


def pair_scores(
    h: IntArray, m: IntArray, hh: Households, mu: Municipalities, weights: dict[str, float]
) -> IntArray:
    total = np.zeros(np.broadcast_shapes(h.shape, m.shape))
    for points in criterion_points(h, m, hh, mu, weights).values():
        total += points
    return np.rint(BASE_SCORE + total).astype(np.int64)


# The household columns each rule reads. Households that agree on a rule's columns are alike
# for it, so ``score_round`` evaluates the rule once per distinct combination of them (a few
# dozen at national scale) against every municipality and copies the rows out for each chunk:
# the same functions and the same numbers as evaluating every pair, a third of the work. A rule
# that comes to read another column must name it here; the test that scores random households
# both ways (tests/matching/test_scoring_tables.py) fails until it does.
READS: dict[str, tuple[str, ...]] = {
    "excluded_state": ("state_excluded",),
    "specialist_care": ("specialist_needed",),
    "unit_size": ("demand",),
    "pets": ("has_pets",),
    "capacity": ("demand",),
    "relatives": ("relative_municipality", "relative_state"),
    "settlement": ("settlement_wished",),
    "state": ("state_wished",),
    "labour": ("workers_by_sector", "workers"),
    "language_course": (),
    "medical": ("demand",),
    "community": (),
    "education": ("demand",),
    "housing": ("demand",),
}
# Pairs per chunk of a round: small enough that a chunk's columns stay in the processor's
# cache (a million pairs were 8 MB per column and twice as slow), large enough that numpy's
# per-call cost does not count.
CHUNK_PAIRS = 1 << 17


def _chunks(n_households: int, n_municipalities: int) -> Iterator[tuple[int, int]]:
    step = max(1, CHUNK_PAIRS // max(1, n_municipalities))
    for start in range(0, n_households, step):
        yield start, min(n_households, start + step)


def score_round(
    hh: Households,
    mu: Municipalities,
    *,
    weights: dict[str, float] | None = None,
    bans: set[tuple[int, int]] | None = None,
    pins: dict[int, int] | None = None,
    candidates: int | None = None,
) -> Scored:
    """Score every compatible pair; keep at most ``candidates`` best municipalities per
    household (None keeps all). A pin makes the pinned municipality the only candidate.
    The same scores as ``compatible`` and ``pair_scores`` on every pair (see READS)."""
    weights = normalised_weights(weights)
    parts: list[tuple[IntArray, IntArray, IntArray]] = []
    counts = np.zeros(len(hh), dtype=np.int64)
    n = len(mu)
    if len(hh) and n:
        tables = _RuleTables(hh, mu)
        allowed = _RulesMask(n, bans, pins)
        for start, stop in _chunks(len(hh), n):
            keep = tables.compatible(start, stop) & allowed(start, stop)
            scores = tables.scores(start, stop, weights)
            counts[start:stop] = keep.sum(axis=1)
            if candidates is not None and candidates < n:
                keep &= _best_per_row(scores, keep, candidates)
            local, m = np.nonzero(keep)
            parts.append((local.astype(np.int64) + start, m.astype(np.int64), scores[keep]))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Scored(household=empty, municipality=empty, score=empty, compatible_count=counts)
    h, m, s = (np.concatenate([p[k] for p in parts]) for k in range(3))
    return Scored(household=h, municipality=m, score=s, compatible_count=counts)


class _RuleTables:
    """Every rule evaluated once per class of households (READS) against every municipality;
    a chunk of households gets its rows by class."""

    def __init__(self, hh: Households, mu: Municipalities) -> None:
        self.hh = hh
        self.n = len(mu)
        classes: dict[tuple[str, ...], tuple[IntArray, IntArray]] = {}
        self.tables: dict[str, tuple[IntArray, npt.NDArray[Any]]] = {}
        rules: dict[str, Callable[..., npt.NDArray[Any]]] = {
            **HARD_CONSTRAINTS,
            **CRITERION_FUNCTIONS,
        }
        for code, rule in rules.items():
            columns = READS[code]
            if columns not in classes:
                classes[columns] = _classes(hh, columns)
            of, representatives = classes[columns]
            table = _rule_table(rule, representatives, hh, mu)
            if code in CRITERION_FUNCTIONS:
                table = table.astype(np.float64, copy=False)
            self.tables[code] = (of, table)

    def compatible(self, start: int, stop: int) -> BoolArray:
        ok = np.ones((stop - start, self.n), dtype=bool)
        for code in HARD_CONSTRAINTS:
            of, table = self.tables[code]
            ok &= table[of[start:stop]]
        return ok

    def scores(self, start: int, stop: int, weights: dict[str, float]) -> IntArray:
        """``pair_scores`` of the chunk, criterion by criterion in the same order."""
        rows = np.arange(start, stop, dtype=np.int64)[:, None]
        total = np.zeros((stop - start, self.n))
        points = np.empty_like(total)
        for code in CRITERION_FUNCTIONS:
            category = HOUSEHOLD_WEIGHTS.index(CRITERIA[code][0])
            factor = self.hh.weights[rows, category] / NEUTRAL_HOUSEHOLD_WEIGHT
            of, table = self.tables[code]
            np.take(table, of[start:stop], axis=0, out=points)
            np.multiply(weights[code] * factor, points, out=points)
            total += points
        return np.rint(BASE_SCORE + total).astype(np.int64)


def _classes(hh: Households, columns: tuple[str, ...]) -> tuple[IntArray, IntArray]:
    """Each household's class by the values of ``columns``, and one household of each class."""
    n = len(hh)
    parts = [np.zeros((n, 1))]
    for name in columns:
        value = getattr(hh, name)
        if isinstance(value, set):  # (household, column) pairs: the household's own tuple
            parts.append(_set_classes(value, n)[:, None].astype(np.float64))
        else:
            parts.append(np.asarray(value, dtype=np.float64).reshape(n, -1))
    key = np.ascontiguousarray(np.concatenate(parts, axis=1))
    rows = key.view(np.dtype((np.void, key.dtype.itemsize * key.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    return inverse.reshape(n).astype(np.int64), first.astype(np.int64)


def _set_classes(pairs: set[tuple[int, int]], n: int) -> IntArray:
    by_household: dict[int, list[int]] = {}
    for h, column in sorted(pairs):
        by_household.setdefault(h, []).append(column)
    known: dict[tuple[int, ...], int] = {(): 0}
    of = np.zeros(n, dtype=np.int64)
    for h, columns in by_household.items():
        of[h] = known.setdefault(tuple(columns), len(known))
    return of


def _rule_table(
    rule: Callable[..., npt.NDArray[Any]],
    households: IntArray,
    hh: Households,
    mu: Municipalities,
) -> npt.NDArray[Any]:
    """``rule`` for ``households`` x every municipality, as flat pairs (the path ``explain``
    takes), a block of households at a time."""
    n = len(mu)
    step = max(1, 1_000_000 // n)
    blocks = []
    for start in range(0, len(households), step):
        block = households[start : start + step]
        h = np.repeat(block, n)
        m = np.tile(np.arange(n, dtype=np.int64), len(block))
        blocks.append(np.broadcast_to(rule(h, m, hh, mu), h.shape).reshape(len(block), n))
    return np.concatenate(blocks)


class _RulesMask:
    """``_rules_allow`` for chunks of consecutive households, the rules sorted once."""

    def __init__(
        self, n: int, bans: set[tuple[int, int]] | None, pins: dict[int, int] | None
    ) -> None:
        self.n = n
        self.bans = _pair_keys(bans or set(), n)
        self.pinned = np.array(sorted((pins or {}).keys()), dtype=np.int64)
        self.pin_pairs = _pair_keys(set((pins or {}).items()), n)

    def __call__(self, start: int, stop: int) -> BoolArray:
        allow = np.ones((stop - start, self.n), dtype=bool)
        if len(self.bans):
            allow &= ~self._mask(self.bans, start, stop)
        if len(self.pinned):
            pinned = np.isin(np.arange(start, stop), self.pinned)[:, None]
            allow &= ~pinned | self._mask(self.pin_pairs, start, stop)
        return allow

    def _mask(self, keys: IntArray, start: int, stop: int) -> BoolArray:
        lo, hi = np.searchsorted(keys, [start * self.n, stop * self.n])
        mask = np.zeros((stop - start) * self.n, dtype=bool)
        mask[keys[lo:hi] - start * self.n] = True
        return mask.reshape(stop - start, self.n)


def _pair_keys(pairs: set[tuple[int, int]], n: int) -> IntArray:
    if not pairs:
        return np.zeros(0, dtype=np.int64)
    known = np.array(sorted(pairs), dtype=np.int64)
    return np.unique(known[:, 0] * n + known[:, 1])


def _best_per_row(scores: IntArray, keep: BoolArray, candidates: int) -> BoolArray:
    """The ``candidates`` best compatible municipalities of each household. Ties go to the
    lower municipality index, so the choice is deterministic."""
    n = scores.shape[1]
    key = np.where(keep, scores * (n + 1) + (n - np.arange(n)), -1)
    top = np.argpartition(-key, candidates - 1, axis=1)[:, :candidates]
    best = np.zeros_like(keep)
    np.put_along_axis(best, top, True, axis=1)
    return best


def explain(
    h: IntArray, m: IntArray, hh: Households, mu: Municipalities, weights: dict[str, float] | None
) -> list[list[dict[str, object]]]:
    """Per pair, the criteria that contributed points, largest first (params filled by the
    caller, which knows names)."""
    if not len(h):
        return []
    points = criterion_points(h, m, hh, mu, normalised_weights(weights))
    codes = list(points)
    columns = [np.broadcast_to(points[code], (len(h),)) for code in codes]
    # np.rint rounds half to even, as round() does
    whole = np.rint(np.stack(columns, axis=1)).astype(np.int64)
    rows: list[list[dict[str, object]]] = []
    for values in whole.tolist():
        # largest first; equal points keep the order of CRITERIA (a stable sort)
        order = sorted((-v, k) for k, v in enumerate(values) if v > 0)
        rows.append([{"criterion": codes[k], "points": -v} for v, k in order])
    return rows
