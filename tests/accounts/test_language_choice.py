"""The language switch: pages and e-mails in the language a person chose, and a switch that
never lands on an error page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_signed_in_users_choice_is_also_the_language_of_their_e_mails(as_caseworker, caseworker):
    assert caseworker.preferred_language == "de"
    response = as_caseworker.post(
        reverse("set_language"), {"language": "uk", "next": reverse("account_overview")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_overview")
    assert User.objects.get(pk=caseworker.pk).preferred_language == "uk"


def test_a_language_that_is_not_offered_changes_nothing(as_caseworker, caseworker):
    as_caseworker.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert User.objects.get(pk=caseworker.pk).preferred_language == "de"


def test_a_visitor_switches_the_language_without_an_account(client):
    assert client.get(reverse("set_language"), {"language": "uk"}).status_code == 405
    response = client.post(reverse("set_language"), {"language": "uk", "next": "/"})
    assert response.status_code == 302
    assert 'lang="uk"' in client.get("/").content.decode()


def test_my_account_offers_the_language_and_shows_the_one_chosen(as_caseworker, caseworker):
    caseworker.preferred_language = "en"
    caseworker.save()
    as_caseworker.cookies["django_language"] = "de"
    html = as_caseworker.get(reverse("account_overview")).content.decode()
    assert "Sprache der Seiten und der E-Mails, die wir Ihnen senden" in html
    assert '<option value="en" lang="en" selected>' in html
    assert f'action="{reverse("set_language")}"' in html


def test_the_switch_on_a_confirmation_page_returns_to_a_page_that_answers_get(
    as_coordinator, organisation, caseworker
):
    """The confirmation lives at an address that takes only POST; switching the language there
    used to send the reader to an empty 405 page."""
    url = reverse("organisation_caseworker_deactivate", args=[organisation.pk, caseworker.pk])
    page = as_coordinator.post(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert f'name="next" type="hidden" value="{url}"' not in html
    cancel = reverse("organisation_detail", args=[organisation.pk])
    assert f'name="next" type="hidden" value="{cancel}#caseworkers"' in html
    assert as_coordinator.get(cancel).status_code == 200


def test_a_page_shown_after_a_post_returns_to_the_page_the_reader_came_from(as_coordinator):
    """A form shown again with its errors: the switch goes back to where the form was opened."""
    url = reverse("organisation_list")
    page = as_coordinator.post(url, {"name": ""}, HTTP_REFERER=f"http://testserver{url}?page=2")
    assert page.status_code == 400
    assert f'name="next" type="hidden" value="{url}?page=2"' in page.content.decode()


def test_a_foreign_referer_is_not_followed(as_coordinator):
    url = reverse("organisation_list")
    page = as_coordinator.post(url, {"name": ""}, HTTP_REFERER="https://evil.example/x")
    assert b'name="next" type="hidden" value="/"' in page.content


def test_my_account_says_when_the_pages_and_the_e_mails_are_in_different_languages(
    as_caseworker, caseworker
):
    """The select shows the e-mail language; a browser asking for another page language used to
    leave the reader guessing which of the two the setting meant."""
    caseworker.preferred_language = "uk"
    caseworker.save()
    html = as_caseworker.get(
        reverse("account_overview"), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert 'id="language-differs"' in html
    assert "Ukrainisch" in html
    caseworker.preferred_language = "de"
    caseworker.save()
    html = as_caseworker.get(
        reverse("account_overview"), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert 'id="language-differs"' not in html
