from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from municipalities.models import QuestionnaireStatus
from municipalities.selectors import round_overview
from tests.factories import (
    HousingUnitFactory,
    MunicipalityFactory,
    QuestionnaireFactory,
    RoundFactory,
    RoundMunicipalityFactory,
)

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def round_with_answers(municipality, other_municipality):
    """Kiel submitted (with two units), Troisdorf has a draft, Fulda has not started."""
    round_ = RoundFactory(name="Pilot 2026")
    kiel = QuestionnaireFactory(
        round=round_,
        municipality=municipality,
        status=QuestionnaireStatus.SUBMITTED,
        submitted_at=timezone.now(),
        notes='=HYPERLINK("http://evil")',
    )
    HousingUnitFactory(questionnaire=kiel, beds=4, wheelchair_accessible=True)
    HousingUnitFactory(questionnaire=kiel, beds=2, district="Wik")
    QuestionnaireFactory(round=round_, municipality=other_municipality, aggregate_places=5)
    fulda = MunicipalityFactory(name="Fulda", slug="fulda", ags="06631009", federal_state="HE")
    RoundMunicipalityFactory(round=round_, municipality=fulda, pledged_persons=8)
    round_.participations.filter(municipality=municipality).update(pledged_persons=20)
    return round_


def test_the_overview_knows_who_submitted_and_totals_each_dimension(round_with_answers):
    overview = round_overview(round_with_answers)
    states = {row.municipality.slug: row.state for row in overview.rows}
    assert states == {"kiel": "submitted", "troisdorf": "draft", "fulda": "missing"}
    assert overview.submitted_totals == {
        "persons": 16,
        "school": 6,
        "kita": 3,
        "accessible": 1,
        "psychotherapy": 1,
    }
    assert overview.all_totals["persons"] == 16 + 5
    kiel = next(row for row in overview.rows if row.municipality.slug == "kiel")
    assert kiel.pledge_gap == 16 - 20
    assert overview.pledged_total == 28


def test_after_the_deadline_missing_questionnaires_are_late(round_with_answers):
    later = round_with_answers.questionnaire_deadline + timedelta(days=1)
    states = {
        row.municipality.slug: row.state for row in round_overview(round_with_answers, later).rows
    }
    assert states == {"kiel": "submitted", "troisdorf": "late", "fulda": "late"}


def test_a_questionnaire_submitted_after_the_deadline_counts_as_submitted_late(round_with_answers):
    questionnaire = round_with_answers.questionnaires.get(municipality__slug="kiel")
    questionnaire.submitted_at = timezone.now() + timedelta(days=30)
    questionnaire.save()
    row = next(r for r in round_overview(round_with_answers).rows if r.municipality.slug == "kiel")
    assert row.state == "submitted_late"


def test_the_coordinator_overview_page_shows_states_and_totals(as_coordinator, round_with_answers):
    response = as_coordinator.get(reverse("round_detail", args=[round_with_answers.pk]), **EN)
    page = response.content.decode()
    assert response.status_code == 200
    for state in ("Submitted", "Draft", "Not started"):
        assert state in page
    assert "Wheelchair-accessible units" in page
    assert response.context["submitted_count"] == 1


def test_the_overview_page_has_a_bounded_number_of_queries(
    as_coordinator, django_assert_max_num_queries
):
    round_ = RoundFactory()
    for _ in range(15):
        questionnaire = QuestionnaireFactory(round=round_)
        HousingUnitFactory.create_batch(3, questionnaire=questionnaire)
    with django_assert_max_num_queries(15):
        response = as_coordinator.get(reverse("round_detail", args=[round_.pk]))
    assert response.status_code == 200
    assert len(response.context["overview"].rows) == 15


def test_the_round_list_has_a_bounded_number_of_queries(
    as_coordinator, django_assert_max_num_queries
):
    for _ in range(10):
        QuestionnaireFactory()
    with django_assert_max_num_queries(8):
        response = as_coordinator.get(reverse("round_list"))
    assert len(response.context["rounds"]) == 10


