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


def household_caseworker(household) -> list[User]:
    """The caseworker who looks after the household (organises the move), while active."""
    caseworker = household.caseworker
    return [caseworker] if caseworker is not None and caseworker.is_active else []


def household_side(household) -> list[User]:
    """Who is asked for the household's answer: its contact person or, without an account on
    Re:Match, its caseworker (who answers for it)."""
    return household_contacts(household) or household_caseworker(household)
