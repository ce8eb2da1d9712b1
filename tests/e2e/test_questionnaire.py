"""A staff member fills and submits the capacity questionnaire through the real pages; the
coordinator then sees it in the round overview and downloads the export."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from municipalities.models import HousingUnit, Questionnaire, QuestionnaireStatus
from tests.e2e.conftest import assert_accessible
from tests.factories import PASSWORD, QuestionnaireFactory, RoundMunicipalityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def no_mfa(settings):
    settings.REMATCH_REQUIRE_MFA = False
    Authenticator.objects.all().delete()


def sign_in(page, user) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.rm-form button[type=submit]")
    page.wait_for_url(page.base_url + "/")


def save(page) -> None:
    """Press the section form's main button (the last form on the page)."""
    page.locator("form[data-rm-dirty]").last.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_staff_fill_in_and_submit_the_questionnaire_on_a_desktop(page, staff, municipality, no_mfa):
    participation = RoundMunicipalityFactory(municipality=municipality, round__name="Pilot 2026")
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, staff)
    page.click(f"a[href='/municipalities/kiel/rounds/{participation.round_id}/']")
    assert_accessible(page)

    page.fill("input[name=pledged_persons]", "20")
    page.click("form[action$='/pledge/'] button[type=submit]")
    page.wait_for_load_state()
    page.click("form[action$='/questionnaire/'] button[type=submit]")
    page.wait_for_url("**/questionnaire/accommodation/")
    assert_accessible(page)

    # A unit with 0 beds is refused with a message next to the field.
    page.select_option("select[name=unit-kind]", "flat")
    page.fill("input[name=unit-beds]", "0")
    page.click("form[action$='/units/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#id_unit-beds_error").is_visible()
    assert_accessible(page)
    page.fill("input[name=unit-beds]", "4")
    page.check("input[name=unit-wheelchair_accessible]")
    page.fill("input[name=unit-district]", "Gaarden")
    page.click("form[action$='/units/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("table.kern-table tbody tr").count() == 1

    page.fill("input[name=aggregate_places]", "-1")
    save(page)
    assert page.locator("#id_aggregate_places_error").is_visible()
    page.fill("input[name=aggregate_places]", "6")
    save(page)
    page.wait_for_url("**/questionnaire/education/")
    assert_accessible(page)

    for name, value in [
        ("school_places_primary", "4"),
        ("school_places_secondary", "3"),
        ("school_places_vocational", "1"),
        ("kita_places_under3", "1"),
        ("kita_places_3to6", "2"),
    ]:
        page.fill(f"input[name={name}]", value)
    save(page)
    page.wait_for_url("**/questionnaire/courses/")
    page.fill("input[name=integration_course_seats]", "20")
    page.fill("input[name=job_course_seats]", "5")
    page.fill("input[name=course_waiting_weeks]", "6")
    save(page)
    page.wait_for_url("**/questionnaire/health/")
    assert_accessible(page)
    page.check("input[name=gp_availability][value=good]")
    page.check("input[name=paediatrics_availability][value=limited]")
    page.fill("input[name=psychotherapy_places]", "2")
    page.check("input[name=specialist_care][value=dialysis]")
    save(page)
    page.wait_for_url("**/questionnaire/labour/")
    page.check("input[name=sectors_in_demand][value='81']")
    page.fill("input[name=apprenticeship_places]", "3")
    page.check("input[name=recognition_counselling]")
    save(page)
    page.wait_for_url("**/questionnaire/community/")
    page.check("input[name=ukrainian_community][value=large]")
    page.fill("input[name=migrant_organisations]", "4")
    page.check("input[name=public_transport][value=good]")
    page.fill("textarea[name=notes]", "Wohnungen in Gaarden sind gut angebunden.")
    save(page)
    page.wait_for_url(f"**/municipalities/kiel/rounds/{participation.round_id}/")
    assert page.locator("#questionnaire-progress").get_attribute("value") == "6"
    assert_accessible(page)

    page.click("form[action$='/submit/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("form[action$='/submit/']").count() == 0
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.status == QuestionnaireStatus.SUBMITTED
    assert questionnaire.capacity() == {
        "persons": 10,
        "school": 8,
        "kita": 3,
        "accessible": 1,
        "psychotherapy": 2,
    }
    assert questionnaire.sectors_in_demand == ["81"]
    assert HousingUnit.objects.get().district == "Gaarden"
    participation.refresh_from_db()
    assert participation.pledged_persons == 20

    # Submitted means read-only.
    page.goto(page.url + "questionnaire/education/")
    assert page.locator("input[name=school_places_primary]").count() == 0
    assert_accessible(page)


def test_staff_fill_in_a_section_on_a_phone(phone_page, staff, municipality, no_mfa):
    page = phone_page
    participation = RoundMunicipalityFactory(municipality=municipality)
    Questionnaire.objects.create(round=participation.round, municipality=municipality)
    sign_in(page, staff)
    page.goto(
        page.base_url
        + f"/municipalities/kiel/rounds/{participation.round_id}/questionnaire/education/"
    )
    assert_accessible(page)
    # One column on a phone: nothing wider than the screen outside scrollable tables.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    for name in (
        "school_places_primary",
        "school_places_secondary",
        "school_places_vocational",
        "kita_places_under3",
        "kita_places_3to6",
    ):
        page.fill(f"input[name={name}]", "2")
    save(page)
    page.wait_for_url("**/questionnaire/courses/")
    assert_accessible(page)
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.capacity()["school"] == 6
    assert "education" in questionnaire.completed_sections


def test_the_coordinator_sees_the_submission_and_downloads_the_export(
    page, coordinator, municipality, no_mfa
):
    questionnaire = QuestionnaireFactory(
        municipality=municipality, status=QuestionnaireStatus.SUBMITTED
    )
    sign_in(page, coordinator)
    page.goto(page.base_url + f"/rounds/{questionnaire.round_id}/")
    assert page.locator("table.kern-table").first.inner_text().count("Kiel") == 1
    assert_accessible(page)
    with page.expect_download() as download:
        page.click(f"a[href='/rounds/{questionnaire.round_id}/export.csv']")
    content = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    assert "Kiel" in content
    assert "01002000" in content


def test_adding_a_housing_unit_keeps_the_sections_unsaved_answers(
    page, staff, municipality, no_mfa
):
    """The section's answers and the unit form are two forms: adding a unit used to drop what
    had been typed into the section without saving."""
    participation = RoundMunicipalityFactory(municipality=municipality, round__name="Pilot 2026")
    questionnaire = QuestionnaireFactory(
        municipality=municipality, round=participation.round, aggregate_places=2
    )
    sign_in(page, staff)
    page.goto(
        page.base_url
        + f"/municipalities/kiel/rounds/{participation.round_id}/questionnaire/accommodation/"
    )
    page.fill("input[name=aggregate_places]", "7")
    page.select_option("select[name=unit-kind]", "flat")
    page.fill("input[name=unit-beds]", "3")
    page.click("form[action$='/units/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("table.kern-table tbody tr").count() == 1
    assert page.input_value("input[name=aggregate_places]") == "7"
    assert page.locator(".rm-kept").is_visible()
    questionnaire.refresh_from_db()
    assert questionnaire.aggregate_places == 2  # kept in the page, not saved behind their back
    save(page)
    page.wait_for_url("**/questionnaire/education/")
    questionnaire.refresh_from_db()
    assert questionnaire.aggregate_places == 7
    assert questionnaire.housing_units.count() == 1
