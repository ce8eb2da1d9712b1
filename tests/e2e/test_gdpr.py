"""Data protection in the browser: the household downloads its data on a phone; a coordinator
reads the records of processing and erases a household on request. Every page passes axe."""

from __future__ import annotations

import pytest

from refugees.models import Household
from tests.e2e.conftest import assert_accessible, sign_in_with_cookie
from tests.factories import PASSWORD, MemberFactory, complete_household

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_household_downloads_its_data_on_a_phone(phone_page, household, refugee):
    complete_household(household)
    MemberFactory(household=household, full_name="Олена Коваленко", relation="child")
    phone_page.goto(phone_page.base_url + "/accounts/login/")
    phone_page.fill("input[name=login]", refugee.email)
    phone_page.fill("input[name=password]", PASSWORD)
    phone_page.click("form.rm-form button[type=submit]")
    phone_page.wait_for_url(phone_page.base_url + "/")
    assert_accessible(phone_page)
    with phone_page.expect_download() as download:
        phone_page.click(f"a[href='/households/{household.pk}/export.pdf']")
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    assert download.value.suggested_filename.endswith(".pdf")


def test_a_coordinator_erases_a_household_on_request(page, coordinator, household):
    complete_household(household)
    sign_in_with_cookie(page, coordinator)
    page.goto(page.base_url + "/records-of-processing/")
    assert_accessible(page)
    page.goto(page.base_url + f"/households/{household.pk}/")
    assert_accessible(page)
    page.click(f"a[href='/households/{household.pk}/erase/']")
    assert_accessible(page)
    page.click("main form.rm-form button[type=submit]")  # nothing filled in
    assert_accessible(page)
    assert Household.objects.get().anonymised_at is None
    page.check("input[name=reason][value=request]")
    page.check("input[name=confirmed]")
    with page.expect_navigation():
        page.click("main form.rm-form button[type=submit]")
    assert page.url.endswith(f"/households/{household.pk}/")
    assert_accessible(page)
    assert Household.objects.get().anonymised_at is not None
