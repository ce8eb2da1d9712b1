from __future__ import annotations

import re

import pytest
from django.core import mail

from refugees.models import Household
from tests.e2e.conftest import assert_accessible
from tests.factories import PASSWORD, OpenRoundFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _submit(page) -> None:
    with page.expect_navigation():
        page.click("main form.rm-form button[type=submit] >> nth=-1")


def _record_household(page, caseworker, round_) -> Household:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=login]", caseworker.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.rm-form button[type=submit]")
    page.wait_for_url(page.base_url + "/")
    page.goto(page.base_url + "/households/new/")
    assert_accessible(page)
    _submit(page)
    household = Household.objects.get()
    assert page.url.endswith(f"/households/{household.pk}/members/")
    assert_accessible(page)
    page.fill("input[name=full_name]", "Olena Kovalenko")
    page.fill("input[name=date_of_birth]", "1988-03-04")
    page.select_option("select[name=sex]", "f")
    page.select_option("select[name=relation]", "contact")
    page.select_option("select[name=lang_uk]", "native")
    page.select_option("select[name=lang_de]", "A2")
    page.select_option("select[name=sector]", "84")
    _submit(page)
    page.fill("input[name=full_name]", "Maksym Kovalenko")
    page.fill("input[name=date_of_birth]", "2017-05-01")
    page.select_option("select[name=sex]", "m")
    page.select_option("select[name=relation]", "child")
    _submit(page)
    assert household.members.count() == 2
    page.goto(page.base_url + f"/households/{household.pk}/needs/")
    assert_accessible(page)
    page.check("input[name=psychotherapy]")
    _submit(page)
    assert page.url.endswith("/preferences/")
    assert_accessible(page)
    page.check("input[name=settlement_types][value=big_city]")
    page.check("input[name=has_pets]")
    _submit(page)
    assert page.url.endswith("/relatives/")
    assert_accessible(page)
    page.goto(page.base_url + f"/households/{household.pk}/consent/")
    assert_accessible(page)
    page.check("input[name=confirmed]")
    _submit(page)
    assert page.url.endswith("/rounds/")
    assert_accessible(page)
    page.select_option("select[name=round]", str(round_.pk))
    _submit(page)
    page.goto(page.base_url + f"/households/{household.pk}/account/")
    page.fill("main input[name=email]", "olena.k@example.net")
    page.select_option("main select[name=language]", "uk")
    _submit(page)
    assert_accessible(page)
    page.goto(page.base_url + f"/households/{household.pk}/")
    assert "100" in page.locator("#completeness").get_attribute("value")
    assert_accessible(page)
    return household


def test_a_caseworker_records_a_household_and_the_contact_person_reads_it_on_a_phone(
    page, phone_page, caseworker
):
    round_ = OpenRoundFactory(name="Pilot")
    household = _record_household(page, caseworker, round_)
    assert household.has_valid_consent
    assert household.round_entries.filter(round=round_).exists()
    assert household.needs.psychotherapy

    link = re.search(r"https?://\S+/invitations/accept/\S+/", str(mail.outbox[-1].body)).group(0)
    path = link.split("/invitations/", 1)[1]
    phone = phone_page
    phone.goto(phone.base_url + "/invitations/" + path)
    assert_accessible(phone)
    phone.click("main form button[type=submit]")
    phone.wait_for_url(phone.base_url + "/")
    assert phone.locator("html").get_attribute("lang") == "uk"
    assert household.reference in phone.content()
    assert "Olena Kovalenko" in phone.content()
    assert_accessible(phone)

    # Later visits: sign in with a one-time code sent by e-mail.
    with phone.expect_navigation():
        phone.click("header .rm-nav-toggle")  # on a phone the navigation folds into a menu
        phone.click("header form[action$='/logout/'] button")
    phone.goto(phone.base_url + "/accounts/login/code/")
    phone.fill("input[name=email]", "olena.k@example.net")
    with phone.expect_navigation():
        phone.click("main form button[type=submit]")
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", str(mail.outbox[-1].body), re.M).group(1)
    phone.fill("input[name=code]", code)
    phone.click("main form button[type=submit]")
    phone.wait_for_url(phone.base_url + "/")
    assert phone.locator("html").get_attribute("lang") == "uk"
    assert "Maksym Kovalenko" in phone.content()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the summary must not scroll sideways on a phone"
    assert_accessible(phone)
