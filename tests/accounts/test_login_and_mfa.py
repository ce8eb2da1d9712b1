from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(user) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def signed_in(client: Client) -> bool:
    """Whether the client's session belongs to a user (``/`` answers visitors too)."""
    return client.get(reverse("dashboard")).wsgi_request.user.is_authenticated


def test_a_caseworker_signs_in_with_email_and_password(caseworker):
    client = sign_in(caseworker)
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_coordinator_with_totp_must_enter_a_code_after_the_password(coordinator):
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": coordinator.email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)


def test_a_wrong_password_does_not_sign_in(coordinator):
    client = Client()
    response = client.post(reverse("account_login"), {"login": coordinator.email, "password": "x"})
    assert response.status_code == 200
    assert not signed_in(client)


def test_refugee_signs_in_with_a_one_time_code(refugee):
    client = Client()
    response = client.post(reverse("account_request_login_code"), {"email": refugee.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", str(mail.outbox[0].body), re.M).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_households_on_one_wi_fi_all_get_their_codes():
    """A reception centre: many households ask for a code from one address within minutes."""
    from accounts.roles import Role
    from tests.factories import UserFactory

    households = [UserFactory(role=Role.REFUGEE) for _ in range(12)]
    for person in households:
        response = Client(REMOTE_ADDR="10.0.0.7").post(
            reverse("account_request_login_code"), {"email": person.email}
        )
        assert response.status_code == 302, person.email
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in households)


def test_asking_for_a_code_too_often_says_what_to_do_not_that_something_failed(refugee):
    url = reverse("account_request_login_code")
    for _ in range(3):  # three phones or browsers of the household
        assert Client().post(url, {"email": refugee.email}).status_code == 302
    response = Client().post(url, {"email": refugee.email}, HTTP_ACCEPT_LANGUAGE="uk")
    html = response.content.decode()
    assert response.status_code == 200
    assert len(mail.outbox) == 3
    with translation.override("uk"):
        assert translation.gettext("Too many failed login attempts. Try again later.") not in html
        expected = translation.gettext(
            "Many codes were asked for in the last few minutes. Please use the code in your "
            "newest e-mail, or ask for a new code in five minutes."
        )
    assert html.count(escape(expected)) == 1


@pytest.mark.parametrize("persona", ["coordinator", "staff"])
def test_staff_without_totp_are_sent_to_mfa_setup(request, persona):
    from allauth.mfa.models import Authenticator

    user = request.getfixturevalue(persona)
    Authenticator.objects.filter(user=user).delete()
    client = sign_in(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # Setting up a second factor asks for the password again (allauth's reauthentication).
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_staff_with_totp_see_their_dashboard(as_staff):
    assert as_staff.get(reverse("dashboard")).status_code == 200


def test_caseworkers_and_refugees_need_no_second_factor(as_caseworker, as_refugee):
    assert as_caseworker.get(reverse("dashboard")).status_code == 200
    assert as_refugee.get(reverse("dashboard")).status_code == 200


def test_demo_mode_switches_mfa_off_and_says_so(settings, coordinator):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=coordinator).delete()
    settings.REMATCH_REQUIRE_MFA = False
    client = Client()
    client.force_login(coordinator)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "Demo" in response.content.decode() or "Demo-Modus" in response.content.decode()


def test_mfa_banner_is_absent_when_mfa_is_required(as_coordinator):
    response = as_coordinator.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert "two-factor authentication is not required" not in response.content.decode()


def test_idle_staff_sessions_expire(settings, as_caseworker):
    settings.REMATCH_STAFF_IDLE_TIMEOUT = 60
    assert as_caseworker.get(reverse("dashboard")).status_code == 200
    session = as_caseworker.session
    session["last_activity"] -= 120
    session.save()
    response = as_caseworker.get(reverse("dashboard"))
    assert response.status_code == 302
    assert not signed_in(as_caseworker)


def test_the_admin_uses_allauths_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_non_staff_users_cannot_open_the_admin(as_coordinator):
    assert as_coordinator.get("/admin/login/").status_code == 403


def test_sign_ins_and_failures_are_audited(caseworker):
    from accounts.models import AuditEvent

    client = Client()
    client.post(reverse("account_login"), {"login": caseworker.email, "password": "wrong"})
    client.post(reverse("account_login"), {"login": "nobody@example.org", "password": "x"})
    sign_in(caseworker)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "target_label"))
    assert actions[0][0] == "accounts.login.failed"
    assert actions[1] == ("accounts.login.failed", "unknown account")
    assert actions[-1][0] == "accounts.login.succeeded"
    assert not AuditEvent.objects.filter(target_label__icontains="nobody").exists()


def test_repeated_failures_lock_the_account_out_and_are_audited(caseworker):
    from accounts.models import AuditEvent

    client = Client()
    for _ in range(6):
        client.post(reverse("account_login"), {"login": caseworker.email, "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": caseworker.email, "password": PASSWORD}
    )
    assert response.status_code == 200  # locked: even the right password does not sign in
    assert not signed_in(client)
    assert AuditEvent.objects.filter(action="accounts.login.locked_out").exists()


def test_the_sign_in_page_links_the_password_reset_once(client):
    html = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert html.count(f'href="{reverse("account_reset_password")}"') == 1
    assert html.count("Passwort vergessen?") == 1
