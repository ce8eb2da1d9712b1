"""Recording a household: the household itself, its members, needs, preferences and relatives."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, audit_log_many, changes_between
from refugees import duplicates
from refugees.models import (
    CASEWORKER_STATUSES,
    Household,
    HouseholdStatus,
    Member,
    Needs,
    Preferences,
    Relation,
    Relative,
    check_member_count,
)
from refugees.selectors import household_checklist
from refugees.services._common import apply, bump_version, lock_editable, snapshot

if TYPE_CHECKING:
    from accounts.models import User

HOUSEHOLD_FIELDS = ("caseworker", "notes", "status")
MEMBER_FIELDS = Member.PROFILE_FIELDS
NEEDS_FIELDS = Needs.HEALTH_FIELDS
PREFERENCE_FIELDS = Preferences.PROFILE_FIELDS
# Unambiguous characters only: reference codes are read out on the phone.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def random_reference() -> str:
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
    return f"HH-{code[:3]}-{code[3:]}"


def new_reference() -> str:
    while True:
        reference = random_reference()
        if not Household.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def household_update(
    *, household: Household, by: User, version: int | None, data: dict[str, Any]
) -> Household:
    household = lock_editable(household, by, version)
    before = snapshot(household, HOUSEHOLD_FIELDS)
    apply(household, data, HOUSEHOLD_FIELDS)
    _check_status(household, before["status"])
    caseworker = household.caseworker
    # A caseworker who has left keeps the households nobody has handed over yet (an edit of
    # the notes leaves them so), but no household is newly given to them.
    if (
        caseworker
        and caseworker.pk != before["caseworker"]
        and not _takes_households(caseworker, household.organisation_id)
    ):
        raise ValidationError(
            {"caseworker": _("Choose an active caseworker of your organisation.")}
        )
    household.full_clean()
    household.version += 1
    household.save()
    changes = changes_between(before, snapshot(household, HOUSEHOLD_FIELDS))
    audit_log(actor=by, action="refugees.household.changed", target=household, changes=changes)
    return household


def _takes_households(user: User, organisation_id: int) -> bool:
    return user.is_active and user.is_caseworker and user.organisation_id == organisation_id


@transaction.atomic
def households_hand_over(*, from_user: User, to_user: User | None, by: User) -> int:
    """Every household of ``from_user``'s organisation that ``from_user`` looks after now has
    ``to_user`` as its caseworker (a colleague who left, or who is away); returns how many.

    Coordinators only. Each household's change is audited like an edit, and its version
    moves on, so a form opened on it before is refused instead of undoing the hand-over.
    Of two coordinators at once, the second finds nothing left to hand over.
    """
    if not by.is_coordinator:
        raise PermissionDenied
    organisation_id = from_user.organisation_id
    if (
        organisation_id is None
        or to_user is None
        or to_user.pk == from_user.pk
        or not _takes_households(to_user, organisation_id)
    ):
        raise ValidationError({"to": _("Choose an active caseworker of the organisation.")})
    households = list(
        Household.objects.select_for_update()
        .filter(organisation_id=organisation_id, caseworker=from_user)
        .order_by("pk")
    )
    Household.objects.filter(pk__in=[h.pk for h in households]).update(
        caseworker=to_user, version=F("version") + 1, updated_at=timezone.now()
    )
    audit_log_many(
        actor=by,
        action="refugees.household.changed",
        entries=[(h, {"caseworker": [from_user.pk, to_user.pk]}) for h in households],
    )
    return len(households)


def _check_status(household: Household, old: str) -> None:
    if household.status == old:
        return
    if old not in CASEWORKER_STATUSES or household.status not in CASEWORKER_STATUSES:
        raise ValidationError({"status": _("This status is set by the matching, not by hand.")})
    if household.status == HouseholdStatus.READY:
        missing = [str(c.label) for c in household_checklist(household) if not c.done]
        if missing:
            raise ValidationError(
                {
                    "status": _("Not ready yet. Still missing: %(items)s.")
                    % {"items": ", ".join(missing)}
                }
            )


@transaction.atomic
def member_save(
    *,
    household: Household,
    by: User,
    version: int | None,
    data: dict[str, Any],
    member: Member | None = None,
    save_anyway: bool = False,
) -> Member:
    """Add a member (``member`` is None) or change one.

    A new person, or a member whose name or date of birth changes, that matches a person of
    another household of the organisation is refused as a likely duplicate
    (:class:`refugees.duplicates.LikelyDuplicate`) unless ``save_anyway``: the rule of the
    household's create, for the form's member step and the API's alike."""
    household = lock_editable(household, by, version)
    if member is None:
        check_member_count(household.members.count() + 1)
        member = Member(household=household)
        before: dict[str, Any] = {}
    else:
        member = Member.objects.get(pk=member.pk, household=household)
        before = snapshot(member, MEMBER_FIELDS)
    apply(member, data, MEMBER_FIELDS)
    if not save_anyway and (
        not before
        or duplicates.person(member.full_name, member.date_of_birth)
        != duplicates.person(before["full_name"], before["date_of_birth"])
    ):
        duplicates.refuse_likely_duplicates(
            household.organisation_id,
            {
                "": duplicates.people_of(
                    [{"full_name": member.full_name, "date_of_birth": member.date_of_birth}]
                )
            },
            exclude=household.pk,
        )
    _check_single_contact(household, member)
    member.full_clean()
    member.save()
    bump_version(household)
    changes = changes_between(before, snapshot(member, MEMBER_FIELDS))
    action = "refugees.member.changed" if before else "refugees.member.added"
    audit_log(actor=by, action=action, target=household, changes={"member": member.pk, **changes})
    return member


