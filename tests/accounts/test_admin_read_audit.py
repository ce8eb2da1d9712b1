"""Reads of personal data are audited in the admin and on the portal's edit pages, not only on
the profile page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_opening_a_household_in_the_admin_is_audited(support, household):
    user, client = support
    response = client.get(reverse("admin:refugees_household_change", args=[household.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="admin.object.viewed")
    assert (event.actor, event.target_type, event.target_id) == (
        user,
        "refugees.household",
        str(household.pk),
    )


def test_opening_an_account_in_the_admin_is_audited(support, refugee):
    _user, client = support
    client.get(reverse("admin:accounts_user_change", args=[refugee.pk]))
    assert AuditEvent.objects.filter(
        action="admin.object.viewed", target_type="accounts.user", target_id=str(refugee.pk)
    ).exists()


def test_the_admin_list_and_a_missing_object_write_no_read_entry(support, household):
    _user, client = support
    assert client.get(reverse("admin:refugees_household_changelist")).status_code == 200
    client.get(reverse("admin:refugees_household_change", args=[999_999]))
    assert not AuditEvent.objects.filter(action="admin.object.viewed").exists()


@pytest.mark.parametrize(
    "page",
    [
        "household_members",
        "household_needs",
        "household_edit",
        "household_preferences",
        "household_relatives",
    ],
)
def test_the_portal_edit_pages_audit_the_read(as_caseworker, caseworker, household, page):
    response = as_caseworker.get(reverse(page, args=[household.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="refugees.household.viewed")
    assert event.actor == caseworker
    assert event.target_id == str(household.pk)
    assert event.changes["part"]
