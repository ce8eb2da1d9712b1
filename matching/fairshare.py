"""Fair shares for municipalities: every municipality receives at least a floor of persons
where the households allow it, and what that promise costs in score.

The engine's instance format has no floors, and it stays a fixed contract, so the floor is
priced from outside (a Lagrangian price loop): the pairs of an under-served municipality get a
bonus per person placed there, the engine solves again, and the bonus rises until the floor
is met. A bonus only ever moves households towards the municipalities that need them; the
true score (without bonuses) of each variant is what is reported.

"Where the households allow it": before any bonus, each short municipality is asked how many
persons it could receive at most, with everything else of the instance kept (the households
compatible with it, its capacity in every dimension, groups travelling together). That
maximum is found by the engine itself with a bonus so large that persons there outweigh every
score; its floor is then capped there, and the report names why it could not reach more.

Competing floors (several municipalities wanting the same households) can leave the price loop
short of floors that could be met together. So where the cohort is small enough, the floors are
first solved exactly (:mod:`matching.fairshare_exact`: the fewest persons short, then the best
score); the price loop remains for rounds too large for that, or when HiGHS finds nothing in
time. Where floors cannot all be met, each municipality left short is named with the persons it
lacks, the most it could receive on its own, and why: its own households or capacity, or the
other municipalities (named) whose floors need the same households.

No Django here: the platform builds the floors and passes a solver (``engine.solve`` with the
run's time limit and method)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from matching import fairshare_exact
from matching.engine import Instance, Pair, Result
from matching.engine.result import build_result

Solver = Callable[[Instance], Result]

# Why a floor is not met (stored as codes, rendered in the reader's language by the platform).
NO_QUESTIONNAIRE = "no_questionnaire"  # takes no part in the run (no submitted questionnaire)
NO_ELIGIBLE = "no_eligible"  # no household of the cohort is compatible with it
TOO_FEW_ELIGIBLE = "too_few_eligible"  # the compatible households bring fewer persons
CAPACITY = "capacity"  # its own capacity for persons left is below the floor
CONSTRAINTS = "constraints"  # services, groups or household sizes leave fewer
COMPETING = "competing"  # reachable alone, not together with the other floors
REASONS = (NO_QUESTIONNAIRE, NO_ELIGIBLE, TOO_FEW_ELIGIBLE, CAPACITY, CONSTRAINTS, COMPETING)

# The price loop: at most this many solves after the plain one and the reachability checks.
MAX_PRICE_ROUNDS = 24


@dataclass(frozen=True)
class Floor:
    """One municipality's outcome: the floor asked, the persons in each variant and, where
    the floor is not met, the most it could receive and why."""

    municipality: str
    floor: int
    plain: int
    fair: int
    reachable: int | None = None
    reason: str = ""
    # With COMPETING: the municipalities whose floors hold households it could have had.
    competitors: tuple[str, ...] = ()

    @property
    def met(self) -> bool:
        return self.fair >= self.floor

    @property
    def short(self) -> int:
        """Persons below the floor (0 when met)."""
        return max(0, self.floor - self.fair)


@dataclass(frozen=True)
class FairShare:
    plain: Result
    fair: Result
    plain_score: float
    fair_score: float
    floors: list[Floor] = field(default_factory=list)
    solves: int = 0
    # True when the fair variant is provably the best that meets the (capped) floors: every
    # bonus is zero or its floor is met exactly (complementary slackness of the Lagrangian)
    # and every solve was optimal.
    proven: bool = False
    # True when the integer programme with the floors as constraints gave the fair variant
    # (then ``proven`` means: no assignment has fewer persons short, and none with as few
    # has a higher score).
    exact: bool = False

    @property
    def price(self) -> float:
        """Score given up for the floors (>= 0 when both solves are optimal)."""
        return self.plain_score - self.fair_score

    @property
    def unmet(self) -> list[Floor]:
        return [f for f in self.floors if not f.met]


def true_score(instance: Instance, assignment: Mapping[str, str]) -> float:
    scores = {(p.household, p.municipality): p.score for p in instance.scores}
    return float(sum(scores[pair] for pair in assignment.items()))


def persons_per_municipality(instance: Instance, assignment: Mapping[str, str]) -> dict[str, int]:
    persons = {h.id: int(h.demand.get("persons", 0)) for h in instance.households}
    placed = {m.id: 0 for m in instance.municipalities}
    for household, municipality in assignment.items():
        placed[municipality] = placed.get(municipality, 0) + persons[household]
    return placed


def with_bonus(instance: Instance, bonus: Mapping[str, float]) -> Instance:
    """The instance with ``bonus[m]`` added per person to every pair of municipality ``m``."""
    if not any(bonus.values()):
        return instance
    persons = {h.id: int(h.demand.get("persons", 0)) for h in instance.households}
    scores = tuple(
        Pair(
            p.household,
            p.municipality,
            p.score + bonus.get(p.municipality, 0) * persons[p.household],
        )
        for p in instance.scores
    )
    return replace(instance, scores=scores)


def fair_share_solve(
    instance: Instance,
    floors: Mapping[str, int],
    *,
    plain: Result,
    solve: Solver,
    exact_seconds: float = 10.0,
) -> FairShare:
    """The best assignment that gives every municipality at least ``floors[m]`` persons where
    the households allow it, next to ``plain`` (the result without floors). ``exact_seconds``
    is the time for the exact programme (0: price loop only)."""
    ids = {m.id for m in instance.municipalities}
    got = persons_per_municipality(instance, plain.assignment)
    short = {m: f for m, f in floors.items() if m in ids and f > got.get(m, 0)}
    exact = None
    if short and exact_seconds > 0 and fairshare_exact.applicable(instance, exact_seconds):
        wanted = {m: f for m, f in floors.items() if m in ids}
        exact = fairshare_exact.exact_fair(instance, wanted, time_limit=exact_seconds)
    if exact is not None and exact.optimal:
        return _exact_outcome(instance, floors, plain, exact, got, solves=2)
    outcome = _priced(instance, floors, plain, solve, got, short)
    if exact is not None and _better(instance, exact, outcome):
        return _exact_outcome(instance, floors, plain, exact, got, solves=2 + outcome.solves)
    return outcome


def _priced(instance, floors, plain, solve, got, short) -> FairShare:
    """The price loop: reachability of each short municipality, then bonuses."""
    ids = {m.id for m in instance.municipalities}
    reachable = {m: _reachable(instance, m, solve) for m in short}
    solves = len(short)
    capped = {m: min(f, reachable[m][0]) if m in short else f for m, f in floors.items()}
    fair, bonus, more = _price_loop(instance, capped, plain, solve)
    fair_got = persons_per_municipality(instance, fair.assignment)
    rows = [
        _floor_row(instance, m, f, got, fair_got, reachable.get(m), ids)
        for m, f in sorted(floors.items())
    ]
    slack = all(not bonus.get(m) or fair_got.get(m, 0) == capped[m] for m in capped)
    proofs = [plain, fair, *(r[1] for r in reachable.values())]
    proven = slack and all(r.status == "optimal" for r in proofs)
    if fair is not plain:
        # The solve that gave it scored the bonuses too: its objective, bound and status
        # describe that instance, not the variant.
        score = true_score(instance, fair.assignment)
        fair = replace(
            fair,
            objective=score,
            bound=score if proven else None,
            status="optimal" if proven else "feasible",
        )
    return FairShare(
        plain=plain,
        fair=fair,
        plain_score=true_score(instance, plain.assignment),
        fair_score=true_score(instance, fair.assignment),
        floors=rows,
        solves=solves + more,
        proven=proven,
    )


def _better(instance: Instance, exact: fairshare_exact.Exact, priced: FairShare) -> bool:
    """Fewer persons short first, then the higher score."""
    priced_short = sum(f.short for f in priced.floors if f.reason != NO_QUESTIONNAIRE)
    exact_short = sum(exact.shortfall.values())
    if exact_short != priced_short:
        return exact_short < priced_short
    return exact.score > priced.fair_score


def _exact_outcome(instance, floors, plain, exact, got, *, solves: int) -> FairShare:
    fair = exact_result(instance, exact)
    fair_got = persons_per_municipality(instance, fair.assignment)
    rows = [_exact_row(instance, m, f, got, fair_got, exact) for m, f in sorted(floors.items())]
    return FairShare(
        plain=plain,
        fair=fair,
        plain_score=true_score(instance, plain.assignment),
        fair_score=true_score(instance, fair.assignment),
        floors=rows,
        solves=solves,
        proven=exact.optimal,
        exact=True,
    )


def exact_result(instance: Instance, exact: fairshare_exact.Exact) -> Result:
    """The exact assignment as an engine result (with the places its forecast keeps)."""
    result = build_result(
        instance,
        exact.model,
        exact.chosen.tolist(),
        status="optimal" if exact.optimal else "feasible",
        bound=None,
        method="milp",
        started=time.perf_counter(),
    )
    if instance.forecast:
        result = replace(result, reserved=exact.reserved, forecast_value=exact.forecast_value)
    return result


def _exact_row(instance, m, floor, got, fair_got, exact) -> Floor:
    ids = {x.id for x in instance.municipalities}
    if m not in ids:
        return Floor(m, floor, 0, 0, 0, NO_QUESTIONNAIRE)
    plain_n, fair_n = got.get(m, 0), fair_got.get(m, 0)
    if fair_n >= floor:
        return Floor(m, floor, plain_n, fair_n)
    most = fairshare_exact.most_alone(instance, m)
    reason = _why(instance, m, floor, most)
    rivals: tuple[str, ...] = ()
    if reason == COMPETING:
        rivals = _competitors(instance, m, set(exact.floored), exact.assignment)
    return Floor(m, floor, plain_n, fair_n, most, reason, rivals)


def _competitors(
    instance: Instance, municipality: str, floored: set[str], assignment: Mapping[str, str]
) -> tuple[str, ...]:
    """Municipalities with a floor that hold households compatible with ``municipality``."""
    compatible = {p.household for p in instance.scores if p.municipality == municipality}
    return tuple(
        sorted(
            {
                assignment[h]
                for h in compatible
                if h in assignment and assignment[h] != municipality and assignment[h] in floored
            }
        )
    )


def _reachable(instance: Instance, municipality: str, solve: Solver) -> tuple[int, Result]:
    """The most persons ``municipality`` can receive with everything else of the instance
    kept: a bonus per person there larger than every score together."""
    big = sum(p.score for p in instance.scores) + 1.0
    result = solve(with_bonus(instance, {municipality: big}))
    return persons_per_municipality(instance, result.assignment).get(municipality, 0), result


def _price_loop(
    instance: Instance, floors: Mapping[str, int], plain: Result, solve: Solver
) -> tuple[Result, dict[str, float], int]:
    """Raise the bonus of every municipality below its floor (doubling) until all floors are
    met; then bisect each bonus back towards the last one that fell short, since an
    overshooting bonus moves more households than needed. Returns the best floor-meeting
    result found by true score (``plain`` when it meets them already), the bonuses that gave
    it, and how many solves it took."""
    scores = sorted(p.score for p in instance.scores)
    step = max(scores[len(scores) // 2] / 8, 1.0) if scores else 1.0
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    bonus: dict[str, float] = {}
    best: tuple[float, Result, dict[str, float]] | None = None
    current, solves = plain, 0
    while True:
        got = persons_per_municipality(instance, current.assignment)
        short = {m for m, f in floors.items() if got.get(m, 0) < f}
        if not short:
            score = true_score(instance, current.assignment)
            if best is None or score > best[0]:
                best = (score, current, dict(bonus))
            if not bonus:  # met without any bonus
                break
            high = dict(bonus)
        elif not high:  # still raising
            for m in short:
                low[m] = bonus.get(m, 0.0)
                bonus[m] = 2 * bonus[m] if bonus.get(m) else step
        else:  # bisecting: the short ones need more, the others could do with less
            for m in bonus:
                (low if m in short else high)[m] = bonus[m]
        if high:
            bonus = {m: (low.get(m, 0.0) + b) / 2 for m, b in high.items()}
            if all(high[m] - low.get(m, 0.0) <= max(1e-3 * high[m], 0.5) for m in high):
                break
        if solves >= MAX_PRICE_ROUNDS:
            break
        current, solves = solve(with_bonus(instance, bonus)), solves + 1
    if best is None:
        return current, bonus, solves
    return best[1], best[2], solves


def _floor_row(instance, m, floor, got, fair_got, reach, ids) -> Floor:
    plain_n, fair_n = got.get(m, 0), fair_got.get(m, 0)
    if m not in ids:
        return Floor(m, floor, 0, 0, 0, NO_QUESTIONNAIRE)
    if fair_n >= floor:
        return Floor(m, floor, plain_n, fair_n)
    most = reach[0] if reach else fair_n
    return Floor(m, floor, plain_n, fair_n, most, _why(instance, m, floor, most))


def _why(instance: Instance, municipality: str, floor: int, reachable: int) -> str:
    if reachable >= floor:
        return COMPETING
    persons = {h.id: int(h.demand.get("persons", 0)) for h in instance.households}
    eligible = [p.household for p in instance.scores if p.municipality == municipality]
    if not eligible:
        return NO_ELIGIBLE
    if sum(persons[h] for h in eligible) < floor:
        return TOO_FEW_ELIGIBLE
    capacity = next(m.capacity for m in instance.municipalities if m.id == municipality)
    if int(capacity.get("persons", 0)) < floor:
        return CAPACITY
    return CONSTRAINTS
