"""The coordinator takes a municipal staff member's access away in the browser: asked once,
then told; the staff member's next page no longer shows the municipality."""

from __future__ import annotations

import pytest

from municipalities.models import StaffMembership
from tests.e2e.conftest import CONFIRM, assert_accessible, sign_in_with_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_coordinator_removes_and_gives_back_access(page, coordinator, municipality, staff):
    sign_in_with_cookie(page, coordinator)
    page.goto(f"{page.base_url}/municipalities/{municipality.slug}/")
    assert staff.email in page.inner_text("#staff + p + .rm-table-wrap")
    assert_accessible(page)
    with page.expect_navigation():
        page.click(f"button[aria-label^='Zugang entziehen: {staff.full_name or staff.email}']")
    assert page.locator("h1").inner_text() == "Zugang entziehen?"
    assert_accessible(page)
    with page.expect_navigation():
        page.click(CONFIRM)
    assert "hat keinen Zugang mehr" in page.inner_text("main")
    assert not StaffMembership.objects.filter(user=staff, municipality=municipality).exists()
    page.fill("input[name=email]", staff.email)
    with page.expect_navigation():
        page.click("form[action$='/staff/add/'] button[type=submit]")
    assert "hat jetzt Zugang" in page.inner_text("main")
    assert StaffMembership.objects.filter(user=staff, municipality=municipality).exists()
