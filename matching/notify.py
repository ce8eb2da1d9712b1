"""E-mails about offers, each in the recipient's language, sent after the transaction commits."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import User
from core import mail


def notify(users: Iterable[User], template: str, context: dict) -> None:
    """``matching/email/<template>_subject.txt`` / ``_body.txt`` per recipient (core.mail)."""
    mail.send_to_users(users, f"matching/email/{template}", context)


def household_contacts(household) -> list[User]:
    return [household.contact_user] if household.contact_user_id else []
