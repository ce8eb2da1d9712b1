"""E-mails to a municipality's staff, each in the recipient's preferred language.

``staff_of`` is the one query for "who receives a municipality's mail": every app that writes to
a municipality (offers, questionnaires, surveys) asks it."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from core import mail
from municipalities.models import Municipality


def staff_of(municipality: Municipality | int) -> list[User]:
    """The active staff members of ``municipality`` (an instance or its id)."""
    municipality_id = municipality if isinstance(municipality, int) else municipality.pk
    return list(
        User.objects.filter(staff_memberships__municipality_id=municipality_id, is_active=True)
    )


def notify_staff(*, municipality: Municipality, template: str, context: dict[str, Any]) -> int:
    """Queue one e-mail per active staff member after the transaction commits (core.mail);
    returns the number of recipients."""
    return mail.send_to_users(staff_of(municipality), template, context)
