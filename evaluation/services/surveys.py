"""Follow-up surveys: scheduling after arrival, invitations and reminders (Celery beat), a
coordinator's "send now", answers, and the results per wave."""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import User
from core import mail
from evaluation import questions
from evaluation.models import HOUSEHOLD_WAVES, Survey, SurveyKind, Wave
from matching.models import Offer, OfferStatus
from municipalities.notify import staff_of
from rounds.models import Round, RoundStatus

REMIND_AFTER = timedelta(days=7)
MAX_REMINDERS = 2


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _today(now: datetime | None) -> date:
    return timezone.localdate(now or timezone.now())


# --- scheduling ------------------------------------------------------------------------------


def surveys_schedule(*, now: datetime | None = None, round: Round | None = None) -> int:
    """Create the 1-, 6- and 12-month surveys of every arrived household, and the end-of-round
    survey of every municipality of a closed round. Idempotent: existing surveys stay."""
    arrived = Offer.objects.filter(status=OfferStatus.ARRIVED, arrived_at__isnull=False)
    closed = Round.objects.filter(status=RoundStatus.CLOSED)
    if round is not None:
        arrived, closed = arrived.filter(round=round), closed.filter(pk=round.pk)
    created = 0
    for offer in arrived.exclude(household__surveys__wave__in=HOUSEHOLD_WAVES).distinct():
        arrival = timezone.localdate(offer.arrived_at)
        for wave in HOUSEHOLD_WAVES:
            created += _create(
                round_id=offer.round_id,
                kind=SurveyKind.HOUSEHOLD,
                wave=wave,
                household_id=offer.household_id,
                municipality_id=offer.municipality_id,
                offer=offer,
                due_on=add_months(arrival, wave),
            )
    for round_ in closed:
        due = timezone.localdate(round_.closed_at) if round_.closed_at else _today(now)
        created += _municipality_surveys(round_, due)
    return created


def _create(**fields: Any) -> int:
    survey = Survey(**fields)
    survey.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            survey.save()
    except IntegrityError:
        return 0  # scheduled by a parallel run already
    return 1


def _municipality_surveys(round_: Round, due: date) -> int:
    mine = round_.surveys.filter(kind=SurveyKind.MUNICIPALITY)
    existing = set(mine.values_list("municipality_id", flat=True))
    created = 0
    for municipality_id in round_.participations.values_list("municipality_id", flat=True):
        if municipality_id not in existing:
            created += _create(
                round_id=round_.pk,
                kind=SurveyKind.MUNICIPALITY,
                wave=Wave.ROUND_END,
                municipality_id=municipality_id,
                due_on=due,
            )
    return created


# --- invitations and reminders -----------------------------------------------------------------


def recipients(survey: Survey) -> list[User]:
    if survey.kind == SurveyKind.HOUSEHOLD:
        user = survey.household.contact_user if survey.household else None
        return [user] if user is not None and user.is_active and user.email else []
    return [user for user in staff_of(survey.municipality_id) if user.email]


def _send(survey: Survey, template: str) -> None:
    """One mail per recipient in the recipient's language, sent after the transaction commits."""
    mail.send_to_users(
        recipients(survey),
        f"evaluation/email/{template}",
        {"survey": survey, "url": mail.absolute_url(reverse("survey_answer", args=[survey.pk]))},
    )


def _due(now: datetime) -> Iterable[int]:
    return Survey.objects.filter(sent_at__isnull=True, due_on__lte=_today(now)).values_list(
        "pk", flat=True
    )


def surveys_send_due(*, now: datetime | None = None) -> int:
    """Send the invitation of every survey that is due; each in its own transaction, locked,
    so two beat workers never send one twice."""
    now = now or timezone.now()
    count = 0
    for pk in list(_due(now)):
        with transaction.atomic():
            survey = _locked(pk)
            if survey.sent_at is not None:
                continue
            survey.sent_at = now
            survey.save(update_fields=["sent_at"])
            _send(survey, "survey_invitation")
            count += 1
    return count


def surveys_remind(*, now: datetime | None = None) -> int:
    """Remind, at most twice and a week apart, whoever has not answered."""
    now = now or timezone.now()
    due = Survey.objects.open().filter(
        sent_at__lte=now - REMIND_AFTER, reminder_count__lt=MAX_REMINDERS
    )
    count = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            survey = _locked(pk)
            last = survey.reminded_at or survey.sent_at
            if survey.is_answered or survey.reminder_count >= MAX_REMINDERS:
                continue
            if last is None or last > now - REMIND_AFTER:
                continue
            survey.reminded_at, survey.reminder_count = now, survey.reminder_count + 1
            survey.save(update_fields=["reminded_at", "reminder_count"])
            _send(survey, "survey_reminder")
            count += 1
    return count


def _locked(pk: int) -> Survey:
    return (
        # of=("self",): PostgreSQL cannot lock the nullable side of the household join.
        Survey.objects.select_for_update(of=("self",))
        .select_related("household__contact_user", "municipality", "round")
        .get(pk=pk)
    )


