"""Entering households into rounds and taking them out again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from refugees.models import Household, RoundHousehold
from refugees.services._common import lock_editable
from rounds.lifecycle import Action
from rounds.models import Round
from rounds.services.rounds import round_lock

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def round_household_add(*, round: Round, household: Household, by: User) -> RoundHousehold:
    """Enter a household into an open round. Only with valid consent and at least one member."""
    if not Round.objects.visible_to(by).filter(pk=round.pk).exists():
        raise PermissionDenied
    round = round_lock(round)  # round before household, the order of every round workflow
    household = lock_editable(household, by)
    round.require(Action.ADD_HOUSEHOLD)
    if not household.has_valid_consent:
        raise ValidationError(_("Without valid consent a household cannot enter a round."))
    if not household.members.exists():
        raise ValidationError(_("Record the household's members first."))
    if RoundHousehold.objects.filter(round=round, household=household).exists():
        raise ValidationError(_("The household is in this round already."))
    try:
        with transaction.atomic():
            entry = RoundHousehold.objects.create(round=round, household=household, added_by=by)
    except IntegrityError:  # the unique constraint caught a parallel request
        raise ValidationError(_("The household is in this round already.")) from None
    audit_log(
        actor=by,
        action="refugees.household.round_added",
        target=household,
        changes={"round": round.name},
    )
    return entry


@transaction.atomic
def round_household_remove(*, round: Round, household: Household, by: User) -> None:
    round = round_lock(round)  # round before household, the order of every round workflow
    household = lock_editable(household, by)
    entry = RoundHousehold.objects.filter(round=round, household=household).first()
    if entry is None:
        raise ValidationError(_("The household is not in this round."))
    round.require(Action.REMOVE_HOUSEHOLD)
    entry.delete()
    audit_log(
        actor=by,
        action="refugees.household.round_removed",
        target=household,
        changes={"round": round.name},
    )
