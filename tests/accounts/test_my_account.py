"""My account leads to the e-mail address, the password and two-factor authentication (staff),
in the reader's language; allauth's account pages carry the same navigation."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

STAFF_LINKS = ("account_email", "account_change_password", "mfa_index", "api_token_list")


@pytest.mark.parametrize("persona", ["as_coordinator", "as_staff", "as_caseworker"])
def test_staff_find_password_and_two_factor_set_up_under_my_account(request, persona):
    client = request.getfixturevalue(persona)
    client.cookies["django_language"] = "de"
    page = client.get(reverse("account_overview"))
    html = page.content.decode()
    assert page.status_code == 200
    for name in STAFF_LINKS:
        assert f'href="{reverse(name)}"' in html
    assert "Passwort ändern" in html
    assert "Zwei-Faktor-Authentifizierung" in html


def test_a_household_signs_in_by_code_and_has_no_password_to_change(as_refugee):
    as_refugee.cookies["django_language"] = "uk"
    html = as_refugee.get(reverse("account_overview")).content.decode()
    assert f'href="{reverse("account_email")}"' in html
    assert reverse("account_change_password") not in html
    assert reverse("api_token_list") not in html
    assert 'lang="uk"' in html


def test_the_main_navigation_leads_to_my_account_and_marks_it(as_coordinator):
    html = as_coordinator.get(reverse("account_overview")).content.decode()
    assert f'<a href="{reverse("account_overview")}" aria-current="page">' in html


@pytest.mark.parametrize("name", ["account_email", "account_change_password", "mfa_index"])
def test_allauths_account_pages_carry_the_account_navigation(as_coordinator, name):
    html = as_coordinator.get(reverse(name)).content.decode()
    assert 'class="rm-account-nav"' in html
    assert f'href="{reverse(name)}" aria-current="page"' in html


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("account_overview"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_two_factor_page_shows_its_actions_as_buttons_not_a_bulleted_list(as_coordinator):
    as_coordinator.cookies["django_language"] = "de"
    html = as_coordinator.get(reverse("mfa_index")).content.decode()
    action = next(
        f'href="{reverse(name)}"'
        for name in ("mfa_activate_totp", "mfa_deactivate_totp")
        if f'href="{reverse(name)}"' in html
    )
    before = html[: html.index(action)]
    assert before.rindex('<div class="rm-actions">') > before.rfind("<li")
    assert "Wiederherstellungscodes" in html
    assert "Wiederherstellungs-Codes" not in html
