"""E-mails to a municipality's staff, each in the recipient's preferred language."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise

from accounts.models import User
from accounts.tasks import send_email
from municipalities.models import Municipality


def staff_of(municipality: Municipality) -> list[User]:
    return list(User.objects.filter(staff_memberships__municipality=municipality, is_active=True))


def notify_staff(
    *, municipality: Municipality, template: str, subject: Promise | str, context: dict[str, Any]
) -> int:
    """Queue one e-mail per active staff member after the transaction commits; returns the
    number of recipients."""
    recipients = staff_of(municipality)
    for user in recipients:
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            body = render_to_string(
                template, {**context, "user": user, "site_url": settings.SITE_URL.rstrip("/")}
            )
            text = str(subject)
        transaction.on_commit(partial(send_email.delay, subject=text, body=body, to=[user.email]))
    return len(recipients)
