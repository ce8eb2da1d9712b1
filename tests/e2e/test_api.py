"""The API documentation page in a real browser under the strict CSP, and the token page."""

from __future__ import annotations

import pytest

from api.models import ApiToken
from tests.e2e.conftest import assert_accessible, horizontal_overflow
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_under_the_strict_csp(browser, live_server):
    # No bypass_csp here: the page must work with the policy the server sends.
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.goto(live_server.url + "/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Re:Match API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag-section", timeout=15_000)
    assert page.locator(".opblock").count() > 40
    assert not [p for p in problems if "Content Security Policy" in p or "CSP" in p], problems
    assert not problems, problems
    requested_hosts = page.evaluate(
        "Array.from(performance.getEntriesByType('resource')).map(e => new URL(e.name).host)"
    )
    assert set(requested_hosts) <= {live_server.url.split("//")[1]}
    context.close()


def test_the_api_docs_fit_a_phone_and_pass_axe(phone_page):
    """The one page the 390 px sweep (test_phone_layout.py) leaves here: Swagger UI draws it
    after loading the schema, so the check waits for the operations."""
    phone_page.goto(phone_page.base_url + "/api/v1/docs/")
    phone_page.wait_for_selector(".opblock-tag-section", timeout=15_000)
    assert not horizontal_overflow(phone_page), horizontal_overflow(phone_page)
    assert_accessible(phone_page)


def test_a_caseworker_creates_and_revokes_a_token(page, caseworker):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=login]", caseworker.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.rm-form button[type=submit]")
    page.wait_for_url(page.base_url + "/")
    page.goto(page.base_url + "/account/tokens/")
    assert_accessible(page)
    page.fill("input[name=name]", "Case management")
    with page.expect_navigation():
        page.click("main form.rm-form button[type=submit]")
    clear = page.input_value("#new-token")
    token = ApiToken.objects.get(user=caseworker)
    assert clear.startswith(token.prefix)
    assert_accessible(page)
    with page.expect_navigation():
        page.click("main table button[type=submit]")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert_accessible(page)
