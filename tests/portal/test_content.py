"""Coordinators edit the programme's own words per language, with a preview."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from portal.models import ProgrammeContent, Quote, TimelinePhase
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _post(**extra) -> dict[str, str]:
    data = {
        "content-title": "Programm 2027",
        "content-summary": "Kommunen nehmen freiwillig auf.",
        "content-commitments": "Zusage für das Jahr\nFragebogen ausfüllen",
        "content-contact_name": "Koordinierungsstelle",
        "content-contact_email": "kontakt@example.org",
        "quotes-TOTAL_FORMS": "1",
        "quotes-INITIAL_FORMS": "0",
        "quotes-0-text": "Es hat sich gelohnt.",
        "quotes-0-speaker_name": "Erika Muster",
        "quotes-0-speaker_role": "Sozialamt",
        "action": "publish",
    }
    return {**data, **extra}


def test_a_coordinator_previews_the_page_without_publishing_it(coordinator):
    client = login(coordinator)
    response = client.post(reverse("programme_edit_language", args=["uk"]), _post(action="preview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Programm 2027" in html
    assert "Erika Muster" in html
    assert "rm-preview" in html
    assert ProgrammeContent.objects.count() == 0
    assert Quote.objects.count() == 0
    assert not AuditEvent.objects.filter(action="portal.content.saved").exists()


def test_a_coordinator_publishes_one_language_and_visitors_read_it(coordinator):
    client = login(coordinator)
    response = client.post(reverse("programme_edit_language", args=["de"]), _post())
    assert response.status_code == 302
    content = ProgrammeContent.objects.get(language="de")
    assert content.commitment_lines == ["Zusage für das Jahr", "Fragebogen ausfüllen"]
    assert content.updated_by == coordinator
    assert [q.speaker_name for q in content.quotes.all()] == ["Erika Muster"]
    event = AuditEvent.objects.get(action="portal.content.saved")
    assert event.actor == coordinator
    assert event.changes["quotes"] == [0, 1]
    html = Client().get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Programm 2027" in html
    assert "Es hat sich gelohnt." in html
    assert "Erika Muster, Sozialamt" in html


def test_editing_again_replaces_the_quotes_and_keeps_other_languages(coordinator):
    client = login(coordinator)
    client.post(reverse("programme_edit_language", args=["de"]), _post())
    client.post(
        reverse("programme_edit_language", args=["en"]),
        _post(
            **{
                "content-title": "Programme 2027",
                "quotes-0-text": "It was worth it.",
            }
        ),
    )
    client.post(
        reverse("programme_edit_language", args=["de"]),
        _post(
            **{
                "quotes-0-DELETE": "on",
            }
        ),
    )
    assert ProgrammeContent.objects.get(language="de").quotes.count() == 0
    assert ProgrammeContent.objects.get(language="en").quotes.get().text == "It was worth it."


def test_a_missing_title_is_refused_with_a_message_and_nothing_is_saved(coordinator):
    client = login(coordinator)
    response = client.post(
        reverse("programme_edit_language", args=["de"]),
        _post(
            **{
                "content-title": "",
            }
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    assert ProgrammeContent.objects.count() == 0


def test_an_unknown_language_is_not_found(coordinator):
    assert login(coordinator).get("/programme/edit/fr/").status_code == 404


@pytest.mark.parametrize("persona", ["staff", "caseworker", "refugee"])
def test_only_coordinators_edit_the_programme(request, persona):
    client = login(request.getfixturevalue(persona))
    assert client.post(reverse("programme_edit_language", args=["de"]), _post()).status_code == 403
    assert client.get(reverse("programme_timeline")).status_code == 403
    assert ProgrammeContent.objects.count() == 0


def test_an_anonymous_visitor_is_sent_to_sign_in_before_editing():
    response = Client().post(reverse("programme_edit_language", args=["de"]), _post())
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert ProgrammeContent.objects.count() == 0


def _timeline(rows: list[tuple[str, str, str]]) -> dict[str, str]:
    data = {"phases-TOTAL_FORMS": str(len(rows)), "phases-INITIAL_FORMS": "0"}
    for i, (kind, start, end) in enumerate(rows):
        data |= {
            f"phases-{i}-year": "2027",
            f"phases-{i}-kind": kind,
            f"phases-{i}-starts_on": start,
            f"phases-{i}-ends_on": end,
        }
    return data


def test_a_coordinator_publishes_the_timeline_and_it_shows_on_the_programme_page(coordinator):
    client = login(coordinator)
    response = client.post(
        reverse("programme_timeline"),
        _timeline(
            [
                ("questionnaire", "2027-05-01", "2027-07-31"),
                ("workshop", "2027-09-23", "2027-09-23"),
            ]
        ),
    )
    assert response.status_code == 302
    assert TimelinePhase.objects.count() == 2
    assert AuditEvent.objects.filter(action="portal.timeline.saved", actor=coordinator).exists()
    html = Client().get(reverse("public_programme"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Timeline of the programme year 2027" in html
    assert 'datetime="2027-05-01"' in html
    assert "Evaluation workshop" in html


def test_a_phase_ending_before_it_starts_is_refused_and_the_old_timeline_stays(coordinator):
    TimelinePhase.objects.create(
        year=2027, kind="workshop", starts_on="2027-09-23", ends_on="2027-09-23"
    )
    client = login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("programme_timeline"),
        _timeline(
            [
                ("questionnaire", "2027-07-31", "2027-05-01"),
            ]
        ),
    )
    assert response.status_code == 200
    assert "The end must not be before the start." in response.content.decode()
    assert list(TimelinePhase.objects.values_list("kind", flat=True)) == ["workshop"]


def test_the_current_programme_year_is_the_one_that_has_not_ended(coordinator):
    from datetime import date

    from portal.content import current_year

    TimelinePhase.objects.create(
        year=2026, kind="workshop", starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 1)
    )
    TimelinePhase.objects.create(
        year=2027, kind="workshop", starts_on=date(2027, 9, 1), ends_on=date(2027, 9, 1)
    )
    assert current_year(date(2026, 8, 1)) == 2026
    assert current_year(date(2026, 10, 1)) == 2027
    assert current_year(date(2028, 1, 1)) == 2027


def test_a_contact_phone_that_cannot_be_dialled_is_refused_and_nothing_is_saved(coordinator):
    client = login(coordinator)
    response = client.post(
        reverse("programme_edit_language", args=["de"]),
        _post(**{"content-contact_phone": "siehe Website"}),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["contact_phone"]
    assert ProgrammeContent.objects.count() == 0
