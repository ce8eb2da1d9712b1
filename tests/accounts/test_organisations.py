"""Partner organisations, kept by the coordinators: added and changed in the portal (audited),
their caseworkers listed, and the account of someone who left deactivated at once (signed out
at the next page, API tokens refused) and reactivated when needed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import AuditEvent, Organisation, User
from accounts.services.organisations import caseworker_set_active
from api.services.tokens import token_create
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_the_coordinator_adds_a_partner_organisation(as_coordinator):
    data = {"name": "Caritas Kiel", "city": "Kiel", "contact_email": "info@caritas.example"}
    response = as_coordinator.post(reverse("organisation_list"), data)
    organisation = Organisation.objects.get(name="Caritas Kiel")
    assert response.url == reverse("organisation_detail", args=[organisation.pk])
    assert AuditEvent.objects.filter(
        action="accounts.organisation.created", target_id=str(organisation.pk)
    ).exists()
    page = as_coordinator.get(reverse("organisation_list"), HTTP_ACCEPT_LANGUAGE="uk")
    assert "Партнерські організації" in page.content.decode()
    assert "Caritas Kiel" in page.content.decode()


def test_a_name_taken_or_missing_saves_nothing_and_says_why(as_coordinator, organisation):
    before = Organisation.objects.count()
    for data in ({"name": organisation.name}, {"name": "", "city": "Kiel"}):
        response = as_coordinator.post(
            reverse("organisation_list"), data, HTTP_ACCEPT_LANGUAGE="de"
        )
        assert response.status_code == 400
        assert response.context["form"].errors["name"]
    assert Organisation.objects.count() == before
    assert not AuditEvent.objects.filter(action="accounts.organisation.created").exists()


def test_a_change_is_audited_with_what_changed(as_coordinator, organisation):
    url = reverse("organisation_detail", args=[organisation.pk])
    data = {"name": organisation.name, "city": "Lübeck", "contact_email": ""}
    assert as_coordinator.post(url, data).status_code == 302
    organisation.refresh_from_db()
    assert organisation.city == "Lübeck"
    event = AuditEvent.objects.get(action="accounts.organisation.changed")
    assert event.changes["city"][1] == "Lübeck"


def test_the_page_lists_the_caseworkers_of_this_organisation_only(
    as_coordinator, organisation, caseworker, other_caseworker
):
    page = as_coordinator.get(
        reverse("organisation_detail", args=[organisation.pk]), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert "Berater:innen der Organisation" in page
    assert caseworker.email in page
    assert other_caseworker.email not in page


def test_deactivating_asks_first(as_coordinator, organisation, caseworker):
    url = reverse("organisation_caseworker_deactivate", args=[organisation.pk, caseworker.pk])
    response = as_coordinator.post(url, HTTP_ACCEPT_LANGUAGE="uk")
    assert response.status_code == 200
    assert "Деактивувати обліковий запис?" in response.content.decode()
    assert User.objects.get(pk=caseworker.pk).is_active


def test_a_deactivated_caseworker_is_signed_out_and_the_tokens_stop(
    as_coordinator, coordinator, organisation, caseworker, household
):
    session = login(caseworker)
    assert session.get(reverse("household_list")).status_code == 200
    _token, clear = token_create(by=caseworker, name="Fachverfahren")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {clear}")
    assert api.get("/api/v1/households/").status_code == 200
    url = reverse("organisation_caseworker_deactivate", args=[organisation.pk, caseworker.pk])
    response = as_coordinator.post(url, {"confirmed": "yes"}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 302
    assert not User.objects.get(pk=caseworker.pk).is_active
    event = AuditEvent.objects.get(action="accounts.user.deactivated")
    assert (event.actor, event.target_id) == (coordinator, str(caseworker.pk))
    # The open session: its next page is the sign-in page; the token: refused.
    response = session.get(reverse("household_list"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert api.get("/api/v1/households/").status_code == 401
    page = as_coordinator.get(
        reverse("organisation_detail", args=[organisation.pk]), HTTP_ACCEPT_LANGUAGE="de"
    )
    assert "deaktiviert" in page.content.decode()


def test_a_reactivated_caseworker_signs_in_again(as_coordinator, organisation, caseworker):
    User.objects.filter(pk=caseworker.pk).update(is_active=False)
    url = reverse("organisation_caseworker_reactivate", args=[organisation.pk, caseworker.pk])
    response = as_coordinator.post(url, HTTP_ACCEPT_LANGUAGE="de", follow=True)
    assert "kann sich wieder anmelden" in response.content.decode()
    assert User.objects.get(pk=caseworker.pk).is_active
    assert AuditEvent.objects.filter(action="accounts.user.reactivated").count() == 1
    assert login(caseworker).get(reverse("household_list")).status_code == 200


def test_deactivating_twice_is_audited_once(coordinator, organisation, caseworker):
    for _ in range(2):
        caseworker_set_active(
            organisation=organisation, user_id=caseworker.pk, active=False, by=coordinator
        )
    assert AuditEvent.objects.filter(action="accounts.user.deactivated").count() == 1


def test_only_the_organisations_caseworkers_can_be_deactivated_through_it(
    as_coordinator, organisation, other_caseworker, staff
):
    for person in (other_caseworker, staff):
        url = reverse("organisation_caseworker_deactivate", args=[organisation.pk, person.pk])
        assert as_coordinator.post(url, {"confirmed": "yes"}).status_code == 404
        assert User.objects.get(pk=person.pk).is_active


@pytest.mark.parametrize("persona", ["as_staff", "as_caseworker", "as_refugee"])
def test_nobody_but_a_coordinator_keeps_organisations(request, persona, organisation, caseworker):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("organisation_list")).status_code == 403
    url = reverse("organisation_caseworker_deactivate", args=[organisation.pk, caseworker.pk])
    assert client.post(url, {"confirmed": "yes"}).status_code == 403
    assert User.objects.get(pk=caseworker.pk).is_active


def test_a_deactivated_caseworker_signing_in_is_told_what_happened(caseworker):
    from django.test import Client

    from tests.factories import PASSWORD

    User.objects.filter(pk=caseworker.pk).update(is_active=False)
    response = Client().post(
        reverse("account_login"),
        {"login": caseworker.email, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )
    page = response.content.decode()
    assert "Dieses Konto wurde deaktiviert" in page
    assert "Koordinierungsstelle" in page
    assert not response.wsgi_request.user.is_authenticated


def test_a_rejected_change_saves_nothing_and_shows_the_stored_details(as_coordinator, organisation):
    from tests.factories import OrganisationFactory

    other = OrganisationFactory(name="Diakonie Kiel")
    url = reverse("organisation_detail", args=[organisation.pk])
    for data in (
        {"name": other.name, "city": "Kiel", "contact_email": ""},
        {"name": organisation.name, "city": "Kiel", "contact_email": "not an address"},
    ):
        response = as_coordinator.post(url, data, HTTP_ACCEPT_LANGUAGE="de")
        assert response.status_code == 400
        assert response.context["form"].errors
        assert response.context["organisation"].name == organisation.name
    organisation.refresh_from_db()
    assert organisation.city != "Kiel"
    assert not AuditEvent.objects.filter(action="accounts.organisation.changed").exists()
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in response.content.decode()
