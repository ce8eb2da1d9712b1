"""The forecast of a programme cohort: who is still expected after this cohort.

Built from what the platform knows, as the engine's ``forecast`` entries (see
``shared/matching-instance.md``):

* households already entered into a later cohort of the programme (registered, not yet
  ready for this one): known exactly, one entry each with weight 1;
* the households of this and the earlier cohorts as samples of who comes, each weighted so
  that all samples together stand for the coordinator's expected size of the later cohorts
  minus the households already known (a later cohort without an expected size counts as the
  average size of the cohorts so far).

Entries carry only demands and scores under ids of their own (``F00001``…), no names."""

from __future__ import annotations

from typing import Any

from matching import scoring
from matching.services.instance import (
    CANDIDATES_PER_HOUSEHOLD,
    RoundData,
    load_round,
    programme_offers,
)
from rounds.models import Round


def _later_households(round_: Round, later: list[Round], current: set[int]) -> list[int]:
    from refugees.models import HouseholdStatus, RoundHousehold

    placed = programme_offers(round_.programme_id or 0).values("household_id")
    rows = (
        RoundHousehold.objects.filter(round__in=later)
        .exclude(household_id__in=placed)
        .exclude(household__status=HouseholdStatus.WITHDRAWN)
        .values_list("household_id", flat=True)
        .distinct()
    )
    return sorted(set(rows) - current)


def _seen_households(round_: Round) -> tuple[list[int], list[int]]:
    """Households of this and the earlier cohorts, and the size of each of those cohorts."""
    from refugees.models import RoundHousehold

    cohorts = [*round_.earlier_cohorts(), round_]
    rows = RoundHousehold.objects.filter(round__in=cohorts).values_list("round_id", "household_id")
    sizes: dict[int, int] = {c.pk: 0 for c in cohorts}
    seen: set[int] = set()
    for round_id, household_id in rows:
        if household_id not in seen:  # a carried-over household counts once, where it came
            sizes[round_id] += 1
            seen.add(household_id)
    return sorted(seen), [n for n in sizes.values() if n]


def expected_later(later: list[Round], sizes_so_far: list[int]) -> tuple[int, bool]:
    """Households expected in the later cohorts, and whether a size had to be assumed."""
    average = round(sum(sizes_so_far) / len(sizes_so_far)) if sizes_so_far else 0
    assumed = any(c.expected_households is None for c in later)
    total = sum(
        c.expected_households if c.expected_households is not None else average for c in later
    )
    return total, assumed


def programme_forecast(
    round_: Round, data: RoundData, weights: dict[str, float]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The forecast entries for a cohort's run, and a summary (counts only) for its page."""
    later = list(round_.later_cohorts())
    if not later:
        return [], {}
    known = _later_households(round_, later, set(data.household_pks))
    seen, sizes = _seen_households(round_)
    seen = [pk for pk in seen if pk not in set(known)]
    expected, assumed = expected_later(later, sizes)
    weight = max(expected - len(known), 0) / len(seen) if seen else 0.0
    entries = _entries(round_, known, seen, weight, weights)
    summary = {
        "cohorts": len(later),
        "expected": expected,
        "assumed_size": assumed,
        "known": len(known),
        "samples": len(seen) if weight > 0 else 0,
        "sample_weight": round(weight, 4),
        "entries": len(entries),
    }
    return entries, summary


def _entries(
    round_: Round, known: list[int], seen: list[int], weight: float, weights: dict[str, float]
) -> list[dict[str, Any]]:
    pks = known + (seen if weight > 0 else [])
    if not pks:
        return []
    data = load_round(round_, household_pks=pks)
    hh, mu = data.households, data.municipalities
    candidates = CANDIDATES_PER_HOUSEHOLD if len(mu) > CANDIDATES_PER_HOUSEHOLD else None
    scored = scoring.score_round(
        hh, mu, weights=weights, bans=set(), pins={}, candidates=candidates
    )
    scores: dict[int, dict[str, int]] = {}
    for h, m, s in zip(
        scored.household.tolist(), scored.municipality.tolist(), scored.score.tolist(), strict=True
    ):
        scores.setdefault(h, {})[mu.ids[m]] = int(s)
    entries: list[dict[str, Any]] = []
    for i in range(len(pks)):
        if i in scores:
            entries.append(
                {
                    "id": f"F{len(entries) + 1:05d}",
                    "demand": {
                        d: int(v)
                        for d, v in zip(scoring.DIMENSIONS, hh.demand[i].tolist(), strict=True)
                        if v
                    },
                    "weight": 1.0 if i < len(known) else weight,
                    "scores": scores[i],
                }
            )
    return entries


def kept_for_later(
    instance: Any, result: Any, time_limit: float, alone: Any | None = None
) -> dict[str, Any]:
    """What the forecast changed: the cohort solved again without it (or ``alone``, that
    solve made by the caller: the fair variant passes its own, with the same floors), and per
    municipality and dimension the places that cohort alone would have taken but are now left
    free (at most what the forecast reserves there). Also the score this cohort gives up for
    them."""
    from dataclasses import replace

    from matching import engine

    plain = alone or engine.solve(replace(instance, forecast=()), time_limit=time_limit)
    reserved = result.reserved or {}
    kept: dict[str, dict[str, int]] = {}
    for municipality, dims in plain.utilisation.items():
        for dim, use in dims.items():
            freed = use.used - result.utilisation[municipality][dim].used
            amount = min(freed, int(reserved.get(municipality, {}).get(dim, 0) + 0.5))
            if amount > 0:
                kept.setdefault(municipality, {})[dim] = amount
    return {
        "kept": kept,
        "plain_objective": plain.objective,
        "plain_matched": len(plain.assignment),
        "forecast_value": result.forecast_value,
    }
