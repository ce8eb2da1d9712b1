"""E-mails to a municipality's staff, each in the recipient's preferred language."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from core import mail
from municipalities.models import Municipality


def staff_of(municipality: Municipality) -> list[User]:
    return list(User.objects.filter(staff_memberships__municipality=municipality, is_active=True))


def notify_staff(*, municipality: Municipality, template: str, context: dict[str, Any]) -> int:
    """Queue one e-mail per active staff member after the transaction commits (core.mail);
    returns the number of recipients."""
    return mail.send_to_users(staff_of(municipality), template, context)
