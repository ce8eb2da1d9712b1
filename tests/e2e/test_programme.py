"""A programme with two cohorts in the browser: the coordinator creates it, records a pledge,
adds the cohorts, runs the first with places kept for the second and reads the programme's
table; the table works on a phone in Ukrainian."""

from __future__ import annotations

import re

import pytest

from rounds.models import Programme, RoundStatus
from tests.e2e.conftest import CONFIRM, assert_accessible, sign_in_with_cookie
from tests.matching.builders import add_household, add_municipality

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _add_cohort(page, programme: Programme, name: str, arrival: str, expected: int) -> None:
    page.goto(f"{page.base_url}/programmes/{programme.pk}/cohorts/new/")
    page.fill("input[name=name]", name)
    page.fill("input[name=questionnaire_opens]", "2027-01-10")
    page.fill("input[name=questionnaire_deadline]", "2027-02-01")
    page.fill("input[name=arrival_date]", arrival)
    page.fill("input[name=expected_households]", str(expected))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/rounds/\d+/$"))


def test_a_programme_with_two_cohorts(page, phone_page, coordinator, municipality, organisation):
    sign_in_with_cookie(page, coordinator)
    page.goto(f"{page.base_url}/programmes/new/")
    assert_accessible(page)
    page.fill("input[name=name]", "Programm 2027")
    page.fill("input[name=starts_on]", "2027-01-01")
    page.fill("input[name=ends_on]", "2027-12-31")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/programmes/\d+/$"))
    programme = Programme.objects.get(name="Programm 2027")

    page.select_option("select[name=municipality]", str(municipality.pk))
    page.fill("input[name=persons]", "6")
    page.click("form[action$='/pledges/'] button[type=submit]")
    page.wait_for_load_state()
    assert programme.pledges.get().persons == 6

    _add_cohort(page, programme, "Kohorte 1", "2027-03-01", 3)
    first = programme.rounds.get(name="Kohorte 1")
    add_municipality(first, municipality, units=[(4, False, False)], kita_places_3to6=1)
    for reference, ages in (("HH-1", (30, 4)), ("HH-2", (40, 41)), ("HH-3", (35, 36, 10))):
        add_household(first, organisation, reference, ages=ages)
    first.status = RoundStatus.QUESTIONNAIRE
    first.save(update_fields=["status"])
    _add_cohort(page, programme, "Kohorte 2", "2027-06-01", 4)

    page.goto(f"{page.base_url}/rounds/{first.pk}/runs/")
    assert page.is_checked("input[name=use_forecast]")
    page.click("form.rm-form button[type=submit] >> nth=0")
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    page.wait_for_selector("#kept-heading")
    assert "Für spätere Kohorten freigehalten" in page.content()
    assert "noch 4 Haushalte in 1 weiteren Kohorte" in page.content()
    assert_accessible(page)

    page.goto(f"{page.base_url}/programmes/{programme.pk}/")
    assert "Belegt durch Kohorte 1" in page.content()
    assert "Belegt durch Kohorte 2" in page.content()
    assert_accessible(page)

    sign_in_with_cookie(phone_page, coordinator)
    phone_page.goto(f"{phone_page.base_url}/programmes/{programme.pk}/")
    assert "Місця за муніципалітетами" in phone_page.content()
    # The page itself does not scroll sideways at 390 px; wide tables scroll in their box.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert_accessible(phone_page)


def test_the_coordinator_compares_fair_shares_and_publishes_the_chosen_variant(
    page, coordinator, municipality, other_municipality, organisation
):
    sign_in_with_cookie(page, coordinator)
    page.goto(f"{page.base_url}/programmes/new/")
    page.fill("input[name=name]", "Programm 2027")
    page.fill("input[name=starts_on]", "2027-01-01")
    page.fill("input[name=ends_on]", "2027-12-31")
    page.fill("input[name=fair_share_percent]", "50")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/programmes/\d+/$"))
    programme = Programme.objects.get(name="Programm 2027")
    assert programme.fair_share_percent == 50
    for place, persons in ((municipality, "6"), (other_municipality, "4")):
        page.select_option("select[name=municipality]", str(place.pk))
        page.fill("input[name=persons]", persons)
        page.click("form[action$='/pledges/'] button[type=submit]")
        page.wait_for_load_state()

    _add_cohort(page, programme, "Kohorte 1", "2027-03-01", 3)
    cohort = programme.rounds.get()
    add_municipality(cohort, municipality, units=[(4, False, False), (3, False, False)])
    add_municipality(
        cohort,
        other_municipality,
        units=[(4, False, False)],
        gp_availability="none",
        paediatrics_availability="none",
        ukrainian_community="none",
        public_transport="poor",
    )
    for reference, ages in (("HH-1", (30, 8)), ("HH-2", (40, 41)), ("HH-3", (35, 36, 10))):
        add_household(cohort, organisation, reference, ages=ages)
    cohort.status = RoundStatus.QUESTIONNAIRE
    cohort.save(update_fields=["status"])

    page.goto(f"{page.base_url}/rounds/{cohort.pk}/runs/")
    page.click("form.rm-form button[type=submit] >> nth=0")
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    page.wait_for_selector("#fair-heading")
    section = page.locator("[data-fair-share]")
    assert "wo die Haushalte es zulassen" in section.inner_text()
    row = page.locator(f"[data-fair-rows] tr[data-municipality='{other_municipality.slug}']")
    assert int(row.locator("[data-fair]").inner_text()) >= 2
    assert_accessible(page)

    page.click("button[name=variant][value=fair]")
    page.wait_for_selector("text=Die Vorschläge enthalten jetzt die Variante mit fairen Anteilen")
    assert "Die Vorschläge auf dieser Seite enthalten die Variante mit fairen Anteilen" in (
        page.content()
    )
    # What the page says about the result is the chosen variant's: its own stability check,
    # its result file, its sensitivity.
    assert page.locator("[data-stability-floors]").count() == 1
    assert "die angezeigte Variante mit fairen Anteilen" in page.content()
    assert page.locator("[data-sensitivity-variant]").count() == 1
    page.click("form[action$='/publish/'] button[type=submit]")
    page.wait_for_selector(CONFIRM)  # asked once, on a page of its own
    page.click(CONFIRM)
    page.wait_for_load_state()
    run = cohort.runs.get()
    assert run.published_at is not None
    assert run.offers.filter(municipality=other_municipality).exists()
