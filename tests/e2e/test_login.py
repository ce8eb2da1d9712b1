from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_accessible
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_signs_in_through_the_login_page_and_sees_the_dashboard(page, caseworker):
    page.goto(page.base_url + "/")
    page.click("aside.rm-signin-box a")  # visitors land on the programme page
    assert "/accounts/login/" in page.url
    assert_accessible(page)
    page.fill("input[name=login]", caseworker.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.rm-form button[type=submit]")
    page.wait_for_url(page.base_url + "/")
    assert page.locator("h1").inner_text().startswith("Willkommen")
    assert_accessible(page)
    page.goto(page.base_url + "/accessibility/")
    assert_accessible(page)


def test_the_language_switch_works_in_the_browser(page, caseworker):
    page.goto(page.base_url + "/accounts/login/")
    with page.expect_navigation():
        page.click("header button[name=language][value=uk]")  # a button, no submit on change
    assert page.locator("html").get_attribute("lang") == "uk"
    assert_accessible(page)


def test_a_refugee_whose_code_mail_cannot_leave_is_told_so_on_the_phone(phone_page, refugee):
    """The mail server is down: back on the form, a message in Ukrainian, no error page."""
    from unittest import mock

    from core import mail

    phone_page.goto(phone_page.base_url + "/accounts/login/code/")
    phone_page.fill("input[name=email]", refugee.email)
    down = ConnectionRefusedError(111, "Connection refused")
    with mock.patch.object(mail.Message, "send", side_effect=down), phone_page.expect_navigation():
        phone_page.click("main form button[type=submit]")
    assert phone_page.url.endswith("/accounts/login/code/")
    assert "Не вдалося надіслати лист саме зараз" in phone_page.inner_text("main")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the message must not scroll sideways on a phone"
    assert_accessible(phone_page)
