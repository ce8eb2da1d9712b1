"""The override report of a programme: its cohorts' reports added up (issue 17), on its own page
with downloads, linked from the programme page and part of the programme's evaluation."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from matching.models import Offer
from matching.services import overrides
from matching.services.overrides import (
    OverrideReport,
    override_report,
    override_sheets,
    programme_override_report,
)
from rounds.models import Programme
from tests.matching.builders import make_round
from tests.matching.test_overrides import _round_with_every_override

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(db):
    return Programme.objects.create(
        name="Programm 2027", starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31)
    )


@pytest.fixture
def overridden_programme(
    programme,
    small_round,
    coordinator,
    staff,
    refugee,
    household,
    municipality,
    django_capture_on_commit_callbacks,
):
    """The small round with a pin, a decline and an objection, as the first cohort of the
    programme; a second cohort without offers yet."""
    _round_with_every_override(
        small_round,
        coordinator,
        staff,
        refugee,
        household,
        municipality,
        django_capture_on_commit_callbacks,
    )
    small_round.programme = programme
    small_round.save()
    make_round(name="Kohorte 2", programme=programme, arrival_date=date(2027, 6, 1))
    return programme


def test_the_programme_report_equals_the_database_and_its_cohorts(overridden_programme):
    report = programme_override_report(overridden_programme)
    offers = Offer.objects.filter(round__programme=overridden_programme)
    assert report.totals["published"] == offers.count() > 0
    assert report.totals["declined"] == offers.filter(status="declined").count() == 1
    assert report.totals["objected"] == offers.filter(status="objected").count() == 1
    assert report.by_reason[("decline", "safety")] == 1
    assert report.by_reason[("pin", "family_reunification")] == 1
    assert [row["name"] for row in report.cohort_rows()] == ["Testrunde", "Kohorte 2"]
    first, second = report.cohort_rows()
    assert first["published"] == offers.count()
    assert second["published"] == 0
    cohort = overridden_programme.cohorts().first()
    assert report.municipality_rows() == override_report(cohort).municipality_rows()


def test_the_cohorts_counts_reasons_municipalities_and_costs_are_added_up(programme, monkeypatch):
    one = make_round(name="Eins", programme=programme, arrival_date=date(2027, 3, 1))
    two = make_round(name="Zwei", programme=programme, arrival_date=date(2027, 6, 1))
    cost = {
        "override": "pin",
        "code": "safety",
        "given_up": 2.5,
        "run": 1,
        "household": "H",
        "municipality": "kiel",
        "municipality_name": "Kiel",
        "with": 10,
        "without": 12.5,
        "moved": 1,
        "code_label": "Safety",
    }
    parts = {
        one.pk: OverrideReport(
            totals=Counter(published=3, unchanged=2, declined=1),
            by_municipality={"Kiel": Counter(published=3, declined=1)},
            by_reason=Counter({("decline", "safety"): 1}),
            costs=[cost],
        ),
        two.pk: OverrideReport(
            totals=Counter(published=2, unchanged=1, objected=1),
            by_municipality={"Kiel": Counter(published=1), "Görlitz": Counter(objected=1)},
            by_reason=Counter({("decline", "safety"): 2, ("objection", "safety"): 1}),
            costs=[{**cost, "given_up": 1.5}],
        ),
    }
    monkeypatch.setattr(overrides, "override_report", lambda round_: parts[round_.pk])
    report = programme_override_report(programme)
    assert report.totals == Counter(published=5, unchanged=3, declined=1, objected=1)
    assert report.by_municipality["Kiel"] == Counter(published=4, declined=1)
    assert report.by_municipality["Görlitz"] == Counter(objected=1)
    assert report.by_reason[("decline", "safety")] == 3
    assert report.given_up("pin", "safety") == 4.0
    assert [c["cohort"] for c in report.costs] == ["Eins", "Zwei"]
    titles = [sheet.title for sheet in override_sheets(report)]
    assert titles == ["By reason", "By cohort", "By municipality", "Score given up"]
    assert list(override_sheets(report)[3].rows)[0][0] == "Eins"


def test_the_programme_report_page_and_export_are_for_coordinators(
    overridden_programme, as_coordinator, as_staff, as_caseworker, as_refugee
):
    url = reverse("programme_overrides", args=[overridden_programme.pk])
    export = reverse("programme_overrides_export", args=[overridden_programme.pk, "csv"])
    for client in (as_staff, as_caseworker, as_refugee):
        assert client.get(url).status_code == 403
        assert client.get(export).status_code == 403
    page = as_coordinator.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sicherheits- oder Schutzbedenken" in text
    assert "Kohorte 2" in text
    assert reverse("round_overrides", args=[overridden_programme.cohorts().first().pk]) in text
    response = as_coordinator.get(export, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Decline;safety;Safety or protection concerns;1" in response.content.decode("utf-8-sig")
    assert response["Content-Disposition"].endswith('.csv"')
    assert ".csv.csv" not in response["Content-Disposition"]
    xlsx = reverse("programme_overrides_export", args=[overridden_programme.pk, "xlsx"])
    assert as_coordinator.get(xlsx).status_code == 200
    pdf = reverse("programme_overrides_export", args=[overridden_programme.pk, "pdf"])
    assert as_coordinator.get(pdf).status_code == 404
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "matching.programme.override_report_viewed",
        "matching.programme.override_report_exported",
    } <= actions


def test_an_unknown_programme_is_not_found(as_coordinator):
    assert as_coordinator.get(reverse("programme_overrides", args=[999])).status_code == 404


def test_the_programme_page_links_the_report_and_the_evaluation_includes_it(
    overridden_programme, as_coordinator
):
    url = reverse("programme_overrides", args=[overridden_programme.pk])
    detail = as_coordinator.get(reverse("programme_detail", args=[overridden_programme.pk]))
    assert url in detail.content.decode()
    evaluation = as_coordinator.get(
        reverse("programme_evaluation", args=[overridden_programme.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    text = evaluation.content.decode()
    assert "Overrides of the algorithm's proposals" in text
    assert "By cohort" in text


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("programme_overrides", []),
        ("programme_overrides_export", ["csv"]),
        ("round_overrides", []),
        ("round_overrides_export", ["csv"]),
    ],
)
def test_the_reports_answer_only_reads(
    name, args, overridden_programme, small_round, as_coordinator
):
    """A POST (or PUT, DELETE) to a page that only shows something is refused with 405."""
    pk = overridden_programme.pk if name.startswith("programme") else small_round.pk
    url = reverse(name, args=[pk, *args])
    assert as_coordinator.get(url).status_code == 200
    assert as_coordinator.head(url).status_code == 200
    for method in ("post", "put", "delete"):
        assert getattr(as_coordinator, method)(url).status_code == 405
