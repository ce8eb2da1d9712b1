"""E-mails about offers, each in the recipient's language, sent after the transaction commits."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from accounts.tasks import send_email


def notify(users: Iterable[User], template: str, context: dict) -> None:
    """Render ``matching/email/<template>_subject.txt`` / ``_body.txt`` per recipient."""
    messages = []
    for user in users:
        if not user.is_active or not user.email:
            continue
        with translation.override(user.preferred_language):
            ctx = {**context, "user": user, "site_url": settings.SITE_URL.rstrip("/")}
            subject = render_to_string(f"matching/email/{template}_subject.txt", ctx).strip()
            body = render_to_string(f"matching/email/{template}_body.txt", ctx)
        messages.append((subject, body, user.email))
    for subject, body, email in messages:
        transaction.on_commit(partial(send_email.delay, subject=subject, body=body, to=[email]))


def municipality_staff(municipality) -> list[User]:
    return list(User.objects.filter(staff_memberships__municipality=municipality, is_active=True))


def household_contacts(household) -> list[User]:
    return [household.contact_user] if household.contact_user_id else []


def offer_url(offer) -> str:
    return reverse("offer_detail", args=[offer.pk])
