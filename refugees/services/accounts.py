"""A household's own account: an accepted invitation makes its user the household's contact."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils.translation import gettext as _

from accounts.models import Invitation, User
from accounts.roles import Role
from accounts.signals import invitation_accepted
from refugees.models import Household


@receiver(invitation_accepted)
def _link_household_contact(
    sender: Any, *, invitation: Invitation, user: User, **kwargs: Any
) -> None:
    if invitation.role != Role.REFUGEE or not invitation.household_id:
        return
    household = Household.objects.select_for_update().get(pk=invitation.household_id)
    if household.contact_user_id is not None:
        raise ValidationError(_("This household has an account already."))
    household.contact_user = user
    household.save(update_fields=["contact_user"])
