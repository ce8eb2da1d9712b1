"""Credentials changed in allauth's flows (password change, set, reset; second factor removed):
the owner's API tokens are revoked, see :func:`api.services.tokens.tokens_revoke_all`."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator

from api.services.tokens import tokens_revoke_all


def _actor(request: Any, user: Any) -> Any:
    actor = getattr(request, "user", None)
    return actor if actor is not None and actor.is_authenticated else user


def on_password_changed(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    tokens_revoke_all(user=user, reason="password_changed", by=_actor(request, user))


def on_password_reset(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    tokens_revoke_all(user=user, reason="password_reset", by=_actor(request, user))


def on_authenticator_removed(
    sender: Any, request: Any = None, user: Any = None, authenticator: Any = None, **kwargs: Any
) -> None:
    if authenticator is not None and authenticator.type == Authenticator.Type.TOTP:
        tokens_revoke_all(user=user, reason="second_factor_removed", by=_actor(request, user))


def connect() -> None:
    account_signals.password_changed.connect(on_password_changed, dispatch_uid="api.pw_changed")
    account_signals.password_set.connect(on_password_changed, dispatch_uid="api.pw_set")
    account_signals.password_reset.connect(on_password_reset, dispatch_uid="api.pw_reset")
    mfa_signals.authenticator_removed.connect(
        on_authenticator_removed, dispatch_uid="api.mfa_removed"
    )
