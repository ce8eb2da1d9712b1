"""The main navigation per role, with the current section marked (aria-current="page").

A refugee's menu holds only what a household needs (its overview and its offers); developer
features such as API tokens are for staff."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role

COORD, STAFF, CASE, REF = Role.COORDINATOR, Role.MUNICIPAL_STAFF, Role.CASEWORKER, Role.REFUGEE


@dataclass(frozen=True)
class Item:
    url_name: str
    label: str | Promise
    roles: tuple[str, ...]


ITEMS = (
    Item("dashboard", _("Overview"), (COORD, STAFF, CASE, REF)),
    Item("household_list", _("Households"), (COORD, CASE)),
    Item("programme_list", _("Programmes"), (COORD,)),
    Item("round_list", _("Rounds"), (COORD, STAFF)),
    Item("municipality_list", _("Municipalities"), (COORD,)),
    Item("municipality_list", _("My municipality"), (STAFF,)),
    Item("offer_list", _("Offers"), (STAFF, CASE)),
    Item("offer_list", _("My offers"), (REF,)),
    Item("invitation_list", _("Invitations"), (COORD,)),
    Item("organisation_list", _("Partner organisations"), (COORD,)),
    Item("evaluation_index", _("Evaluation"), (COORD,)),
    Item("audit_log", _("Audit log"), (COORD,)),
    Item("records_of_processing", _("Data protection"), (COORD,)),
    Item("application_list", _("Applications"), (COORD,)),
    Item("programme_edit", _("Public pages"), (COORD,)),
    Item("api_token_list", _("API tokens"), (COORD, STAFF, CASE)),
)


@dataclass(frozen=True)
class Link:
    url: str
    label: str | Promise
    current: bool


def _current(path: str, urls: list[str]) -> str | None:
    """The longest item URL that the path lies under; the overview only on its own page."""
    under = [url for url in urls if (path == url) or (url != "/" and path.startswith(url))]
    return max(under, key=len) if under else None


def _items(request: HttpRequest, items: tuple[Item, ...]) -> list[tuple[str, str | Promise]]:
    """(URL, label) of the items the signed-in user's role may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    found = []
    for item in items:
        if user.role not in item.roles:
            continue
        url = _url(item.url_name, get_script_prefix(), get_urlconf())
        if url is not None:
            found.append((url, item.label))
    return found


@lru_cache(maxsize=256)
def _url(url_name: str, prefix: str, urlconf: str | None) -> str | None:
    """The item's URL, reversed once per URL configuration instead of on every page (the two
    menus reversed up to 20 names a request)."""
    try:
        return reverse(url_name, urlconf=urlconf)
    except NoReverseMatch:  # an app switched off in a deployment (allauth.mfa)
        return None


def main_navigation(request: HttpRequest) -> list[Link]:
    items = _items(request, ITEMS)
    current = _current(request.path, [url for url, _label in items])
    return [Link(url=url, label=label, current=url == current) for url, label in items]


def account_is_current(request: HttpRequest) -> bool:
    """ "My account" is the current section on the account page and allauth's pages."""
    return request.path.startswith("/accounts/") or request.path == _url(
        "account_overview", get_script_prefix(), get_urlconf()
    )


# What "My account" holds: the e-mail address; for staff the password, the second factor
# (allauth.mfa, when installed) and API tokens. A household signs in with a code sent by
# e-mail: it has no password to change.
ACCOUNT_ITEMS = (
    Item("account_overview", _("My account"), (COORD, STAFF, CASE, REF)),
    Item("account_email", _("E-mail address"), (COORD, STAFF, CASE, REF)),
    Item("account_change_password", _("Change password"), (COORD, STAFF, CASE)),
    Item("mfa_index", _("Two-factor authentication"), (COORD, STAFF, CASE)),
    Item("api_token_list", _("API tokens"), (COORD, STAFF, CASE)),
)


def account_navigation(request: HttpRequest) -> list[Link]:
    items = _items(request, ACCOUNT_ITEMS)
    return [Link(url=url, label=label, current=request.path == url) for url, label in items]
