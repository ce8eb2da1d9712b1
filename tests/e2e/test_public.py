"""The public pages for visitors, in every language, at desktop and phone sizes."""

from __future__ import annotations

import pytest

from portal.demo import seed as seed_portal_demo
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/how-matching-works/", "/results/", "/for-refugees/"]


def _visit_all(page) -> None:
    seed_portal_demo(scale="demo", stdout=None)
    page.goto(page.base_url + "/for-refugees/")  # no language chosen yet: Ukrainian first
    assert page.locator("html").get_attribute("lang") == "uk"
    for language in ("de", "en", "uk"):
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": page.base_url}]
        )
        for path in PAGES:
            page.goto(page.base_url + path)
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator("h1").count() == 1
            assert_accessible(page)


def test_public_pages_are_accessible_on_a_desktop(page):
    _visit_all(page)


def test_public_pages_are_accessible_and_fit_on_a_phone(phone_page):
    _visit_all(phone_page)
    # Nothing wider than the screen: no sideways scrolling on the programme page.
    phone_page.goto(phone_page.base_url + "/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
