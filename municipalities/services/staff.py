"""Municipal staff: an accepted invitation makes its user staff of the municipalities it names;
a coordinator sees who has access to a municipality and takes it away."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import Invitation, User
from accounts.roles import Role
from accounts.signals import invitation_accepted
from municipalities.models import Municipality, StaffMembership


@receiver(invitation_accepted)
def _grant_staff_memberships(
    sender: Any, *, invitation: Invitation, user: User, **kwargs: Any
) -> None:
    if invitation.role == Role.MUNICIPAL_STAFF:
        StaffMembership.objects.bulk_create(
            StaffMembership(user=user, municipality=m) for m in invitation.municipalities.all()
        )


def staff_of(municipality: Municipality) -> models.QuerySet[StaffMembership]:
    """Who has access to the municipality's proposals, questionnaires and offers."""
    return (
        StaffMembership.objects.filter(municipality=municipality)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


@transaction.atomic
def staff_remove(*, municipality: Municipality, user_id: int, by: User) -> bool:
    """Take away one person's access to ``municipality`` (the account itself stays, with its
    other municipalities). False when they had none, e.g. a second coordinator removed them a
    moment earlier."""
    if not by.is_coordinator:
        raise PermissionDenied
    # The DELETE's own row count decides: of two coordinators at once, one removes.
    removed, _ = StaffMembership.objects.filter(municipality=municipality, user_id=user_id).delete()
    if not removed:
        return False
    audit_log(
        actor=by,
        action="municipalities.staff.removed",
        target=municipality,
        changes={"user": user_id},
    )
    return True


@transaction.atomic
def staff_add(*, municipality: Municipality, email: str, by: User) -> User:
    """Give an existing municipal-staff account access to ``municipality`` as well (someone who
    covers a second municipality, or whose access was removed by mistake). New people join by
    invitation instead."""
    if not by.is_coordinator:
        raise PermissionDenied
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or user.role != Role.MUNICIPAL_STAFF or not user.is_active:
        raise ValidationError(
            {
                "email": _(
                    "There is no active account of municipal staff with this address. Invite "
                    "the person instead."
                )
            }
        )
    membership, created = StaffMembership.objects.get_or_create(
        user=user, municipality=municipality
    )
    if not created:
        raise ValidationError({"email": _("This person has access already.")})
    audit_log(
        actor=by,
        action="municipalities.staff.added",
        target=municipality,
        changes={"user": user.pk},
    )
    return user
