"""The admin's search box keeps what was typed out of every URL (accounts/admin_search.py)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.admin_search import PostedSearchAdmin
from tests.conftest import give_totp
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TYPED = "olena.kovalenko@rematch.example"


@pytest.fixture
def staff(support):
    return support[1]


@pytest.fixture
def olena(db):
    return UserFactory(email=TYPED, full_name="Olena Kovalenko")


def _search(client, url, text, **filters):
    response = client.post(url, {"q": text, **filters})
    assert response.status_code == 302
    return response["Location"]


def test_a_search_for_an_address_finds_the_account_without_the_address_in_any_url(staff, olena):
    UserFactory(email="someone.else@rematch.example")
    changelist = reverse("admin:accounts_user_changelist")
    location = _search(staff, changelist, TYPED)
    assert TYPED not in unquote(location)
    assert "olena" not in location
    page = staff.get(location)
    html = page.content.decode()
    assert page.status_code == 200
    assert "someone.else@rematch.example" not in html  # the search applied
    assert reverse("admin:accounts_user_change", args=[olena.pk]) in html
    assert f'value="{TYPED}"' in html  # the box still shows what was typed
    hrefs = [part.split('"', 1)[0] for part in html.split('href="')[1:]]
    assert hrefs
    assert not [h for h in hrefs if "olena" in unquote(unquote(h)).lower()]
    assert 'method="post" role="search"' in html


def test_the_search_keeps_the_filters_and_the_next_search_replaces_it(staff, olena):
    UserFactory(email="olena.inactive@rematch.example", is_active=False)
    changelist = reverse("admin:accounts_user_changelist")
    location = _search(staff, changelist, "olena", is_active__exact="1")
    assert "is_active__exact=1" in location
    html = staff.get(location).content.decode()
    assert TYPED in html
    assert "olena.inactive@rematch.example" not in html
    token = location.split("search=")[1]
    again = _search(staff, changelist, "support@", search=token)
    html = staff.get(again).content.decode()
    assert "support@rematch.example" in html
    assert TYPED not in html


def test_an_old_link_with_the_text_moves_it_to_a_token_at_once(staff, olena):
    response = staff.get(reverse("admin:accounts_user_changelist"), {"q": TYPED})
    assert response.status_code == 302
    assert TYPED not in unquote(response["Location"])
    assert TYPED in staff.get(response["Location"]).content.decode()


def test_another_session_with_the_token_finds_nothing_of_the_search(staff, olena):
    location = _search(staff, reverse("admin:accounts_user_changelist"), TYPED)
    other = UserFactory(email="other.support@rematch.example", is_staff=True, is_superuser=True)
    give_totp(other)
    client = Client()
    client.force_login(other)
    html = client.get(location).content.decode()
    assert "support@rematch.example" in html  # the whole list: the token means nothing here
    assert f'value="{TYPED}"' not in html


def test_an_action_posted_to_the_list_still_runs(staff, olena):
    changelist = reverse("admin:accounts_user_changelist")
    response = staff.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [olena.pk], "index": "0"},
    )
    assert response.status_code == 200  # the confirmation page of the action
    assert "Are you sure" in response.content.decode() or "sicher" in response.content.decode()


def test_a_search_on_the_households_list_by_reference_works(staff, household):
    location = _search(staff, reverse("admin:refugees_household_changelist"), household.reference)
    assert household.reference not in location
    assert household.reference in staff.get(location).content.decode()


def test_every_admin_with_a_search_box_posts_its_search():
    request = RequestFactory().get("/")
    searching = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model_admin.get_search_fields(request) and not isinstance(model_admin, PostedSearchAdmin)
    ]
    assert searching == []


@pytest.mark.parametrize(
    ("language", "words"),
    [("de", ["Berechtigungen", "Profil"]), ("uk", ["Дозволи", "Профіль"])],
)
def test_the_account_page_of_the_admin_speaks_the_readers_language(staff, olena, language, words):
    staff.cookies["django_language"] = language
    html = staff.get(reverse("admin:accounts_user_change", args=[olena.pk])).content.decode()
    assert all(word in html for word in words)
    listing = staff.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert ">Search<" not in listing
    assert 'alt="Search"' not in listing