def _check_single_contact(household: Household, member: Member) -> None:
    if member.relation != Relation.CONTACT:
        return
    others = household.members.filter(relation=Relation.CONTACT).exclude(pk=member.pk)
    if others.exists():
        raise ValidationError(
            {"relation": _("The household has a contact person already. Change that one first.")}
        )


@transaction.atomic
def member_remove(*, household: Household, by: User, version: int | None, member: Member) -> None:
    household = lock_editable(household, by, version)
    member = Member.objects.get(pk=member.pk, household=household)
    member_id = member.pk
    member.delete()
    bump_version(household)
    audit_log(
        actor=by, action="refugees.member.removed", target=household, changes={"member": member_id}
    )


def needs_update(
    *, household: Household, by: User, version: int | None, data: dict[str, Any]
) -> Needs:
    return _profile_part_update(household, by, version, data, Needs, NEEDS_FIELDS, "needs")


def preferences_update(
    *, household: Household, by: User, version: int | None, data: dict[str, Any]
) -> Preferences:
    return _profile_part_update(
        household, by, version, data, Preferences, PREFERENCE_FIELDS, "preferences"
    )


@transaction.atomic
def _profile_part_update(household, by, version, data, model, fields, name: str):
    """Needs and preferences are one-to-one parts of the profile, saved the same way: locked
    household, validated, versioned, audited (health fields by name only)."""
    household = lock_editable(household, by, version)
    part, _created = model.objects.get_or_create(household=household)
    before = snapshot(part, fields)
    apply(part, data, fields)
    part.recorded_at = timezone.now()
    part.full_clean()
    part.save()
    bump_version(household)
    changes = changes_between(before, snapshot(part, fields))
    audit_log(actor=by, action=f"refugees.{name}.changed", target=household, changes=changes)
    return part


@transaction.atomic
def relative_add(
    *, household: Household, by: User, version: int | None, data: dict[str, Any]
) -> Relative:
    household = lock_editable(household, by, version)
    relative = Relative(household=household)
    apply(relative, data, ("municipality", "place", "relation"))
    relative.full_clean()
    relative.save()
    bump_version(household)
    changes = {"relative": relative.pk, "municipality": relative.municipality_id}
    audit_log(actor=by, action="refugees.relative.added", target=household, changes=changes)
    return relative


@transaction.atomic
def relative_remove(
    *, household: Household, by: User, version: int | None, relative: Relative
) -> None:
    household = lock_editable(household, by, version)
    relative = Relative.objects.get(pk=relative.pk, household=household)
    relative_id = relative.pk
    relative.delete()
    bump_version(household)
    audit_log(
        actor=by,
        action="refugees.relative.removed",
        target=household,
        changes={"relative": relative_id},
    )


def household_view_log(*, household: Household, by: User, part: str = "") -> None:
    """Every read of a profile by staff is audited (``part``: the edit page's step, "offer" for
    the profile an accepted offer reveals, or empty for the whole profile); households reading
    their own are not."""
    if not by.is_refugee:
        changes = {"part": part} if part else None
        audit_log(actor=by, action="refugees.household.viewed", target=household, changes=changes)
