"""The public criteria catalogue, read from the scoring model itself.

Which hard constraints exist, which criteria there are, which household weight scales each one
and what it weighs by default all come from :mod:`matching.scoring` at request time; this module
only adds the words that explain each code in the reader's language. A code without words is
still listed (a test makes sure none is missing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from matching import scoring
from matching.explain import CRITERION_LABELS
from matching.models import Run, RunStatus

HARD_CONSTRAINT_TEXTS: dict[str, tuple[Promise, Promise]] = {
    "excluded_state": (
        _("Federal states the household excluded"),
        _("A household is never proposed to a municipality in a federal state it excluded."),
    ),
    "specialist_care": (
        _("Specialist care within reach"),
        _(
            "If someone in the household needs specialist care (for example dialysis), the "
            "municipality must be able to reach it."
        ),
    ),
    "unit_size": (
        _("Housing large enough for the whole household"),
        _(
            "Where a municipality lists only individual flats, one of them must have enough "
            "beds for the whole household: households are never split up."
        ),
    ),
    "pets": (
        _("Pets"),
        _("A household with pets is only proposed where the housing allows pets."),
    ),
    "capacity": (
        _("Enough places"),
        _(
            "The municipality must have enough places in total for what the household needs: "
            "beds, school and Kita places, accessible housing, psychotherapy places."
        ),
    ),
}

CRITERION_TEXTS: dict[str, Promise] = {
    "relatives": _(
        "Relatives or friends live in the municipality (full value) or in the same federal "
        "state (half)."
    ),
    "settlement": _("The municipality is of a settlement type the household wished for."),
    "state": _("The municipality lies in a federal state the household wished for."),
    "labour": _(
        "Share of the working-age members whose occupation the municipality reports as in demand."
    ),
    "language_course": _("Language course places are available, the sooner the better."),
    "medical": _(
        "Availability of general practitioners (and paediatricians for families with "
        "children); with a need for psychotherapy, whether places exist."
    ),
    "community": _("A Ukrainian community and migrant organisations on site."),
    "education": _("For families with children: school and Kita places to spare."),
    "housing": _("The housing fits the size of the household."),
}

HOUSEHOLD_WEIGHT_LABELS: dict[str, Promise] = {
    "housing": _("Housing"),
    "work": _("Work"),
    "education": _("Education"),
    "medical": _("Medical care"),
    "community": _("Community"),
    "city_size": _("Size of the place"),
}

PUBLISHED_ROUNDS_SHOWN = 6


@dataclass(frozen=True)
class Entry:
    code: str
    label: str
    text: str
    household_weight: str = ""
    default_weight: int = 0


def hard_constraints() -> list[Entry]:
    entries = []
    for code in scoring.HARD_CONSTRAINTS:
        label, text = HARD_CONSTRAINT_TEXTS.get(code, (code, ""))
        entries.append(Entry(code=code, label=str(label), text=str(text)))
    return entries


def criteria() -> list[Entry]:
    return [
        Entry(
            code=code,
            label=str(CRITERION_LABELS.get(code, code)),
            text=str(CRITERION_TEXTS.get(code, "")),
            household_weight=str(HOUSEHOLD_WEIGHT_LABELS.get(factor, factor)),
            default_weight=default,
        )
        for code, (factor, default) in scoring.CRITERIA.items()
    ]


def published_round_weights() -> list[dict[str, Any]]:
    """The weights each round used in its latest published run, newest rounds first."""
    runs = (
        Run.objects.filter(published_at__isnull=False, status=RunStatus.SUCCEEDED)
        .select_related("round")
        .order_by("round_id", "-published_at")
    )
    latest: dict[int, Run] = {}
    for run in runs:
        latest.setdefault(run.round_id, run)
    rounds = sorted(latest.values(), key=lambda r: r.round.created_at, reverse=True)
    result = []
    for run in rounds[:PUBLISHED_ROUNDS_SHOWN]:
        weights = scoring.normalised_weights(run.weights)
        result.append({"round": run.round, "weights": [int(weights[c]) for c in scoring.CRITERIA]})
    return result


def catalogue() -> dict[str, Any]:
    entries, rounds = criteria(), published_round_weights()
    return {
        "hard_constraints": hard_constraints(),
        "criteria": entries,
        "rounds": rounds,
        "weight_rows": [
            {"entry": entry, "weights": [r["weights"][i] for r in rounds]}
            for i, entry in enumerate(entries)
        ],
        "base_score": scoring.BASE_SCORE,
        "neutral_weight": int(scoring.NEUTRAL_HOUSEHOLD_WEIGHT),
        "max_round_weight": scoring.MAX_ROUND_WEIGHT,
    }
