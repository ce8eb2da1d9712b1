"""Creating a household: the one service behind the guided form, the API and the import.

The guided form opens an empty household and records its members step by step (each step a
service of its own); the API sends a whole household at once and an import file many. Both of
these go through the bulk writer (:mod:`refugees.services.bulk`), so one household and ten
thousand are checked by the same code: full_clean() on every object, one contact person, the
consent moment from :func:`refugees.models.consent_given_at`, the checklist for "ready", the
likely-duplicate rule of :mod:`refugees.duplicates` (refused unless ``save_anyway``), and one
audit event per household with counts, never names."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.audit import audit_log
from refugees.models import Household, Needs, Preferences
from refugees.services.bulk import households_import
from refugees.services.households import new_reference

if TYPE_CHECKING:
    from accounts.models import User
    from rounds.models import Round

CREATED = "refugees.household.created"
IMPORTED = "refugees.household.imported"


@dataclass
class HouseholdData:
    """A household with what is recorded along with it, not saved yet."""

    members: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row, fields)
    household: dict[str, Any] = field(default_factory=dict)  # notes, status
    needs: dict[str, Any] = field(default_factory=dict)
    preferences: dict[str, Any] = field(default_factory=dict)
    relatives: list[dict[str, Any]] = field(default_factory=list)
    consent: dict[str, Any] | None = None  # text_version, given_on (a date)


@transaction.atomic
def household_create(
    *, by: User, data: HouseholdData | None = None, save_anyway: bool = False
) -> Household:
    """A caseworker records a household of their organisation and becomes its caseworker.

    Without ``data`` (the guided form's first step) the household is an empty draft; with it,
    the household is saved whole, all or nothing."""
    if data is None:
        return _empty(by=by, notes="")
    (household,) = households_create(
        by=by, households={"": data}, save_anyway={""} if save_anyway else (), action=CREATED
    )
    return household


def households_create(
    *,
    by: User,
    households: Mapping[str, HouseholdData],
    save_anyway: Collection[str] = (),
    round: Round | None = None,
    action: str = IMPORTED,
) -> list[Household]:
    """Many households at once (an import file), under the caller's keys; see the module."""
    return households_import(
        rows_by_household=households, by=by, round=round, save_anyway=save_anyway, action=action
    )


def _empty(*, by: User, notes: str) -> Household:
    if not by.is_caseworker or not by.organisation_id:
        raise PermissionDenied
    household = Household(
        reference=new_reference(), organisation_id=by.organisation_id, caseworker=by, notes=notes
    )
    household.full_clean()
    household.save()
    Needs.objects.create(household=household)
    Preferences.objects.create(household=household)
    audit_log(actor=by, action=CREATED, target=household)
    return household
