"""When a caseworker leaves a partner organisation, the coordinator hands the households they
looked after over to a colleague: each change audited, nothing given to someone who left, and
an edit of such a household never takes it from them quietly."""

from __future__ import annotations

import os
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection
from django.urls import reverse

from accounts.models import AuditEvent, User
from accounts.roles import Role
from refugees.models import Household
from refugees.services import households_hand_over
from tests.api.conftest import token_client
from tests.conftest import login
from tests.factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(organisation):
    return UserFactory(
        email="carla@hilfe.example",
        full_name="Carla",
        role=Role.CASEWORKER,
        organisation=organisation,
    )


@pytest.fixture
def departed(caseworker, organisation, other_organisation):
    """Bernd left: his account is deactivated and three households of his organisation are
    his; a fourth has no caseworker."""
    for reference in ("HH-00101", "HH-00102", "HH-00103"):
        HouseholdFactory(reference=reference, organisation=organisation, caseworker=caseworker)
    HouseholdFactory(reference="HH-00104", organisation=organisation)
    User.objects.filter(pk=caseworker.pk).update(is_active=False)
    caseworker.refresh_from_db()
    return caseworker


def _url(organisation, person):
    return reverse("household_hand_over", args=[organisation.pk, person.pk])


def test_the_coordinator_hands_the_households_over_and_each_change_is_audited(
    as_coordinator, coordinator, organisation, departed, colleague
):
    page = as_coordinator.get(_url(organisation, departed), HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Wer übernimmt sie?" in text
    assert f'<option value="{colleague.pk}"' in text
    assert f'<option value="{departed.pk}"' not in text  # no choice of the one who left
    versions = dict(Household.objects.values_list("reference", "version"))
    response = as_coordinator.post(
        _url(organisation, departed),
        {"to": colleague.pk, "confirmed": "yes"},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )
    assert "3 Haushalte wurden an Carla übergeben." in response.content.decode()
    mine = Household.objects.filter(caseworker=colleague)
    assert sorted(mine.values_list("reference", flat=True)) == ["HH-00101", "HH-00102", "HH-00103"]
    assert all(h.version == versions[h.reference] + 1 for h in mine)  # open forms go stale
    assert Household.objects.get(reference="HH-00104").caseworker is None
    events = AuditEvent.objects.filter(action="refugees.household.changed")
    assert events.count() == 3
    assert {e.actor for e in events} == {coordinator}
    assert all(e.changes == {"caseworker": [departed.pk, colleague.pk]} for e in events)
    # The colleague finds them under "only mine".
    listing = login(colleague).get(reverse("household_list"), {"mine": "on"})
    assert "HH-00101" in listing.content.decode()


def test_deactivating_someone_with_households_leads_on_to_the_hand_over(
    as_coordinator, organisation, caseworker, colleague
):
    HouseholdFactory(reference="HH-00101", organisation=organisation, caseworker=caseworker)
    url = reverse("organisation_caseworker_deactivate", args=[organisation.pk, caseworker.pk])
    question = as_coordinator.post(url, HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert "опікується 1 домогосподарством" in question
    response = as_coordinator.post(url, {"confirmed": "yes"}, HTTP_ACCEPT_LANGUAGE="uk")
    assert response.url == _url(organisation, caseworker)
    page = as_coordinator.get(response.url, HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert "Передати домогосподарства" in page
    assert "деактивовано" in page


def test_the_organisation_page_counts_each_caseworkers_households(
    as_coordinator, organisation, departed, colleague
):
    page = as_coordinator.get(
        reverse("organisation_detail", args=[organisation.pk]), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert "Betreute Haushalte" in page
    assert _url(organisation, departed) in page
    assert _url(organisation, colleague) not in page  # she looks after none


@pytest.mark.parametrize("choice", ["departed", "other_caseworker", "nobody", "bogus"])
def test_a_choice_that_cannot_take_them_changes_nothing_and_says_why(
    as_coordinator, organisation, departed, colleague, other_caseworker, choice
):
    to = {"departed": departed.pk, "other_caseworker": other_caseworker.pk, "nobody": ""}
    response = as_coordinator.post(
        _url(organisation, departed),
        {"to": to.get(choice, "x"), "confirmed": "yes"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 400
    assert response.context["form"].errors["to"]
    assert Household.objects.filter(caseworker=departed).count() == 3
    assert not AuditEvent.objects.filter(action="refugees.household.changed").exists()


def test_without_an_active_colleague_the_page_says_to_invite_one(
    as_coordinator, organisation, departed
):
    page = as_coordinator.get(_url(organisation, departed), HTTP_ACCEPT_LANGUAGE="de")
    assert "keine andere aktive Berater:in" in page.content.decode()


def test_nothing_left_to_hand_over_goes_back_with_a_note(as_coordinator, organisation, caseworker):
    response = as_coordinator.get(
        _url(organisation, caseworker), HTTP_ACCEPT_LANGUAGE="de", follow=True
    )
    assert "betreut keine Haushalte (mehr)" in response.content.decode()


def test_only_coordinators_hand_over(organisation, departed, colleague, staff):
    for person in (colleague, staff):
        client = login(person)
        assert client.get(_url(organisation, departed)).status_code == 403
        response = client.post(
            _url(organisation, departed), {"to": colleague.pk, "confirmed": "yes"}
        )
        assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        households_hand_over(from_user=departed, to_user=colleague, by=colleague)
    assert Household.objects.filter(caseworker=departed).count() == 3


def test_a_caseworker_of_another_organisation_is_not_found_through_this_one(
    as_coordinator, organisation, other_caseworker
):
    assert as_coordinator.get(_url(organisation, other_caseworker)).status_code == 404


def test_editing_a_departed_caseworkers_household_keeps_its_caseworker(
    organisation, departed, colleague
):
    household = Household.objects.get(reference="HH-00101")
    client = login(colleague)
    url = reverse("household_edit", args=[household.pk])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Bernd (deaktiviert)" in form
    data = {
        "caseworker": departed.pk,
        "status": household.status,
        "notes": "Wohnung in Kiel bevorzugt",
        "version": household.version,
    }
    assert client.post(url, data).status_code == 302
    household.refresh_from_db()
    assert (household.caseworker, household.notes) == (departed, "Wohnung in Kiel bevorzugt")


def test_no_household_is_newly_given_to_someone_who_left(
    coordinator, organisation, departed, colleague
):
    household = Household.objects.get(reference="HH-00104")
    client = login(colleague)
    url = reverse("household_edit", args=[household.pk])
    data = {"caseworker": departed.pk, "status": household.status, "version": household.version}
    assert client.post(url, data).status_code == 200  # the form: not a choice
    api = token_client(colleague)
    response = api.patch(
        f"/api/v1/households/{household.pk}/", {"caseworker": departed.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "caseworker"
    household.refresh_from_db()
    assert household.caseworker is None
    with pytest.raises(ValidationError):
        households_hand_over(from_user=colleague, to_user=departed, by=coordinator)


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_at_once_hand_over_once(organisation, departed, colleague):
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the race against PostgreSQL")
        pytest.skip("the race needs PostgreSQL")
    from tests import personas

    first = personas.make_coordinator()
    second = UserFactory(email="zweite@rematch.example", role=Role.COORDINATOR)
    barrier, results = threading.Barrier(2), []

    def hand_over(by):
        try:
            barrier.wait()
            results.append(households_hand_over(from_user=departed, to_user=colleague, by=by))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=hand_over, args=(by,)) for by in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 3]
    assert AuditEvent.objects.filter(action="refugees.household.changed").count() == 3
