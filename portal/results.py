"""Published results of closed rounds: aggregate figures only, computed by the evaluation
services, with small counts suppressed.

No figure rests on fewer than :data:`THRESHOLD` people: a count below it is not shown; a share
needs a base of at least the threshold, and where its hits or its misses are fewer than the
threshold it is published only as a bound, so no small count can be worked out from a
percentage. Means need as many answers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheets import csv_bytes
from evaluation.models import HOUSEHOLD_WAVES, SurveyKind, Wave
from evaluation.services.data import load_frame
from evaluation.services.metrics import offer_statistics, round_metrics
from evaluation.services.surveys import survey_results
from rounds.models import Round, RoundStatus

THRESHOLD = 5
CACHE_SECONDS = 15 * 60  # a closed round changes only as survey answers come in
SURVEY_QUESTION = "good_decision"
AGREE = ("4", "5")  # the upper two points of the 1-5 scale


@dataclass(frozen=True)
class Figure:
    """A published number, or the fact that it is withheld. A share whose hits or misses are
    too few to publish is given as a bound instead ("more than 75 %"), which stays true without
    revealing the small count."""

    value: float | int | None
    kind: str  # "count", "share" or "mean"
    above: int | None = None  # whole percent: the share is more than this
    below: int | None = None  # whole percent: the share is less than this

    @property
    def suppressed(self) -> bool:
        return self.value is None


def count(n: int) -> Figure:
    return Figure(n if n >= THRESHOLD else None, "count")


def _small(n: int) -> bool:
    return 0 < n < THRESHOLD


def share(hits: int, base: int) -> Figure:
    misses = base - hits
    if base < THRESHOLD or (_small(hits) and _small(misses)):
        return Figure(None, "share")
    if _small(misses):  # fewer than THRESHOLD misses: hits > base - THRESHOLD
        return Figure(None, "share", above=math.floor(100 * (base - THRESHOLD) / base))
    if _small(hits):  # hits < THRESHOLD
        return Figure(None, "share", below=math.ceil(100 * THRESHOLD / base))
    return Figure(hits / base, "share")


def mean(value: float | None, answers: int) -> Figure:
    return Figure(value if value is not None and answers >= THRESHOLD else None, "mean")


@dataclass
class SurveyWave:
    wave: int
    answers: Figure
    agree: Figure
    mean: Figure

    @property
    def label(self) -> str:
        return str(Wave(self.wave).label)


@dataclass
class RoundResults:
    round_id: int
    matched_persons: Figure
    matched_households: Figure
    municipalities: Figure
    federal_states: Figure
    acceptance: Figure
    survey: list[SurveyWave] = field(default_factory=list)

    @property
    def published(self) -> bool:
        """Nothing of a round with fewer than THRESHOLD matched people is shown."""
        return not self.matched_persons.suppressed


def closed_rounds():
    return Round.objects.filter(status=RoundStatus.CLOSED).order_by("-closed_at", "-id")


def round_results(round_: Round) -> RoundResults:
    key = f"portal:results:v1:{round_.pk}"
    results = cache.get(key)
    if results is None:
        results = _compute(round_)
        cache.set(key, results, CACHE_SECONDS)
    return results


def _compute(round_: Round) -> RoundResults:
    metrics = round_metrics(load_frame(round_), round_)
    taken = [row for row in metrics["utilisation"] if row["persons"] > 0]
    states = [row for row in metrics["states"] if row["persons"] > 0]
    offers = offer_statistics(round_)
    answers = offers["household_answers"]
    accepted = round((offers["acceptance_rate"] or 0) * answers)
    persons = count(metrics["matched_persons"])
    hidden = persons.suppressed
    return RoundResults(
        round_id=round_.pk,
        matched_persons=persons,
        matched_households=count(metrics["matched_households"]),
        municipalities=Figure(None if hidden else len(taken), "count"),
        federal_states=Figure(None if hidden else len(states), "count"),
        acceptance=share(accepted, answers),
        survey=_survey(round_),
    )


def _survey(round_: Round) -> list[SurveyWave]:
    rows = survey_results(round_, SurveyKind.HOUSEHOLD)
    question = next((r for r in rows if r["question"].code == SURVEY_QUESTION), None)
    waves = {w["wave"]: w for w in question["waves"]} if question else {}
    result = []
    for wave in HOUSEHOLD_WAVES:
        row = waves.get(int(wave), {"count": 0, "mean": None, "choices": []})
        answered = row["count"]
        agreeing = sum(n for value, _label, n in row.get("choices", []) if value in AGREE)
        result.append(
            SurveyWave(
                wave=int(wave),
                answers=count(answered),
                agree=share(agreeing, answered),
                mean=mean(row.get("mean"), answered),
            )
        )
    return result


def _cell(figure: Figure) -> str:
    if figure.above is not None:
        return f">{figure.above}"
    if figure.below is not None:
        return f"<{figure.below}"
    if figure.suppressed:
        return ""
    if figure.kind == "share":
        return f"{round(100 * float(figure.value or 0))}"
    if figure.kind == "mean":
        # Half up, as the page's floatformat rounds: 4.25 reads 4.3 in both.
        return str(Decimal(str(figure.value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return str(figure.value)


def results_csv(rows: list[tuple[Round, RoundResults]]) -> bytes:
    """One line per round; withheld figures are empty cells, bounds read ">75"."""
    header = [
        _("Round"),
        _("Closed on"),
        _("People matched"),
        _("Households matched"),
        _("Municipalities"),
        _("Federal states"),
        _("Households accepting their offer (%)"),
    ]
    for wave in HOUSEHOLD_WAVES:
        header += [
            _("Answers, %(wave)s") % {"wave": Wave(wave).label},
            _("A good decision (%%), %(wave)s") % {"wave": Wave(wave).label},
            _("Mean (1-5), %(wave)s") % {"wave": Wave(wave).label},
        ]
    lines = []
    for round_, result in rows:
        line: list[Any] = [
            round_.name,
            timezone.localdate(round_.closed_at) if round_.closed_at else "",
            *(
                _cell(f)
                for f in (
                    result.matched_persons,
                    result.matched_households,
                    result.municipalities,
                    result.federal_states,
                    result.acceptance,
                )
            ),
        ]
        for answered in result.survey:
            line += [_cell(answered.answers), _cell(answered.agree), _cell(answered.mean)]
        lines.append(line)
    return csv_bytes(header, lines)
