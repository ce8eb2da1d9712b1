"""A password equal to one's own e-mail address is refused; check --deploy warns when the
second factor is not required."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from accounts.models import Invitation, User
from accounts.services.invitations import invitation_create

pytestmark = pytest.mark.django_db


def coordinator_org():
    from tests.factories import OrganisationFactory

    return OrganisationFactory(name="Neue Hilfe e.V.")


@pytest.fixture
def invitation(coordinator):
    invitation, token = invitation_create(
        by=coordinator,
        email="new.caseworker@hilfe.example",
        role="caseworker",
        organisation=coordinator_org(),
        full_name="",
        language="en",
    )
    return invitation, token


@pytest.mark.parametrize(
    "password", ["new.caseworker@hilfe.example", "NEW.Caseworker@Hilfe.Example", "new.caseworker"]
)
def test_accepting_an_invitation_refuses_the_own_address_as_password(client, invitation, password):
    _invitation, token = invitation
    response = client.post(
        reverse("invitation_accept", args=[token]),
        {"full_name": "Neu", "password1": password, "password2": password},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code in (200, 400)
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(email="new.caseworker@hilfe.example").exists()
    assert Invitation.objects.get().accepted_at is None


def test_the_validator_refuses_the_address_everywhere(caseworker):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="e-mail address"):
        validate_password(caseworker.email.upper(), user=caseworker)
    validate_password("a-long-unrelated-passphrase", user=caseworker)


def test_check_deploy_warns_when_mfa_is_not_required(settings):
    settings.REMATCH_REQUIRE_MFA = False
    with pytest.raises(SystemCheckError, match="rematch.W002"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")


def test_check_deploy_is_quiet_about_mfa_when_it_is_required(settings):
    from accounts.checks import check_mfa_required

    settings.REMATCH_REQUIRE_MFA = True
    assert check_mfa_required() == []
