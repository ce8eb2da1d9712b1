"""Token authentication for machine clients: ``Authorization: Token <key>`` or
``Authorization: Bearer <key>``.

A token stands in for the password *and* the second factor, so it is refused when its owner must
use two-factor authentication and has none, or set it up only after the token was created (the
token was then never backed by a second factor). Failed attempts are counted per client address
and answered 429 once REMATCH_API_TOKEN_FAILURES is reached, so keys cannot be guessed."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.audit import client_ip
from api.models import ApiToken, hash_token

KEYWORDS = (b"token", b"bearer")
# last_used_at is a hint for the owner, not an access log: one write a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Failed attempts are counted in windows of this length.
FAILURE_WINDOW_SECONDS = 600


def _failure_key() -> str:
    return f"api:token-failures:{client_ip.get() or 'unknown'}"


def _refuse_when_throttled() -> None:
    if (cache.get(_failure_key()) or 0) >= settings.REMATCH_API_TOKEN_FAILURES:
        raise exceptions.Throttled(
            wait=FAILURE_WINDOW_SECONDS,
            detail=str(_("Too many failed token attempts from this address. Try again later.")),
        )


def _count_failure() -> None:
    key = _failure_key()
    cache.add(key, 0, timeout=FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=FAILURE_WINDOW_SECONDS)


def second_factor_since(user):
    """When the user's current TOTP authenticator was set up, or None without one."""
    from allauth.mfa.models import Authenticator

    return (
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        .values_list("created_at", flat=True)
        .first()
    )


def token_lacks_second_factor(token: ApiToken) -> bool:
    user = token.user
    if not (settings.REMATCH_REQUIRE_MFA and user.needs_mfa):
        return False
    since = second_factor_since(user)
    return since is None or token.created_at < since


class TokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        _refuse_when_throttled()
        if len(parts) != 2:
            _count_failure()
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header."))
        try:
            key = parts[1].decode()
        except UnicodeDecodeError:
            _count_failure()
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.usable()
            .select_related("user")
            .filter(key_hash=hash_token(key))
            .first()
        )
        if token is None or not token.user.is_active:
            _count_failure()
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if token_lacks_second_factor(token):
            raise exceptions.PermissionDenied(
                _(
                    "This account must use two-factor authentication. Set it up in the portal "
                    "and create a new token there; tokens created before it do not work."
                )
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
