from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from api.models import ApiToken, hash_token
from api.services.tokens import token_create

pytestmark = pytest.mark.django_db


def _client(token: str, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {token}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def test_a_token_is_shown_once_and_only_its_hash_is_stored(as_caseworker, caseworker):
    response = as_caseworker.post("/account/tokens/", {"name": "Case system"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=caseworker)
    clear = response.context["created"][1]
    assert clear.startswith("rm_")
    assert clear.startswith(token.prefix)
    assert token.key_hash == hash_token(clear)
    assert clear not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="api.token.created")
    assert event.actor == caseworker
    assert clear not in str(event.changes)
    again = as_caseworker.get("/account/tokens/")
    assert clear not in again.content.decode()


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer"])
def test_both_header_keywords_authenticate(caseworker, keyword):
    token, clear = token_create(by=caseworker, name="x")
    response = _client(clear, keyword).get("/api/v1/households/")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_wrong_token_gets_401_in_the_error_shape(db):
    response = _client("rm_not-a-token").get("/api/v1/households/")
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == 401
    assert body["type"] == "urn:rematch:problem:not-authenticated"
    assert body["errors"] == []
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_no_credentials_get_401(db):
    response = APIClient().get("/api/v1/households/")
    assert response.status_code == 401


def test_a_revoked_token_stops_working(as_caseworker, caseworker):
    token, clear = token_create(by=caseworker, name="x")
    response = as_caseworker.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api.token.revoked", target_id=str(token.pk)).exists()
    assert _client(clear).get("/api/v1/households/").status_code == 401


def test_an_expired_token_stops_working(caseworker):
    token, clear = token_create(by=caseworker, name="x")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _client(clear).get("/api/v1/households/").status_code == 401


def test_a_token_of_a_deactivated_user_stops_working(caseworker):
    _token, clear = token_create(by=caseworker, name="x")
    caseworker.is_active = False
    caseworker.save()
    assert _client(clear).get("/api/v1/households/").status_code == 401


def test_nobody_revokes_another_users_token(as_caseworker, other_caseworker):
    token, _clear = token_create(by=other_caseworker, name="theirs")
    response = as_caseworker.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_coordinators_without_a_second_factor_cannot_create_tokens(client, coordinator):
    Authenticator.objects.filter(user=coordinator).delete()
    client.force_login(coordinator)
    response = client.post("/account/tokens/", {"name": "x"})
    # The MFA middleware sends them to the set-up first; the service refuses as well.
    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"]
    assert not ApiToken.objects.exists()


def test_the_service_refuses_staff_without_a_second_factor(staff):
    from django.core.exceptions import PermissionDenied

    Authenticator.objects.filter(user=staff).delete()
    with pytest.raises(PermissionDenied):
        token_create(by=staff, name="x")


def test_coordinator_token_is_refused_once_the_second_factor_is_gone(coordinator):
    # Token requests are anonymous to the MFA middleware; the token authentication checks it.
    _token, clear = token_create(by=coordinator, name="x")
    Authenticator.objects.filter(user=coordinator).delete()
    assert _client(clear).get("/api/v1/rounds/").status_code == 403


def test_a_session_user_without_second_factor_gets_403_from_the_api(client, staff):
    Authenticator.objects.filter(user=staff).delete()
    client.force_login(staff)
    assert client.get("/api/v1/rounds/").status_code == 403


def test_a_past_expiry_date_is_refused_next_to_the_field(as_caseworker):
    response = as_caseworker.post(
        "/account/tokens/", {"name": "x", "expires_on": "2000-01-01"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "expires_on" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_a_name_is_required(as_caseworker):
    response = as_caseworker.post("/account/tokens/", {"name": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_the_token_page_needs_a_login(client):
    response = client.get("/account/tokens/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["coordinator", "staff", "caseworker", "refugee"])
def test_every_role_can_manage_its_tokens(request, role):
    client = request.getfixturevalue(f"as_{role}")
    response = client.post("/account/tokens/", {"name": "mine"})
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=request.getfixturevalue(role)).count() == 1


def test_throttling_answers_429_in_the_error_shape(settings, caseworker):
    settings.REMATCH_API_USER_PER_MINUTE = 2
    _token, clear = token_create(by=caseworker, name="x")
    client = _client(clear)
    assert client.get("/api/v1/households/").status_code == 200
    assert client.get("/api/v1/households/").status_code == 200
    response = client.get("/api/v1/households/")
    assert response.status_code == 429
    assert response.json()["type"] == "urn:rematch:problem:throttled"
    assert "Retry-After" in response