@transaction.atomic
def survey_send_now(*, round: Round, wave: int, by: User) -> int:
    """A coordinator sends a wave now (e.g. before the evaluation workshop) instead of waiting
    for its date. Surveys sent already are not sent twice."""
    if not by.is_coordinator:
        raise PermissionDenied
    if wave not in Wave.values:
        raise ValidationError({"wave": _("Choose a survey.")})
    round = Round.objects.select_for_update().get(pk=round.pk)
    today = timezone.localdate()
    if wave == Wave.ROUND_END:
        _municipality_surveys(round, today)
    else:
        surveys_schedule(round=round)
    pending = round.surveys.filter(wave=wave, sent_at__isnull=True)
    pks = list(pending.values_list("pk", flat=True))
    if not pks:
        raise ValidationError(_("There is nobody left to send this survey to."))
    now = timezone.now()
    for pk in pks:
        survey = _locked(pk)
        survey.due_on, survey.sent_at = min(survey.due_on, today), now
        survey.save(update_fields=["due_on", "sent_at"])
        _send(survey, "survey_invitation")
    audit_log(
        actor=by,
        action="evaluation.survey.sent",
        target=round,
        changes={"wave": wave, "surveys": len(pks)},
    )
    return len(pks)


# --- answers ---------------------------------------------------------------------------------


def may_answer(user: User, survey: Survey) -> bool:
    """Only the household itself, or staff of the municipality; coordinators only read."""
    if survey.kind == SurveyKind.HOUSEHOLD:
        return bool(
            user.is_refugee and survey.household and survey.household.contact_user_id == user.pk
        )
    return bool(
        user.is_municipal_staff and survey.municipality.staff_memberships.filter(user=user).exists()
    )


@transaction.atomic
def survey_answer(*, survey: Survey, by: User, answers: dict[str, str], language: str) -> Survey:
    # Two people of one municipality answering at once: the second waits for the row lock and
    # is told the survey has been answered.
    survey = _locked(survey.pk)
    if not may_answer(by, survey):
        raise PermissionDenied
    if survey.sent_at is None:
        raise ValidationError(_("This survey has not been sent yet."))
    expected = {q.code for q in questions.questions_for(survey.kind)}
    clean = {k: str(v).strip() for k, v in answers.items() if k in expected and str(v).strip()}
    survey.record_answers(answers=clean, language=language, by=by, version=questions.VERSION)
    survey.full_clean(validate_unique=False, validate_constraints=False)
    survey.save(
        update_fields=["answers", "language", "questions_version", "answered_at", "answered_by"]
    )
    audit_log(
        actor=by,
        action="evaluation.survey.answered",
        target=survey,
        changes={"questions": sorted(clean)},
    )
    return survey


# --- results ---------------------------------------------------------------------------------


def response_rates(round_: Round) -> list[dict[str, Any]]:
    """Per wave: scheduled, sent, answered and the response rate (answered of sent)."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for wave, sent, answered in round_.surveys.values_list("wave", "sent_at", "answered_at"):
        counts[wave]["total"] += 1
        counts[wave]["sent"] += sent is not None
        counts[wave]["answered"] += answered is not None
    return [
        {
            "wave": wave,
            "label": label,
            "kind": _kind_of(wave),
            "total": counts[wave]["total"],
            "sent": counts[wave]["sent"],
            "answered": counts[wave]["answered"],
            "rate": counts[wave]["answered"] / counts[wave]["sent"]
            if counts[wave]["sent"]
            else None,
        }
        for wave, label in Wave.choices
    ]


def _kind_of(wave: int) -> str:
    return SurveyKind.MUNICIPALITY if wave == Wave.ROUND_END else SurveyKind.HOUSEHOLD


def survey_results(round_: Round, kind: str) -> list[dict[str, Any]]:
    """Per question: for scales the mean and count per wave; for choices the counts per answer
    and wave; free text as a list (without who wrote it)."""
    waves = [Wave.ROUND_END] if kind == SurveyKind.MUNICIPALITY else list(HOUSEHOLD_WAVES)
    answers: dict[int, list[dict[str, str]]] = defaultdict(list)
    for wave, given in round_.surveys.answered().filter(kind=kind).values_list("wave", "answers"):
        answers[wave].append(given)
    return [_question_result(q, waves, answers) for q in questions.questions_for(kind)]


def _question_result(question, waves, answers) -> dict[str, Any]:
    per_wave = []
    for wave in waves:
        given = [a[question.code] for a in answers[wave] if a.get(question.code)]
        row: dict[str, Any] = {"wave": wave, "label": Wave(wave).label, "count": len(given)}
        if question.kind == questions.SCALE:
            numbers = [int(v) for v in given if v.isdigit()]
            row["mean"] = sum(numbers) / len(numbers) if numbers else None
        if question.kind in (questions.SCALE, questions.CHOICE):
            counted = Counter(given)
            row["choices"] = [
                (value, str(label), counted.get(value, 0)) for value, label in question.choices
            ]
        if question.kind == questions.TEXT:
            row["texts"] = given
        per_wave.append(row)
    texts = [(t, row["label"]) for row in per_wave for t in row.get("texts", [])]
    return {"question": question, "waves": per_wave, "texts": texts}
