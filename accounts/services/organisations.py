"""Partner organisations and their caseworkers, kept by the coordinators.

A caseworker sees the health needs of every household of the organisation: when someone
leaves, the coordinator deactivates the account at once (the next request of any of its
sessions is signed out, and its API tokens stop working: both check ``is_active``). The
account and its audit trail stay, and it can be reactivated."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from accounts.audit import audit_log, changes_between
from accounts.models import Organisation, User
from accounts.roles import Role

FIELDS = ("name", "city", "contact_email")


def _coordinator_only(by: User) -> None:
    if not by.is_coordinator:
        raise PermissionDenied


@transaction.atomic
def organisation_create(*, by: User, data: dict[str, Any]) -> Organisation:
    _coordinator_only(by)
    organisation = Organisation(**{field: data[field] for field in FIELDS})
    organisation.full_clean()
    organisation.save()
    audit_log(actor=by, action="accounts.organisation.created", target=organisation)
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, by: User, data: dict[str, Any]
) -> Organisation:
    _coordinator_only(by)
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = model_to_dict(locked, fields=FIELDS)
    for field in FIELDS:
        setattr(locked, field, data[field])
    changes = changes_between(before, model_to_dict(locked, fields=FIELDS))
    if not changes:
        return locked
    locked.full_clean()
    locked.save(update_fields=list(changes))
    audit_log(actor=by, action="accounts.organisation.changed", target=locked, changes=changes)
    return locked


def caseworkers_of(organisation: Organisation):
    return User.objects.filter(organisation=organisation, role=Role.CASEWORKER).order_by(
        "-is_active", "full_name", "email"
    )


@transaction.atomic
def caseworker_set_active(
    *, organisation: Organisation, user_id: int, active: bool, by: User
) -> User:
    """Deactivate (``active`` False) or reactivate a caseworker of ``organisation``. Doing what
    is already done (a second coordinator a moment later) changes and audits nothing."""
    _coordinator_only(by)
    user = caseworkers_of(organisation).filter(pk=user_id).first()
    if user is None:
        raise ValidationError(_("This person is not a caseworker of the organisation."))
    # The UPDATE's row count decides: of two coordinators at once, one changes and audits.
    changed = User.objects.filter(pk=user.pk, is_active=not active).update(is_active=active)
    user.is_active = active
    if changed:
        action = "accounts.user.reactivated" if active else "accounts.user.deactivated"
        audit_log(actor=by, action=action, target=user)
    return user
