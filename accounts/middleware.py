from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from accounts.audit import client_ip, current_request

Handler = Callable[[HttpRequest], HttpResponse]


def client_address(request: HttpRequest) -> str:
    """The client address, trusting exactly REMATCH_TRUSTED_PROXY_COUNT proxies.

    Each trusted proxy appends the address it saw to X-Forwarded-For, so the client is the entry
    that many places from the right; anything further left can be forged by the client."""
    count = settings.REMATCH_TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    if count <= 0:
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [p for p in forwarded if p]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


class ClientAddressMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = client_address(request)
        # allauth's rate limits and the audit log both read REMOTE_ADDR / the context variable.
        request.META["REMOTE_ADDR"] = address
        token = client_ip.set(address or None)
        request_token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(request_token)
            client_ip.reset(token)


class StaffSessionExpiryMiddleware:
    """Staff sessions end after REMATCH_STAFF_IDLE_TIMEOUT seconds without a request."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff_role:
            now = int(time.time())
            last = request.session.get("last_activity")
            if last is not None and now - last > settings.REMATCH_STAFF_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("You were signed out after a period of inactivity."))
                return redirect(settings.LOGIN_URL)
            # Writing the session on every request costs a database write; a resolution of a
            # minute is plenty for a 30-minute timeout.
            if last is None or now - last >= 60:
                request.session["last_activity"] = now
        return self.get_response(request)


class RequireMFAMiddleware:
    """Coordinators and municipal staff must set up TOTP before they can use the platform.

    allauth offers MFA but cannot force it; until the user has an authenticator, every page but
    the MFA set-up, logout and public pages redirects to the set-up."""

    allowed_prefixes = ("/accounts/", "/static/", "/i18n/", "/healthz", "/accessibility/")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_set_up(request):
            if request.path.startswith("/api/"):
                return HttpResponse(status=403)
            messages.warning(
                request, _("Please set up two-factor authentication before you continue.")
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    def _must_set_up(self, request: HttpRequest) -> bool:
        if not settings.REMATCH_REQUIRE_MFA:
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.needs_mfa:
            return False
        if request.path.startswith(self.allowed_prefixes):
            return False
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class NoStoreMiddleware:
    """Pages for signed-in users and every API response may hold personal data: browsers and
    proxies must not keep them (a shared computer's back button, a caching proxy). A view that
    sets its own Cache-Control keeps it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = request.path.startswith("/api/") or (user is not None and user.is_authenticated)
        if personal and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
