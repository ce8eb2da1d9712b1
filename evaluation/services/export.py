"""Anonymised export of survey answers (CSV and XLSX) for the evaluation team.

No names, no reference codes, no free text from households (it may identify someone), dates
only as months. Households get a pseudonym (keyed hash, stable across waves and exports of one
installation) so that answers can be followed over time without knowing who gave them."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import User
from core.spreadsheets import CONTENT_TYPES, Sheet, spreadsheet_bytes
from evaluation import questions
from evaluation.models import Survey, SurveyKind
from rounds.models import Round


def pseudonym(kind: str, pk: int | None) -> str:
    key = settings.SECRET_KEY.encode()
    digest = hmac.new(key, f"evaluation:{kind}:{pk}".encode(), hashlib.sha256).hexdigest()
    return digest[:12]


def _month(value) -> str:
    return value.strftime("%Y-%m") if value else ""


def export_rows(round_: Round, kind: str) -> list[list[Any]]:
    exported = [q for q in questions.questions_for(kind) if q.exported]
    header = [
        _("respondent"),
        _("wave"),
        _("municipality"),
        _("federal state"),
        _("due (month)"),
        _("answered (month)"),
        _("language"),
        *[str(q.label) for q in exported],
    ]
    rows: list[list[Any]] = [header]
    languages = {code: str(name) for code, name in settings.LANGUAGES}
    surveys = (
        Survey.objects.filter(round=round_, kind=kind, answered_at__isnull=False)
        .select_related("municipality")
        .order_by("wave", "municipality__name", "pk")
    )
    for survey in surveys:
        who = survey.household_id if kind == SurveyKind.HOUSEHOLD else survey.municipality_id
        rows.append(
            [
                pseudonym(kind, who) if kind == SurveyKind.HOUSEHOLD else survey.municipality.name,
                survey.wave,
                survey.municipality.name,
                survey.municipality.get_federal_state_display(),
                _month(survey.due_on),
                _month(survey.answered_at),
                languages.get(survey.language, ""),
                *[_value(q, survey.answers.get(q.code, "")) for q in exported],
            ]
        )
    return rows


def _value(question: questions.Question, value: str) -> Any:
    """Scales as numbers (to average in a spreadsheet), choices as their words."""
    if question.kind == questions.SCALE and value.isdigit():
        return int(value)
    return questions.choice_label(question, value) if question.choices else value


def survey_export(*, round: Round, kind: str, fmt: str, by: User) -> tuple[bytes, str]:
    """The file and its content type; the export itself is audited."""
    rows = export_rows(round, kind)
    audit_log(
        actor=by,
        action="evaluation.survey.exported",
        target=round,
        changes={"kind": kind, "format": fmt, "rows": len(rows) - 1},
    )
    content = spreadsheet_bytes(fmt, [Sheet(kind, rows[0], rows[1:])])
    return content, CONTENT_TYPES[fmt]
