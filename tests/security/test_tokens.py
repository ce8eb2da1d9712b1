"""API tokens against the second factor and the password they stand in for, in the spirit of
pretix's token tests: rows of (who, account state) -> expected answer, then the flows that
change credentials (password change, password reset, second factor off) and guessing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from api.models import ApiToken
from api.services.tokens import token_create
from tests.conftest import give_totp
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-completely-new-passphrase-2026"


def api(clear: str, address: str = "203.0.113.7") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {clear}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def status_of(clear: str) -> int:
    return api(clear).get("/api/v1/rounds/").status_code


# --- Second factor ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "staff"])
def test_a_token_stops_when_its_owner_has_no_second_factor(request, persona):
    user = request.getfixturevalue(persona)
    _token, clear = token_create(by=user, name="x")
    assert status_of(clear) == 200
    Authenticator.objects.filter(user=user).delete()
    response = api(clear).get("/api/v1/rounds/")
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]


@pytest.mark.parametrize("persona", ["coordinator", "staff"])
def test_a_token_older_than_the_second_factor_is_refused(request, settings, persona):
    user = request.getfixturevalue(persona)
    Authenticator.objects.filter(user=user).delete()
    settings.REMATCH_REQUIRE_MFA = False  # created while MFA was not required
    _token, clear = token_create(by=user, name="made without MFA")
    settings.REMATCH_REQUIRE_MFA = True
    assert status_of(clear) == 403
    # Setting up TOTP afterwards does not bless the old token; a new one works.
    give_totp(user)
    assert status_of(clear) == 403
    _token, fresh = token_create(by=user, name="made with MFA")
    assert status_of(fresh) == 200


def test_roles_without_mandatory_mfa_keep_their_tokens(caseworker, refugee):
    for user in (caseworker, refugee):
        _token, clear = token_create(by=user, name="x")
        assert api(clear).get("/api/v1/households/").status_code == 200


def test_with_mfa_not_required_staff_tokens_work(settings, staff):
    Authenticator.objects.filter(user=staff).delete()
    settings.REMATCH_REQUIRE_MFA = False
    _token, clear = token_create(by=staff, name="x")
    assert status_of(clear) == 200


def _reauthenticated(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    return client


def test_switching_the_second_factor_off_revokes_every_token(staff):
    token, clear = token_create(by=staff, name="x")
    client = _reauthenticated(staff)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=staff, type="totp").exists()
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="api.token.revoked", target_id=str(token.pk))
    assert event.changes == {"reason": "second_factor_removed"}
    assert status_of(clear) == 401


# --- Password -----------------------------------------------------------------------------------


def test_changing_the_password_revokes_every_token(caseworker):
    token, clear = token_create(by=caseworker, name="x")
    other, _ = token_create(by=caseworker, name="y")
    client = _reauthenticated(caseworker)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert ApiToken.objects.filter(user=caseworker, revoked_at__isnull=True).count() == 0
    assert (
        AuditEvent.objects.filter(
            action="api.token.revoked", changes__reason="password_changed"
        ).count()
        == 2
    )
    assert api(clear).get("/api/v1/households/").status_code == 401


def test_a_password_reset_revokes_every_token(caseworker):
    token, clear = token_create(by=caseworker, name="x")
    client = Client()
    client.post(reverse("account_reset_password"), {"email": caseworker.email})
    link = re.search(
        r"http://\S+/accounts/password/reset/key/\S+/", str(mail.outbox[-1].body)
    ).group(0)
    response = client.get(link)
    assert response.status_code == 302
    response = client.post(
        response["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(
        action="api.token.revoked", target_id=str(token.pk), changes__reason="password_changed"
    ).exists()
    assert api(clear).get("/api/v1/households/").status_code == 401


def test_a_password_set_on_the_admin_site_revokes_every_token_and_names_the_admin(caseworker):
    admin = UserFactory(email="support@rematch.example", is_staff=True, is_superuser=True)
    give_totp(admin)
    admin_client = Client()
    admin_client.force_login(admin)
    token, clear = token_create(by=caseworker, name="x")
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[caseworker.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="api.token.revoked", target_id=str(token.pk))
    assert event.actor == admin
    assert api(clear).get("/api/v1/households/").status_code == 401


def test_a_password_set_from_the_command_line_revokes_every_token(caseworker):
    token, clear = token_create(by=caseworker, name="x")
    caseworker.set_password(NEW_PASSWORD)
    caseworker.save()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api(clear).get("/api/v1/households/").status_code == 401


def test_saving_a_user_without_a_new_password_keeps_the_tokens(caseworker):
    token, clear = token_create(by=caseworker, name="x")
    caseworker.full_name = "Neuer Name"
    caseworker.save()
    caseworker.refresh_from_db()
    caseworker.last_login = timezone.now()
    caseworker.save(update_fields=["last_login"])
    assert api(clear).get("/api/v1/households/").status_code == 200


def test_revocation_leaves_other_users_tokens_alone(caseworker, other_caseworker):
    from api.services.tokens import tokens_revoke_all

    _mine, _ = token_create(by=caseworker, name="x")
    _theirs, clear = token_create(by=other_caseworker, name="y")
    assert tokens_revoke_all(user=caseworker, reason="password_changed") == 1
    assert api(clear).get("/api/v1/households/").status_code == 200


def test_an_already_revoked_or_expired_token_is_not_revoked_again(caseworker):
    from api.services.tokens import tokens_revoke_all

    token, _ = token_create(by=caseworker, name="x")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert tokens_revoke_all(user=caseworker, reason="password_changed") == 0


# --- Guessing -----------------------------------------------------------------------------------


def test_failed_token_attempts_are_throttled_per_address(settings, caseworker):
    settings.REMATCH_API_TOKEN_FAILURES = 3
    _token, clear = token_create(by=caseworker, name="x")
    for attempt in range(3):
        assert api(f"rm_guess-{attempt}").get("/api/v1/households/").status_code == 401
    response = api("rm_guess-4").get("/api/v1/households/")
    assert response.status_code == 429
    assert response.json()["type"] == "urn:rematch:problem:throttled"
    assert "Retry-After" in response
    # Even the right token waits at this address; another address is not affected.
    assert api(clear).get("/api/v1/households/").status_code == 429
    assert api(clear, address="198.51.100.9").get("/api/v1/households/").status_code == 200


def test_successful_requests_are_not_counted_as_failures(settings, caseworker):
    settings.REMATCH_API_TOKEN_FAILURES = 2
    settings.REMATCH_API_USER_PER_MINUTE = 1000
    _token, clear = token_create(by=caseworker, name="x")
    for _ in range(5):
        assert api(clear).get("/api/v1/households/").status_code == 200


def test_malformed_authorization_headers_count_as_failures(settings, db):
    settings.REMATCH_API_TOKEN_FAILURES = 2
    client = APIClient(REMOTE_ADDR="203.0.113.8")
    for _ in range(2):
        response = client.get("/api/v1/households/", HTTP_AUTHORIZATION="Bearer a b c")
        assert response.status_code == 401
    response = client.get("/api/v1/households/", HTTP_AUTHORIZATION="Bearer a b c")
    assert response.status_code == 429
