"""The public pages: open to everyone, in every language, generated from the platform's own
data (the scoring model, the evaluation, the programme content)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from matching import scoring
from matching.models import Run
from portal.demo import seed as seed_portal_demo
from portal.models import PhaseKind, ProgrammeContent, Quote, TimelinePhase
from rounds.models import Round
from tests.conftest import login

pytestmark = pytest.mark.django_db

PUBLIC = ["public_programme", "public_matching", "public_results", "public_refugees"]


@pytest.mark.parametrize("language", ["de", "en", "uk"])
@pytest.mark.parametrize("name", PUBLIC)
def test_a_visitor_reads_every_public_page_without_signing_in(name, language):
    seed_portal_demo(scale="demo", stdout=None)
    client = Client()
    client.cookies["django_language"] = language
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert reverse("account_login") in html


def test_a_visitor_landing_on_the_start_page_sees_the_programme_and_a_sign_in_link():
    seed_portal_demo(scale="demo", stdout=None)
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert "portal/programme.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "Beispielprogramm 2027" in html
    assert 'href="/accounts/login/"' in html


def test_a_signed_in_user_still_gets_the_dashboard_on_the_start_page(caseworker):
    response = login(caseworker).get("/")
    assert "portal/dashboard_caseworker.html" in [t.name for t in response.templates]


def test_the_programme_page_shows_the_content_in_the_readers_language_with_quotes_and_timeline():
    seed_portal_demo(scale="demo", stdout=None)
    client = Client()
    client.cookies["django_language"] = "uk"
    html = client.get(reverse("public_programme")).content.decode()
    assert "Приклад програми 2027" in html
    assert "Приклад особи" in html  # the quote's speaker
    with translation.override("uk"):
        assert str(PhaseKind.WORKSHOP.label) in html  # the phase, in the reader's language
    assert "2027-09-23" in html  # the workshop date, machine-readable


def test_the_demo_content_says_it_is_an_example_and_quotes_no_real_person():
    seed_portal_demo(scale="demo", stdout=None)
    seed_portal_demo(scale="demo", stdout=None)  # idempotent
    assert ProgrammeContent.objects.count() == 3
    assert all(c.is_example for c in ProgrammeContent.objects.all())
    for quote in Quote.objects.all():
        assert any(word in quote.text for word in ("Beispiel", "Example", "Приклад"))
    html = Client().get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "rm-example-notice" in html


def test_a_language_without_its_own_text_falls_back_to_german_and_marks_the_language():
    ProgrammeContent.objects.create(language="de", title="Programm 2027", summary="Text.")
    client = Client()
    client.cookies["django_language"] = "uk"
    html = client.get(reverse("public_programme")).content.decode()
    assert '<article class="rm-programme" lang="de">' in html
    assert "Programm 2027" in html


def test_the_programme_page_without_any_content_still_explains_the_platform():
    response = Client().get(reverse("public_programme"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert TimelinePhase.objects.count() == 0


def test_the_refugee_page_speaks_ukrainian_first_whatever_the_browser_says():
    response = Client().get(reverse("public_refugees"), HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    assert '<html lang="uk">' in html
    assert response["Content-Language"] == "uk"
    assert 'href="?language=de"' in html
    german = Client().get(reverse("public_refugees") + "?language=de").content.decode()
    assert '<html lang="de">' in german


def test_the_refugee_page_shows_the_consent_text_households_agree_to():
    from refugees.models import CURRENT_CONSENT_VERSION

    html = Client().get(reverse("public_refugees")).content.decode()
    assert CURRENT_CONSENT_VERSION in html


# --- how matching works: generated from the scoring model ---------------------------------------


def _criteria_page(client: Client | None = None) -> str:
    client = client or Client()
    return client.get(reverse("public_matching"), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_every_criterion_and_hard_constraint_of_the_scoring_model_is_explained():
    from portal.criteria import CRITERION_TEXTS, HARD_CONSTRAINT_TEXTS

    assert set(scoring.CRITERIA) == set(CRITERION_TEXTS)
    assert set(scoring.HARD_CONSTRAINTS) == set(HARD_CONSTRAINT_TEXTS)
    html = _criteria_page()
    for code in [*scoring.CRITERIA, *scoring.HARD_CONSTRAINTS]:
        assert f'data-code="{code}"' in html


def test_the_criteria_page_changes_when_a_weight_of_the_scoring_model_changes(monkeypatch):
    before = _criteria_page()
    assert '<td class="kern-table__cell kern-table__cell--numeric">40</td>' in before
    monkeypatch.setitem(scoring.CRITERIA, "relatives", ("community", 73))
    after = _criteria_page()
    assert '<td class="kern-table__cell kern-table__cell--numeric">73</td>' in after
    # ... and the scoring itself uses the same number: no second copy.
    assert scoring.normalised_weights({})["relatives"] == 73


def test_the_criteria_page_lists_a_new_criterion_and_drops_a_removed_one(monkeypatch):
    monkeypatch.setitem(scoring.CRITERIA, "commute", ("work", 12))
    monkeypatch.delitem(scoring.CRITERIA, "housing")
    html = _criteria_page()
    assert 'data-code="commute"' in html
    assert 'data-code="housing"' not in html


def test_a_hard_constraint_removed_from_the_model_disappears_from_the_page(monkeypatch):
    monkeypatch.delitem(scoring.HARD_CONSTRAINTS, "pets")
    assert 'data-code="pets"' not in _criteria_page()


def test_the_weights_of_each_published_round_are_shown_and_unpublished_runs_are_not():
    from datetime import date

    from django.utils import timezone

    published = Round.objects.create(
        name="Runde Nord",
        status="matching",
        questionnaire_opens=date(2027, 1, 1),
        questionnaire_deadline=date(2027, 2, 1),
        arrival_date=date(2027, 3, 1),
    )
    hidden = Round.objects.create(
        name="Runde Süd",
        status="matching",
        questionnaire_opens=date(2027, 1, 1),
        questionnaire_deadline=date(2027, 2, 1),
        arrival_date=date(2027, 3, 1),
    )
    Run.objects.create(
        round=published,
        iteration=1,
        status="succeeded",
        weights={"relatives": 61},
        published_at=timezone.now(),
    )
    Run.objects.create(round=hidden, iteration=1, status="succeeded", weights={"relatives": 62})
    html = _criteria_page()
    assert "Runde Nord" in html
    assert ">61<" in html
    assert "Runde Süd" not in html
    assert ">62<" not in html


def test_the_public_pages_make_a_bounded_number_of_queries(django_assert_max_num_queries):
    seed_portal_demo(scale="demo", stdout=None)
    client = Client()
    with django_assert_max_num_queries(8):
        client.get(reverse("public_programme"))
    with django_assert_max_num_queries(8):
        client.get(reverse("public_matching"))


def test_the_site_has_an_icon_where_browsers_look_for_it():
    """Every page load asked for /favicon.ico and got a 404 (a log line each time)."""
    client = Client()
    page = client.get(reverse("public_programme")).content.decode()
    assert 'rel="icon" href="/static/img/favicon' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/img/favicon")
