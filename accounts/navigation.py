"""The main navigation per role, with the current section marked (aria-current="page").

A refugee's menu holds only what a household needs (its overview and its offers); developer
features such as API tokens are for staff."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
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
    Item("round_list", _("Rounds"), (COORD, STAFF)),
    Item("municipality_list", _("Municipalities"), (COORD,)),
    Item("municipality_list", _("My municipality"), (STAFF,)),
    Item("offer_list", _("Offers"), (STAFF, CASE)),
    Item("offer_list", _("My offers"), (REF,)),
    Item("invitation_list", _("Invitations"), (COORD,)),
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


def main_navigation(request: HttpRequest) -> list[Link]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = []
    for item in ITEMS:
        if user.role not in item.roles:
            continue
        try:
            items.append((reverse(item.url_name), item.label))
        except NoReverseMatch:  # an app switched off in a deployment
            continue
    current = _current(request.path, [url for url, _label in items])
    return [Link(url=url, label=label, current=url == current) for url, label in items]


def account_is_current(request: HttpRequest) -> bool:
    return request.path.startswith("/accounts/")
