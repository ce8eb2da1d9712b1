"""Who has access to a municipality: the coordinator sees its staff on the municipality's page
and takes access away when someone leaves the office (audited; the account stays)."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.roles import Role
from municipalities.models import StaffMembership
from municipalities.services.staff import staff_remove
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


def _detail(client, municipality, language="de"):
    return client.get(
        reverse("municipality_detail", args=[municipality.slug]), HTTP_ACCEPT_LANGUAGE=language
    )


def test_the_coordinator_sees_who_has_access_and_who_is_invited(
    as_coordinator, municipality, staff, other_staff
):
    InvitationFactory(role=Role.MUNICIPAL_STAFF, organisation=None).municipalities.add(municipality)
    User.objects.filter(pk=staff.pk).update(mail_refused_at=timezone.now())
    page = _detail(as_coordinator, municipality).content.decode()
    assert "Zugang für Mitarbeitende der Kommune" in page
    assert staff.email in page
    assert other_staff.email not in page  # another municipality's staff
    assert "E-Mail nicht zugestellt" in page
    assert "Eine weitere Person ist eingeladen" in page
    assert reverse("municipality_staff_remove", args=[municipality.slug, staff.pk]) in page


def test_the_page_in_ukrainian(as_coordinator, municipality, staff):
    page = _detail(as_coordinator, municipality, "uk").content.decode()
    assert "Доступ для працівників муніципалітету" in page
    assert "Скасувати доступ" in page


def test_staff_see_their_municipality_but_not_who_else_has_access(as_staff, municipality, staff):
    response = _detail(as_staff, municipality)
    assert response.status_code == 200
    assert "Zugang für Mitarbeitende der Kommune" not in response.content.decode()


def test_removing_access_asks_first_and_changes_nothing_until_confirmed(
    as_coordinator, municipality, staff
):
    url = reverse("municipality_staff_remove", args=[municipality.slug, staff.pk])
    response = as_coordinator.post(url, HTTP_ACCEPT_LANGUAGE="uk")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Скасувати доступ?" in page
    assert staff.email in page
    assert 'name="confirmed" value="yes"' in page
    assert StaffMembership.objects.filter(user=staff, municipality=municipality).exists()


def test_removing_access_ends_it_at_once_and_is_audited(
    as_coordinator, coordinator, as_staff, municipality, staff
):
    url = reverse("municipality_staff_remove", args=[municipality.slug, staff.pk])
    response = as_coordinator.post(url, {"confirmed": "yes"}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 302
    assert not StaffMembership.objects.filter(user=staff, municipality=municipality).exists()
    assert User.objects.filter(pk=staff.pk, is_active=True).exists()  # the account stays
    event = AuditEvent.objects.get(action="municipalities.staff.removed")
    assert (event.actor, event.target_id, event.changes) == (
        coordinator,
        str(municipality.pk),
        {"user": staff.pk},
    )
    page = as_coordinator.get(response.url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert f"hat keinen Zugang mehr zu {municipality.name}" in page
    assert _detail(as_staff, municipality).status_code == 404  # at the next request


@pytest.mark.parametrize("persona", ["as_staff", "as_caseworker", "as_refugee"])
def test_nobody_but_a_coordinator_removes_access(request, persona, municipality, staff):
    client = request.getfixturevalue(persona)
    url = reverse("municipality_staff_remove", args=[municipality.slug, staff.pk])
    assert client.post(url, {"confirmed": "yes"}).status_code in (403, 404)
    assert StaffMembership.objects.filter(user=staff, municipality=municipality).exists()
    assert not AuditEvent.objects.filter(action="municipalities.staff.removed").exists()


def test_removing_someone_who_has_no_access_says_so(as_coordinator, municipality, other_staff):
    url = reverse("municipality_staff_remove", args=[municipality.slug, other_staff.pk])
    response = as_coordinator.post(
        url, {"confirmed": "yes"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert "This person had no access to the municipality (any more)." in response.content.decode()
    assert StaffMembership.objects.filter(user=other_staff).exists()  # their own municipality


def test_a_get_changes_nothing(as_coordinator, municipality, staff):
    url = reverse("municipality_staff_remove", args=[municipality.slug, staff.pk])
    assert as_coordinator.get(url).status_code == 405
    assert StaffMembership.objects.filter(user=staff, municipality=municipality).exists()


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_removing_at_once_remove_and_audit_once(municipality, staff):
    # SQLite serialises the two writers by refusing one ("database is locked"), so the race
    # is only meaningful on PostgreSQL, which CI runs.
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the race against PostgreSQL")
        pytest.skip("the race needs PostgreSQL")
    from tests import personas
    from tests.factories import UserFactory

    first = personas.make_coordinator()
    second = UserFactory(email="zweite@rematch.example", role=Role.COORDINATOR)
    barrier, results = threading.Barrier(2), []

    def remove(by):
        try:
            barrier.wait()
            results.append(staff_remove(municipality=municipality, user_id=staff.pk, by=by))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=remove, args=(by,)) for by in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert AuditEvent.objects.filter(action="municipalities.staff.removed").count() == 1


def test_access_removed_by_mistake_is_given_back_to_the_account(
    as_coordinator, municipality, staff
):
    StaffMembership.objects.filter(user=staff).delete()
    url = reverse("municipality_staff_add", args=[municipality.slug])
    response = as_coordinator.post(url, {"email": staff.email.upper()}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 302
    assert StaffMembership.objects.filter(user=staff, municipality=municipality).exists()
    assert AuditEvent.objects.filter(action="municipalities.staff.added").count() == 1
    page = as_coordinator.get(response.url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert f"hat jetzt Zugang zu {municipality.name}" in page


@pytest.mark.parametrize(
    ("whom", "message"),
    [
        ("nobody@example.org", "Laden Sie die Person stattdessen ein."),
        ("caseworker", "Laden Sie die Person stattdessen ein."),  # not municipal staff
        ("staff", "Diese Person hat bereits Zugang."),
        ("not an address", "gültige E-Mail-Adresse"),
    ],
)
def test_giving_access_refuses_what_is_not_an_account_of_staff_without_it(
    request, as_coordinator, municipality, staff, whom, message
):
    email = request.getfixturevalue(whom).email if whom in ("caseworker", "staff") else whom
    before = StaffMembership.objects.count()
    url = reverse("municipality_staff_add", args=[municipality.slug])
    response = as_coordinator.post(url, {"email": email}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert StaffMembership.objects.count() == before
    assert not AuditEvent.objects.filter(action="municipalities.staff.added").exists()


def test_only_a_coordinator_gives_access(as_staff, municipality, other_staff):
    url = reverse("municipality_staff_add", args=[municipality.slug])
    assert as_staff.post(url, {"email": other_staff.email}).status_code == 403
    assert not StaffMembership.objects.filter(user=other_staff, municipality=municipality).exists()
