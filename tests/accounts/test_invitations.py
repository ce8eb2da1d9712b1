from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, User
from accounts.roles import Role
from accounts.services import invitations as services
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


def test_coordinator_invites_municipal_staff_by_email(
    as_coordinator, municipality, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(
            reverse("invitation_list"),
            {
                "email": "Neu@Kiel.example",
                "role": Role.MUNICIPAL_STAFF,
                "language": "de",
                "municipalities": [municipality.pk],
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "neu@kiel.example"
    assert list(invitation.municipalities.all()) == [municipality]
    assert len(mail.outbox) == 1
    assert "/invitations/accept/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="accounts.invitation.created").count() == 1


def test_invitation_for_staff_requires_a_municipality(as_coordinator):
    response = as_coordinator.post(
        reverse("invitation_list"),
        {"email": "neu@kiel.example", "role": Role.MUNICIPAL_STAFF, "language": "de"},
    )
    assert response.status_code == 200
    assert (
        "Choose at least one municipality." in response.content.decode()
        or response.context["form"].errors["municipalities"]
    )
    assert not Invitation.objects.exists()


def test_it_rejects_an_invitation_for_an_existing_account(as_coordinator, caseworker):
    response = as_coordinator.post(
        reverse("invitation_list"),
        {
            "email": caseworker.email,
            "role": Role.CASEWORKER,
            "language": "de",
            "organisation": caseworker.organisation_id,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("persona", ["as_staff", "as_caseworker", "as_refugee"])
def test_only_coordinators_open_the_invitation_page(request, persona):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("invitation_list")).status_code == 403
    response = client.post(
        reverse("invitation_list"), {"email": "x@example.org", "role": Role.COORDINATOR}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_caseworker_invites_the_contact_of_own_household_only(
    caseworker, household, other_caseworker
):
    invitation, _ = services.invitation_create(
        by=caseworker, email="olena@example.org", role=Role.REFUGEE, household=household
    )
    assert invitation.household == household
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            by=other_caseworker, email="x@example.org", role=Role.REFUGEE, household=household
        )
    with pytest.raises(PermissionDenied):
        services.invitation_create(by=caseworker, email="y@example.org", role=Role.COORDINATOR)


def test_accepting_creates_a_verified_account_with_the_invited_role(client, municipality):
    invitation = InvitationFactory(role=Role.MUNICIPAL_STAFF, organisation=None)
    invitation.municipalities.add(municipality)
    url = reverse("invitation_accept", args=[invitation.clear_token])  # type: ignore[attr-defined]
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "full_name": "Ina Neu",
            "password1": "Lange-Passphrase-7",
            "password2": "Lange-Passphrase-7",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email=invitation.email)
    assert user.role == Role.MUNICIPAL_STAFF
    assert user.check_password("Lange-Passphrase-7")
    assert EmailAddress.objects.get(user=user).verified
    assert list(user.staff_memberships.values_list("municipality", flat=True)) == [municipality.pk]
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert AuditEvent.objects.filter(action="accounts.invitation.accepted", actor=user).exists()


def test_a_refugee_accepts_without_a_password(client, caseworker, household):
    invitation, token = services.invitation_create(
        by=caseworker, email="olena@example.org", role=Role.REFUGEE, household=household
    )
    response = client.post(reverse("invitation_accept", args=[token]), {"full_name": "Olena"})
    assert response.status_code == 302
    user = User.objects.get(email="olena@example.org")
    assert not user.has_usable_password()
    household.refresh_from_db()
    assert household.contact_user == user


def test_weak_or_mismatched_passwords_create_nothing(client):
    invitation = InvitationFactory()
    url = reverse("invitation_accept", args=[invitation.clear_token])  # type: ignore[attr-defined]
    for p1, p2 in [("12345678", "12345678"), ("Lange-Passphrase-7", "Lange-Passphrase-8")]:
        response = client.post(url, {"full_name": "X", "password1": p1, "password2": p2})
        assert response.status_code == 200
    assert not User.objects.filter(email=invitation.email).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.parametrize(
    "change",
    [
        {"accepted_at": timezone.now()},
        {"revoked_at": timezone.now()},
        {"expires_at": timezone.now() - timedelta(minutes=1)},
    ],
)
def test_used_revoked_or_expired_links_answer_404(client, change):
    invitation = InvitationFactory()
    Invitation.objects.filter(pk=invitation.pk).update(**change)
    response = client.get(reverse("invitation_accept", args=[invitation.clear_token]))  # type: ignore[attr-defined]
    assert response.status_code == 404


def test_an_unknown_token_answers_404(client):
    assert client.get(reverse("invitation_accept", args=["nonsense"])).status_code == 404


def test_the_second_acceptance_of_one_link_fails_cleanly():
    invitation = InvitationFactory()
    services.invitation_accept(invitation=invitation, full_name="A", password="Lange-Passphrase-7")
    with pytest.raises(ValidationError):
        services.invitation_accept(
            invitation=invitation, full_name="B", password="Lange-Passphrase-7"
        )
    assert User.objects.filter(email=invitation.email).count() == 1


def test_only_the_token_hash_is_stored():
    invitation = InvitationFactory()
    assert invitation.clear_token not in invitation.token_hash  # type: ignore[attr-defined]
    assert Invitation.objects.by_token(invitation.clear_token).get() == invitation  # type: ignore[attr-defined]


def test_coordinator_revokes_an_invitation(as_coordinator):
    invitation = InvitationFactory()
    response = as_coordinator.post(reverse("invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(action="accounts.invitation.revoked").exists()


def test_caseworker_cannot_revoke_a_coordinators_invitation(as_caseworker):
    invitation = InvitationFactory()
    response = as_caseworker.post(reverse("invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_public_signup_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    client.post(
        reverse("account_signup"),
        {
            "email": "intruder@example.org",
            "password1": "Lange-Passphrase-7",
            "password2": "Lange-Passphrase-7",
        },
    )
    assert not User.objects.filter(email="intruder@example.org").exists()


def _invite_contact(client, household, email, capture):
    with capture(execute=True):
        return client.post(
            reverse("household_account", args=[household.pk]),
            {"email": email, "full_name": "Olena K.", "language": "uk"},
            follow=True,
        )


def test_a_caseworker_cannot_tell_whether_an_address_has_an_account(
    as_caseworker, household, other_caseworker, django_capture_on_commit_callbacks
):
    """Inviting an address of someone else's account answers exactly as for a new address, or
    any caseworker could probe who holds an account anywhere on the platform."""
    other_caseworker.preferred_language = "uk"
    other_caseworker.save(update_fields=["preferred_language"])
    taken = _invite_contact(
        as_caseworker, household, other_caseworker.email.upper(), django_capture_on_commit_callbacks
    )
    invitation = Invitation.objects.get(household=household)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    notice = list(mail.outbox)
    mail.outbox.clear()
    free = _invite_contact(
        as_caseworker, household, "new-person@example.org", django_capture_on_commit_callbacks
    )

    def shown(response):
        return [str(m) for m in response.context["messages"]], response.redirect_chain

    assert shown(taken) == shown(free)
    assert Invitation.objects.filter(household=household).count() == 2
    # The account holder is told, in their language, and gets no link to accept.
    assert len(notice) == 1
    assert notice[0].to == [other_caseworker.email]
    assert "/invitations/accept/" not in notice[0].body
    assert "/accounts/login/" in notice[0].body
    assert "Re:Match" in notice[0].subject
    assert "запрошення" in notice[0].subject.lower()
    assert "/invitations/accept/" in mail.outbox[0].body


def test_inviting_existing_staff_points_to_giving_access(as_coordinator, staff, other_municipality):
    response = as_coordinator.post(
        reverse("invitation_list"),
        {
            "email": staff.email,
            "role": Role.MUNICIPAL_STAFF,
            "language": "de",
            "municipalities": [other_municipality.pk],
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 200
    assert "Geben Sie der Person auf der Seite der Kommune Zugang" in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_a_deactivated_caseworker_points_to_reactivating(as_coordinator, caseworker):
    User.objects.filter(pk=caseworker.pk).update(is_active=False)
    response = as_coordinator.post(
        reverse("invitation_list"),
        {
            "email": caseworker.email,
            "role": Role.CASEWORKER,
            "language": "uk",
            "organisation": caseworker.organisation_id,
        },
        HTTP_ACCEPT_LANGUAGE="uk",
    )
    assert "Обліковий запис цього консультанта деактивовано" in response.content.decode()
    assert not Invitation.objects.exists()
