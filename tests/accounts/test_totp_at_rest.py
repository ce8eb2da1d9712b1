"""TOTP secrets are encrypted in mfa_authenticator.data, and the code that activated the
authenticator does not sign in a second time."""

from __future__ import annotations

import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(secret: str, at: float) -> str:
    return format_hotp_value(hotp_value(secret, int(at) // 30))


def activate(staff) -> tuple[Client, str, str]:
    """Sets TOTP up through allauth's pages; returns the client, the secret and the code used."""
    Authenticator.objects.filter(user=staff).delete()
    client = Client()
    client.force_login(staff)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = code_for(secret, time.time())
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    return client, secret, code


def sign_in_with_code(user, code: str) -> bool:
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": code})
    return client.session.get("_auth_user_id") == str(user.pk)


def test_the_secret_is_stored_encrypted(staff):
    _client, secret, _code = activate(staff)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE type = 'totp'")
        (raw,) = cursor.fetchone()
    assert secret not in str(raw)
    assert "fernet:" in str(raw)


def test_the_encrypted_secret_still_signs_in(staff):
    _client, secret, _code = activate(staff)
    with time_machine.travel(time.time() + 60):
        assert sign_in_with_code(staff, code_for(secret, time.time()))


def test_the_activation_code_does_not_sign_in_again(staff):
    _client, _secret, code = activate(staff)
    assert not sign_in_with_code(staff, code)


def test_recovery_code_seeds_are_encrypted_too(staff):
    client, _secret, _code = activate(staff)
    client.get(reverse("mfa_view_recovery_codes"))
    seeds = Authenticator.objects.filter(user=staff, type="recovery_codes")
    assert seeds.exists()
    for authenticator in seeds:
        assert authenticator.data["seed"].startswith("fernet:")
