"""Municipal staff: an accepted invitation makes its user staff of the municipalities it names."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.models import Invitation, User
from accounts.roles import Role
from accounts.signals import invitation_accepted
from municipalities.models import StaffMembership


@receiver(invitation_accepted)
def _grant_staff_memberships(
    sender: Any, *, invitation: Invitation, user: User, **kwargs: Any
) -> None:
    if invitation.role == Role.MUNICIPAL_STAFF:
        StaffMembership.objects.bulk_create(
            StaffMembership(user=user, municipality=m) for m in invitation.municipalities.all()
        )
