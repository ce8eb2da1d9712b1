"""Consent and linked households."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from refugees.models import (
    CASEWORKER_STATUSES,
    EARLIEST_CONSENT_DATE,
    Consent,
    Household,
    HouseholdStatus,
    RoundHousehold,
    consent_given_at,
    valid_consent_versions,
)
from refugees.services._common import bump_version, lock_editable, lock_editable_after_rounds
from refugees.signals import consent_withdrawn
from rounds.lifecycle import Action, phases_allowing

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def consent_record(
    *, household: Household, by: User, text_version: str, given_at: datetime | None = None
) -> Consent:
    """The caseworker records that the household agreed to ``text_version`` of the consent text."""
    household = lock_editable(household, by)
    if text_version not in valid_consent_versions():
        raise ValidationError({"text_version": _("This version of the text is no longer valid.")})
    given_at = given_at or timezone.now()
    if given_at > timezone.now():
        raise ValidationError({"given_at": _("The consent cannot be given in the future.")})
    if timezone.localdate(given_at) < EARLIEST_CONSENT_DATE:
        consent_given_at(timezone.localdate(given_at))  # raises the one message
    if household.has_valid_consent:
        raise ValidationError(_("The household has a valid consent already."))
    consent = Consent(
        household=household, text_version=text_version, given_at=given_at, recorded_by=by
    )
    consent.full_clean()
    consent.save()
    if household.status == HouseholdStatus.WITHDRAWN:
        household.status = HouseholdStatus.DRAFT
        household.save(update_fields=["status", "updated_at"])
    bump_version(household)
    audit_log(
        actor=by,
        action="refugees.consent.given",
        target=household,
        changes={"text_version": text_version},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, household: Household, by: User) -> Household:
    """The household withdraws its consent: it leaves every round that is not closed and cannot
    enter another until it consents again. Its rounds are locked before the household (the
    order of every round workflow), so answers to its offers and a closing round do not
    deadlock with it."""
    household = lock_editable_after_rounds(household, by)
    now = timezone.now()
    withdrawn = household.consents.filter(withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=by
    )
    if not withdrawn:
        raise ValidationError(_("The household has no consent to withdraw."))
    entries = RoundHousehold.objects.filter(
        household=household, round__status__in=phases_allowing(Action.REMOVE_HOUSEHOLD)
    )
    rounds = sorted(entries.values_list("round__name", flat=True))
    entries.delete()
    consent_withdrawn.send(sender=Household, household=household, by=by)
    if household.status in CASEWORKER_STATUSES:
        household.status = HouseholdStatus.WITHDRAWN
        household.save(update_fields=["status", "updated_at"])
    bump_version(household)
    audit_log(
        actor=by,
        action="refugees.consent.withdrawn",
        target=household,
        changes={"rounds_left": rounds},
    )
    return household


@transaction.atomic
def household_link(*, household: Household, other: Household, by: User) -> None:
    """Households that must be placed together (relatives travelling separately)."""
    household = lock_editable(household, by)
    other = lock_editable(other, by)
    if other.pk == household.pk:
        raise ValidationError({"other": _("A household cannot be linked with itself.")})
    if other.organisation_id != household.organisation_id:
        raise ValidationError({"other": _("Only households of the same organisation are linked.")})
    if household.linked_households.filter(pk=other.pk).exists():
        raise ValidationError({"other": _("These households are linked already.")})
    household.linked_households.add(other)
    bump_version(household)
    bump_version(other)
    audit_log(
        actor=by,
        action="refugees.household.linked",
        target=household,
        changes={"linked": other.reference},
    )
    audit_log(
        actor=by,
        action="refugees.household.linked",
        target=other,
        changes={"linked": household.reference},
    )


@transaction.atomic
def household_unlink(*, household: Household, other: Household, by: User) -> None:
    household = lock_editable(household, by)
    other = lock_editable(other, by)
    if not household.linked_households.filter(pk=other.pk).exists():
        raise ValidationError(_("These households are not linked."))
    household.linked_households.remove(other)
    bump_version(household)
    bump_version(other)
    for target, partner in ((household, other), (other, household)):
        audit_log(
            actor=by,
            action="refugees.household.unlinked",
            target=target,
            changes={"linked": partner.reference},
        )
