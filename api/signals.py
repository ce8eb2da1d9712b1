"""Credentials changed: the owner's API tokens are revoked, see
:func:`api.services.tokens.tokens_revoke_all`. A token must not outlive the password or second
factor it was created under, however the password was changed (allauth, admin site,
management command)."""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator

from accounts import signals as account_signals
from accounts.audit import current_actor
from api.services.tokens import tokens_revoke_all


def _actor(request: Any, user: Any) -> Any:
    actor = getattr(request, "user", None)
    return actor if actor is not None and actor.is_authenticated else user


def on_password_changed(sender: Any, user: Any = None, **kwargs: Any) -> None:
    # The person who acted: the admin who set it, or the user themselves (also when signed out,
    # as after a password reset).
    tokens_revoke_all(user=user, reason="password_changed", by=current_actor() or user)


def on_authenticator_removed(
    sender: Any, request: Any = None, user: Any = None, authenticator: Any = None, **kwargs: Any
) -> None:
    if authenticator is not None and authenticator.type == Authenticator.Type.TOTP:
        tokens_revoke_all(user=user, reason="second_factor_removed", by=_actor(request, user))


def connect() -> None:
    account_signals.password_changed.connect(on_password_changed, dispatch_uid="api.pw_changed")
    mfa_signals.authenticator_removed.connect(
        on_authenticator_removed, dispatch_uid="api.mfa_removed"
    )
