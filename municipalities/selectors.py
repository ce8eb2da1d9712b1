"""The coordinator's view of a round's questionnaires: who submitted, who is late, totals.

Three queries whatever the number of municipalities: participations, questionnaires, units."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from municipalities.choices import DIMENSIONS
from municipalities.models import Questionnaire, RoundMunicipality
from rounds.models import Round

STATE_LABELS = {
    "submitted": _("Submitted"),
    "submitted_late": _("Submitted late"),
    "draft": _("Draft"),
    "late": _("Late"),
    "missing": _("Not started"),
}
DIMENSION_LABELS = {
    "persons": _("Persons (beds and places)"),
    "school": _("School places"),
    "kita": _("Kita places"),
    "accessible": _("Wheelchair-accessible units"),
    "psychotherapy": _("Psychotherapy places"),
}


@dataclass
class Row:
    participation: RoundMunicipality
    questionnaire: Questionnaire | None
    state: str
    capacity: dict[str, int] | None

    @property
    def municipality(self):
        return self.participation.municipality

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def is_late(self) -> bool:
        return self.state in ("late", "submitted_late")

    @property
    def pledge_gap(self) -> int | None:
        """Questionnaire capacity minus pledge (negative: fewer places than pledged)."""
        if self.capacity is None or self.participation.pledged_persons is None:
            return None
        return self.capacity["persons"] - self.participation.pledged_persons


@dataclass
class Overview:
    round: Round
    rows: list[Row]
    submitted_totals: dict[str, int] = field(default_factory=dict)
    all_totals: dict[str, int] = field(default_factory=dict)

    def count(self, *states: str) -> int:
        return sum(1 for row in self.rows if row.state in states)

    @property
    def pledged_total(self) -> int:
        return sum(r.participation.pledged_persons or 0 for r in self.rows)

    def dimension_rows(self) -> list[tuple[str, str, int, int]]:
        return [
            (d, str(DIMENSION_LABELS[d]), self.submitted_totals[d], self.all_totals[d])
            for d in DIMENSIONS
        ]


def _state(questionnaire: Questionnaire | None, round_: Round, today: date) -> str:
    if questionnaire is not None and questionnaire.is_submitted:
        return "submitted_late" if questionnaire.is_late(today) else "submitted"
    if today > round_.questionnaire_deadline:
        return "late"
    return "draft" if questionnaire is not None else "missing"


def round_overview(round_: Round, today: date | None = None) -> Overview:
    today = today or timezone.localdate()
    participations = list(round_.participations.select_related("municipality"))
    questionnaires = {
        q.municipality_id: q
        for q in Questionnaire.objects.filter(round=round_).prefetch_related("housing_units")
    }
    rows = []
    for participation in participations:
        questionnaire = questionnaires.get(participation.municipality_id)
        if questionnaire is not None:
            questionnaire.round = round_  # spare a query per row in is_late()
        rows.append(
            Row(
                participation=participation,
                questionnaire=questionnaire,
                state=_state(questionnaire, round_, today),
                capacity=questionnaire.capacity() if questionnaire is not None else None,
            )
        )
    overview = Overview(round=round_, rows=rows)
    overview.submitted_totals = _totals(r.capacity for r in rows if r.state.startswith("sub"))
    overview.all_totals = _totals(r.capacity for r in rows if r.capacity is not None)
    return overview


def _totals(capacities) -> dict[str, int]:
    totals = dict.fromkeys(DIMENSIONS, 0)
    for capacity in capacities:
        for key in DIMENSIONS:
            totals[key] += capacity[key]
    return totals


def not_submitted(round_: Round) -> list[RoundMunicipality]:
    """Invited municipalities without a submitted questionnaire (the publish dialog names them)."""
    from django.db.models import Exists, OuterRef

    from municipalities.models import QuestionnaireStatus

    submitted = Questionnaire.objects.filter(
        round=round_, municipality=OuterRef("municipality"), status=QuestionnaireStatus.SUBMITTED
    )
    return list(
        RoundMunicipality.objects.filter(round=round_)
        .exclude(Exists(submitted))
        .select_related("municipality")
        .order_by("municipality__name")
    )
