"""Password rules beyond Django's: not the account's own e-mail address (nor its part before
the @), in any letter case — the first guess of anyone who knows the address."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NotOwnEmailValidator:
    def validate(self, password: str, user: Any = None) -> None:
        email = (getattr(user, "email", "") or "").strip().lower()
        if not email:
            return
        guess = password.strip().lower()
        if guess in {email, email.split("@", 1)[0]}:
            raise ValidationError(
                _("The password must not be your e-mail address."), code="password_is_email"
            )

    def get_help_text(self) -> str:
        return _("Your password must not be your e-mail address.")
