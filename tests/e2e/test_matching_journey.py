"""The whole journey: the coordinator runs and publishes, the municipality confirms, the refugee
accepts on a phone."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from matching.models import Offer, OfferStatus, PairRuleKind
from matching.services.runs import pair_rule_set
from tests.e2e.conftest import CONFIRM, assert_accessible, sign_in_with_cookie
from tests.matching.conftest import small_round  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_run_publish_confirm_and_accept(
    page,
    phone_page,
    small_round,  # noqa: F811
    coordinator,
    staff,
    refugee,
    municipality,
    household,
):
    pair_rule_set(
        round=small_round,
        household=household,
        municipality=municipality,
        kind=PairRuleKind.PIN,
        by=coordinator,
        reason_code="family_reunification",
    )
    page.on("dialog", lambda dialog: dialog.accept())

    # The coordinator starts a run and publishes it.
    sign_in_with_cookie(page, coordinator)
    page.goto(f"{page.base_url}/rounds/{small_round.pk}/runs/")
    assert_accessible(page)
    page.click("form.rm-form button[type=submit] >> nth=0")
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    page.wait_for_selector("form[action$='/publish/'] button")
    assert_accessible(page)
    page.click("form[action$='/publish/'] button")
    page.wait_for_selector(CONFIRM)  # asked once, on a page of its own
    assert_accessible(page)
    page.click(CONFIRM)
    page.wait_for_load_state()
    offer = Offer.objects.get(household=household)
    assert offer.municipality == municipality

    # The municipality confirms.
    staff_page = page.context.browser.new_context(bypass_csp=True, locale="de-DE").new_page()
    staff_page.base_url = page.base_url
    sign_in_with_cookie(staff_page, staff)
    staff_page.goto(f"{page.base_url}/offers/{offer.pk}/")
    assert "Olena" not in staff_page.content()  # anonymised profile
    assert_accessible(staff_page)
    staff_page.click("button[name=answer][value=yes]")
    staff_page.click(CONFIRM)
    staff_page.wait_for_load_state()

    # The refugee signs in with a one-time code on a phone and accepts, in Ukrainian.
    phone_page.goto(phone_page.base_url + "/accounts/login/code/")
    phone_page.fill("input[name=email]", refugee.email)
    phone_page.click("main form button[type=submit]")
    phone_page.wait_for_url(re.compile(r"/accounts/login/code/confirm/"))
    codes = [re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", str(m.body), re.M) for m in mail.outbox]
    code = [c.group(1) for c in codes if c][-1]
    phone_page.fill("input[name=code]", code)
    phone_page.click("main form button[type=submit]")
    phone_page.wait_for_url(phone_page.base_url + "/")
    phone_page.goto(f"{phone_page.base_url}/offers/{offer.pk}/")
    assert phone_page.locator("html").get_attribute("lang") == "uk"
    assert_accessible(phone_page)
    overflow = phone_page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
    phone_page.click("button[name=answer][value=yes]")
    phone_page.wait_for_selector(CONFIRM)
    assert_accessible(phone_page)
    phone_page.click(CONFIRM)
    phone_page.wait_for_load_state()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED

    # Now the municipality sees the names.
    staff_page.goto(f"{page.base_url}/offers/{offer.pk}/")
    assert "Olena 0" in staff_page.content()
