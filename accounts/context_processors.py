from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def platform(request: HttpRequest) -> dict[str, Any]:
    from accounts.navigation import account_is_current, account_navigation, main_navigation

    return {
        "main_navigation": main_navigation(request),
        "account_current": account_is_current(request),
        "account_navigation": account_navigation(request),
        "MFA_REQUIRED": settings.REMATCH_REQUIRE_MFA,
        "DEMO_MODE": settings.REMATCH_DEMO,
        "language_next": language_next(request),
    }


def language_next(request: HttpRequest) -> str:
    """Where the language switch returns to. A page shown in answer to a POST (a confirmation,
    a form with errors) may live at an address that only takes POST: the switch then returns to
    the page the person came from, not to a 405. A view can name the page itself
    (``core.confirm.ask`` names the page that the confirmation's "Cancel" leads to)."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"
