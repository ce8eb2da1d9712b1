from __future__ import annotations

from typing import Any, cast

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.audit import audit_log
from accounts.models import User


def _account(credentials: dict[str, Any]):
    from accounts.models import User

    email = str(credentials.get("email", credentials.get("username", ""))).strip().lower()
    return User.objects.filter(email=email).first() if email else None


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is closed: people join through an invitation (see accounts.views.invitation_accept),
    which creates the account with a verified e-mail address. Sign-ins, failures and lock-outs
    are audited; an attempt on an unknown address is recorded without the address."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        super().login(request, user)
        audit_log(actor=cast(User, user), action="accounts.login.succeeded", target=user)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        user = _account(credentials)
        audit_log(
            actor=None,
            action="accounts.login.failed",
            target=user,
            label="" if user else "unknown account",
        )

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            user = _account(credentials)
            audit_log(
                actor=None,
                action="accounts.login.locked_out",
                target=user,
                label="" if user else "unknown account",
            )
            raise
