"""A municipality names who welcomes arrivals; households see it once both sides accepted."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.audit import audit_log, changes_between
from accounts.models import User
from municipalities.models import Municipality, WelcomeContact

WELCOME_FIELDS = (
    "office_name",
    "office_contact",
    "office_email",
    "office_phone",
    "office_address",
    "office_hours",
    "partner_name",
    "partner_contact",
    "partner_email",
    "partner_phone",
    "note",
)


def welcome_of(municipality: Municipality) -> WelcomeContact | None:
    return WelcomeContact.objects.filter(municipality=municipality).first()


@transaction.atomic
def welcome_save(*, municipality: Municipality, by: User, data: dict[str, Any]) -> WelcomeContact:
    """The municipality's own staff (and coordinators) say who welcomes arrivals."""
    if not Municipality.objects.visible_to(by).filter(pk=municipality.pk).exists():
        raise PermissionDenied
    welcome = WelcomeContact.objects.select_for_update().filter(
        municipality=municipality
    ).first() or WelcomeContact(municipality=municipality)
    before = model_to_dict(welcome, fields=WELCOME_FIELDS) if welcome.pk else {}
    for name in WELCOME_FIELDS:
        setattr(welcome, name, (data.get(name) or "").strip())
    welcome.updated_at = timezone.now()
    welcome.full_clean()
    welcome.save()
    changes = changes_between(before, model_to_dict(welcome, fields=WELCOME_FIELDS))
    audit_log(
        actor=by,
        action="municipalities.welcome.saved",
        target=welcome,
        changes={k: "changed" for k in changes},
    )
    return welcome