def test_csv_export_has_one_row_per_invited_municipality(as_coordinator, round_with_answers):
    response = as_coordinator.get(
        reverse("round_export", args=[round_with_answers.pk, "csv"]), **EN
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="questionnaires-')
    assert response["Cache-Control"] == "no-store"  # the one download helper: never cached
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [row["Municipality"] for row in rows] == ["Fulda", "Kiel", "Troisdorf"]
    kiel = rows[1]
    assert kiel["Status"] == "Submitted"
    assert kiel["AGS"] == "01002000"
    assert kiel["Persons (beds and places)"] == "16"
    assert kiel["Pledged persons"] == "20"
    assert kiel["Primary school places (age 6–10)"] == "3"
    assert kiel["Sectors with demand for workers"] == (
        "Medical health care (including nursing); Drivers and operators of vehicles"
    )
    assert kiel["Notes"].startswith("'=")  # a formula is exported as text
    assert rows[0]["Status"] == "Not started"
    assert rows[0]["Integration course seats"] == ""


def test_xlsx_export_has_answers_and_a_sheet_of_housing_units(as_coordinator, round_with_answers):
    response = as_coordinator.get(
        reverse("round_export", args=[round_with_answers.pk, "xlsx"]), **EN
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    answers, units = workbook["Answers"], workbook["Housing units"]
    header = [cell.value for cell in answers[1]]
    kiel = dict(zip(header, [cell.value for cell in answers[3]], strict=True))
    assert kiel["Municipality"] == "Kiel"
    assert kiel["Persons (beds and places)"] == 16
    assert kiel["Wheelchair-accessible units"] == 1
    assert answers.max_row == 4
    unit_rows = [[cell.value for cell in row] for row in units.iter_rows(min_row=2)]
    assert sorted((r[0], r[2], r[3]) for r in unit_rows) == [("Kiel", 2, "no"), ("Kiel", 4, "yes")]


def test_an_unknown_export_format_is_404(as_coordinator, round_with_answers):
    response = as_coordinator.get(reverse("round_export", args=[round_with_answers.pk, "pdf"]))
    assert response.status_code == 404


def test_export_headers_keep_their_case_and_timestamps_are_dates(
    as_coordinator, round_with_answers
):
    response = as_coordinator.get(
        reverse("round_export", args=[round_with_answers.pk, "xlsx"]), HTTP_ACCEPT_LANGUAGE="de"
    )
    answers = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [cell.value for cell in answers[1]]
    assert "Kita-Plätze unter 3 Jahren" in header
    assert "Ukrainische Gemeinschaft" in header  # first letter up, the rest as written
    submitted = answers.cell(row=3, column=header.index("Eingereicht") + 1)
    assert submitted.is_date


def test_the_csv_export_is_semicolon_separated_for_german_excel(as_coordinator, round_with_answers):
    response = as_coordinator.get(reverse("round_export", args=[round_with_answers.pk, "csv"]))
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig").splitlines()[0].count(";") > 10


def test_the_round_list_counts_invitations_and_submissions_per_round(as_coordinator):
    """Each count is its own subquery: joining both lists multiplied their rows (400 x 400 in
    a national round) before the distinct counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    round_ = RoundFactory()
    for status in (QuestionnaireStatus.SUBMITTED, QuestionnaireStatus.SUBMITTED, "draft"):
        municipality = MunicipalityFactory()
        RoundMunicipalityFactory(round=round_, municipality=municipality)
        QuestionnaireFactory(round=round_, municipality=municipality, status=status)
    RoundMunicipalityFactory(round=round_)
    with CaptureQueriesContext(connection) as queries:
        response = as_coordinator.get(reverse("round_list"))
    (row,) = response.context["rounds"]
    assert (row.invited, row.submitted) == (4, 2)
    assert not [q for q in queries.captured_queries if "COUNT(DISTINCT" in q["sql"]]
