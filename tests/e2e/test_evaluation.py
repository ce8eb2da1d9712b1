"""The evaluation in the browser: a household answers its survey on a phone, in Ukrainian; the
coordinator computes the comparison, sees the answer arrive and opens the printable report."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from evaluation.models import Survey, Wave
from evaluation.services import surveys
from tests.e2e.conftest import assert_accessible
from tests.evaluation import conftest as evaluation_fixtures
from tests.evaluation.conftest import arrive
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ARRIVED = datetime(2027, 3, 10, 12, tzinfo=ZoneInfo("Europe/Berlin"))
eval_round = evaluation_fixtures.eval_round  # the hand-checked round of the evaluation tests


def sign_in(page, user) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.rm-form button[type=submit]")
    page.wait_for_url(page.base_url + "/")


@pytest.fixture
def sent_survey(eval_round, coordinator, refugee):
    refugee.preferred_language = "uk"
    refugee.save(update_fields=["preferred_language"])
    arrive(eval_round, "EV-1", eval_round.kiel, ARRIVED)
    surveys.survey_send_now(round=eval_round, wave=Wave.ONE_MONTH, by=coordinator)
    return Survey.objects.get(wave=Wave.ONE_MONTH)


def test_a_household_answers_its_survey_on_a_phone(phone_page, sent_survey, refugee):
    page = phone_page
    sign_in(page, refugee)
    assert page.locator("html").get_attribute("lang") == "uk"
    assert_accessible(page)
    page.click(f"a[href='/evaluation/surveys/{sent_survey.pk}/']")
    page.wait_for_url(f"**/evaluation/surveys/{sent_survey.pk}/")
    assert_accessible(page)
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")

    # Sending without answers: the messages stand next to the questions, nothing is saved.
    page.click("form.rm-form button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("#id_good_decision_error")).to_be_visible()
    assert_accessible(page)

    for name, value in [
        ("good_decision", "5"),
        ("still_fits", "4"),
        ("belonging", "3"),
        ("german_level", "a2"),
        ("language_course", "yes"),
        ("still_there", "yes"),
    ]:
        page.locator(f"input[name='{name}'][value='{value}']").tap()
    page.fill("textarea[name=comment]", "Дякуємо!")
    page.click("form.rm-form button[type=submit]")
    expect(page.locator(".ev-answers")).to_be_visible()
    assert_accessible(page)

    sent_survey.refresh_from_db()
    assert sent_survey.answers["german_level"] == "a2"
    assert sent_survey.answers["comment"] == "Дякуємо!"
    assert sent_survey.language == "uk"


def test_the_coordinator_compares_sees_answers_and_prints_the_report(
    page, sent_survey, refugee, coordinator, settings
):
    settings.REMATCH_REQUIRE_MFA = False
    Authenticator.objects.filter(user=coordinator).delete()
    surveys.survey_answer(
        survey=sent_survey,
        by=refugee,
        language="uk",
        answers={
            "good_decision": "4",
            "still_fits": "4",
            "belonging": "5",
            "german_level": "a1",
            "language_course": "yes",
            "still_there": "yes",
        },
    )
    round_id = sent_survey.round_id
    sign_in(page, coordinator)
    page.click("nav.rm-nav a[href='/evaluation/']")
    assert_accessible(page)

    page.goto(f"{page.base_url}/evaluation/rounds/{round_id}/comparison/")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#comparison-table")
    assert page.locator("tr[data-method=optimum]").is_visible()
    assert page.locator("svg.ev-chart").count() == 2
    assert_accessible(page)

    page.goto(f"{page.base_url}/evaluation/rounds/{round_id}/surveys/")
    assert page.locator("#response-rates tr[data-wave='1'] td").last.inner_text() == "100 %"
    assert_accessible(page)

    page.goto(f"{page.base_url}/evaluation/rounds/{round_id}/report/")
    assert page.locator("button[data-print]").is_visible()  # shown by evaluation.js
    assert_accessible(page)
    page.emulate_media(media="print")
    assert not page.locator("header.rm-header").is_visible()
    assert not page.locator("button[data-print]").is_visible()
    assert page.locator("svg.ev-chart").first.is_visible()
