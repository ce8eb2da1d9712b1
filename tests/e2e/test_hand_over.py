"""A caseworker leaves: the coordinator deactivates the account in the browser and is led on
to hand the households over to a colleague, who then finds them under "only mine"."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from refugees.models import Household
from tests.e2e.conftest import CONFIRM, assert_accessible, sign_in_with_cookie
from tests.factories import HouseholdFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_deactivating_a_caseworker_hands_their_households_over(
    page, coordinator, organisation, caseworker
):
    colleague = UserFactory(
        email="carla@hilfe.example",
        full_name="Carla",
        role=Role.CASEWORKER,
        organisation=organisation,
    )
    for reference in ("HH-00101", "HH-00102"):
        HouseholdFactory(reference=reference, organisation=organisation, caseworker=caseworker)
    sign_in_with_cookie(page, coordinator)
    page.goto(f"{page.base_url}/organisations/{organisation.pk}/")
    with page.expect_navigation():
        page.click(f"button[aria-label='Deaktivieren: {caseworker.full_name}']")
    assert "betreut 2 Haushalte: Als Nächstes wählen Sie" in page.inner_text("main")
    with page.expect_navigation():
        page.click(CONFIRM)
    assert page.locator("h1").inner_text() == "Haushalte übergeben"
    assert_accessible(page)
    page.select_option("select[name=to]", label="Carla")
    with page.expect_navigation():
        page.click(CONFIRM)
    assert "2 Haushalte wurden an Carla übergeben." in page.inner_text("main")
    assert Household.objects.filter(caseworker=colleague).count() == 2
    assert not page.locator(f"a[href$='/caseworkers/{caseworker.pk}/hand-over/']").count()
