"""Recording many households at once (the spreadsheet import).

The rules are those of the single services (household_create, member_save, needs_update,
preferences_update, relative_add, consent_record, household_update, round_household_add): every
object is full_clean()ed and the same cross-object checks run. What differs is the writing: one
INSERT per table and thousand rows instead of ~40 queries per household, and one audit event per
household (counts only) instead of one per change. Households are handled a thousand at a time,
so memory grows with the batch, not with the file; everything is still one transaction."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log_many
from refugees import duplicates
from refugees.models import (
    Consent,
    Household,
    HouseholdStatus,
    Member,
    Needs,
    Preferences,
    Relation,
    Relative,
    RoundHousehold,
    check_member_count,
    consent_given_at,
)
from refugees.services._common import apply
from refugees.services.households import (
    MEMBER_FIELDS,
    NEEDS_FIELDS,
    PREFERENCE_FIELDS,
    _check_status,
    random_reference,
)
from rounds.models import Round

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# A reference clash with a household created in parallel is retried this often (each retry
# draws new codes only for the clashing rows; two clashes in a row are already very unlikely).
REFERENCE_ATTEMPTS = 5


class HouseholdRows(Protocol):
    """One household and what is recorded with it (refugees.services.create.HouseholdData)."""

    members: list[tuple[int, dict[str, Any]]]  # (row number, member fields)
    household: dict[str, Any]  # notes, status
    needs: dict[str, Any]
    preferences: dict[str, Any]
    relatives: list[dict[str, Any]]
    consent: dict[str, Any] | None  # text_version, given_on (a date)


@dataclass
class _New:
    """A household of the batch and everything recorded with it, not yet saved."""

    household: Household
    members: list[Member]
    needs: Needs
    preferences: Preferences
    relatives: list[Relative]
    consent: Consent | None
    entries: list[RoundHousehold] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        # Counts only: the audit log never holds names, dates of birth or needs.
        return {
            "members": len(self.members),
            "relatives": len(self.relatives),
            "consents": 1 if self.consent else 0,
            "rounds": len(self.entries),
        }


@transaction.atomic
def households_import(
    *,
    rows_by_household: Mapping[str, HouseholdRows],
    by: User,
    round: Round | None = None,
    save_anyway: Collection[str] = (),
    action: str = "refugees.household.imported",
) -> list[Household]:
    """A caseworker records many households of their organisation at once, optionally entering
    them into ``round``; all or nothing. The caller's key names a household in errors; a likely
    duplicate (:mod:`refugees.duplicates`) is refused unless its key is in ``save_anyway``.
    Callers go through :func:`refugees.services.create.households_create`."""
    if not by.is_caseworker or not by.organisation_id:
        raise PermissionDenied
    if round is not None and not _round_open_to(round, by):
        raise PermissionDenied
    if not rows_by_household:
        raise ValidationError(_("There are no households to import."))
    people = {
        key: duplicates.people_of(m for _row, m in rows.members)
        for key, rows in rows_by_household.items()
    }
    duplicates.refuse_likely_duplicates(by.organisation_id, people, save_anyway=save_anyway)
    items = list(rows_by_household.items())
    households: list[Household] = []
    for start in range(0, len(items), BATCH_SIZE):
        households += _import_batch(
            items[start : start + BATCH_SIZE], by=by, round=round, action=action
        )
    return households


def _round_open_to(round: Round, by: User) -> bool:
    return Round.objects.visible_to(by).open_for_households().filter(pk=round.pk).exists()


def _import_batch(
    items: Sequence[tuple[str, HouseholdRows]],
    *,
    by: User,
    round: Round | None,
    action: str,
) -> list[Household]:
    now = timezone.now()
    batch = [_build(key, rows, by=by, round=round, now=now) for key, rows in items]
    _insert_households([new.household for new in batch])
    Member.objects.bulk_create([m for new in batch for m in new.members], batch_size=BATCH_SIZE)
    Needs.objects.bulk_create([new.needs for new in batch], batch_size=BATCH_SIZE)
    Preferences.objects.bulk_create([new.preferences for new in batch], batch_size=BATCH_SIZE)
    Relative.objects.bulk_create([r for new in batch for r in new.relatives], batch_size=BATCH_SIZE)
    consents = [new.consent for new in batch if new.consent is not None]
    Consent.objects.bulk_create(consents, batch_size=BATCH_SIZE)
    _check_ready([(key, new) for (key, _rows), new in zip(items, batch, strict=True)])
    entries = [e for new in batch for e in new.entries]
    RoundHousehold.objects.bulk_create(entries, batch_size=BATCH_SIZE)
    audit_log_many(
        actor=by,
        action=action,
        entries=[(new.household, new.counts()) for new in batch],
    )
    return [new.household for new in batch]


# --- Building and validating one household (no queries) ---------------------------------------


@contextmanager
def _about(key: str) -> Iterator[None]:
    """Errors say which household they are about, by the caller's key: `K7.date_of_birth`."""
    try:
        yield
    except ValidationError as error:
        if not key:  # one household on its own (household_create): the fields as they are
            raise
        errors = error.update_error_dict({})
        raise ValidationError(
            {
                key if name == NON_FIELD_ERRORS else f"{key}.{name}": messages
                for name, messages in errors.items()
            }
        ) from error


def _build(
    key: str,
    rows: HouseholdRows,
    *,
    by: User,
    round: Round | None,
    now: datetime,
) -> _New:
    with _about(key):
        household = _household(rows, by)
        new = _New(
            household=household,
            members=_members(household, rows),
            needs=_recorded(Needs(household=household), rows.needs, NEEDS_FIELDS, now),
            preferences=_recorded(
                Preferences(household=household), rows.preferences, PREFERENCE_FIELDS, now
            ),
            relatives=[_relative(household, data) for data in rows.relatives],
            consent=_consent(household, rows.consent, by, now) if rows.consent else None,
        )
        if round is not None:
            new.entries = [_round_entry(new, round, by, now)]
    return new


def _household(rows: HouseholdRows, by: User) -> Household:
    # The reference is drawn when the batch is inserted; a placeholder passes full_clean().
    household = Household(
        reference="HH-XXX-XXX",
        organisation_id=by.organisation_id,  # type: ignore[misc]  # full_clean() refuses None
        caseworker=by,
        notes=rows.household.get("notes", ""),
        status=rows.household.get("status", HouseholdStatus.DRAFT),
    )
    if household.status != HouseholdStatus.READY:  # ready is checked once the rest is saved
        _check_status(household, HouseholdStatus.DRAFT)
    # Without the queries: organisation and caseworker are the importing caseworker's own, and
    # the reference is made unique by _insert_households.
    household.full_clean(
        exclude=["organisation", "caseworker", "contact_user"],
        validate_unique=False,
        validate_constraints=False,
    )
    return household


def _members(household: Household, rows: HouseholdRows) -> list[Member]:
    check_member_count(len(rows.members))
    members = []
    # The contact person first, as the guided form asks for them first.
    ordered = sorted(rows.members, key=lambda m: m[1].get("relation") != Relation.CONTACT)
    for _row, data in ordered:
        member = Member(household=household)
        apply(member, data, MEMBER_FIELDS)
        member.full_clean(exclude=["household"])
        members.append(member)
    contacts = sum(1 for m in members if m.relation == Relation.CONTACT)
    if contacts > 1:  # the rule of member_save (_check_single_contact)
        raise ValidationError(
            {"relation": _("The household has a contact person already. Change that one first.")}
        )
    return members


def _recorded[T: (Needs, Preferences)](
    obj: T, data: dict[str, Any], fields: tuple[str, ...], now: datetime
) -> T:
    apply(obj, data, fields)
    obj.recorded_at = now
    obj.full_clean(exclude=["household"])
    return obj


def _relative(household: Household, data: dict[str, Any]) -> Relative:
    relative = Relative(household=household)
    apply(relative, data, ("municipality", "place", "relation"))
    relative.full_clean(exclude=["household"])
    return relative


def _consent(household: Household, data: dict[str, Any], by: User, now: datetime) -> Consent:
    """The rules of consent_record, the moment from refugees.models.consent_given_at."""
    try:
        given_at = consent_given_at(data["given_on"], now=now)
    except ValidationError as error:
        raise ValidationError({"given_at": error.messages}) from None
    consent = Consent(
        household=household, text_version=data["text_version"], given_at=given_at, recorded_by=by
    )
    if not consent.is_valid:
        raise ValidationError({"text_version": _("This version of the text is no longer valid.")})
    consent.full_clean(exclude=["household", "recorded_by", "withdrawn_by"])
    return consent


def _round_entry(new: _New, round: Round, by: User, now: datetime) -> RoundHousehold:
    """The rules of round_household_add (the household is new, so it is in no round yet)."""
    if new.consent is None or not new.consent.is_valid:
        raise ValidationError(_("Without valid consent a household cannot enter a round."))
    if not new.members:
        raise ValidationError(_("Record the household's members first."))
    return RoundHousehold(round=round, household=new.household, added_by=by, added_at=now)


# --- Writing ------------------------------------------------------------------------------------


def references_new(count: int, *, avoid: frozenset[str] = frozenset()) -> list[str]:
    """``count`` distinct reference codes no household has now, in one query for most calls
    (new_reference asks once per code)."""
    codes: set[str] = set()
    while len(codes) < count:
        drawn = {random_reference() for _ in range(count - len(codes))} - codes - avoid
        codes |= drawn - _taken(drawn)
    return list(codes)


def _taken(references: set[str] | list[str]) -> set[str]:
    return set(
        Household.objects.filter(reference__in=references).values_list("reference", flat=True)
    )


def _insert_households(households: list[Household]) -> None:
    """Give the households free references and insert them.

    Between looking the codes up and inserting them, a parallel import or guided form may take
    one (on PostgreSQL the insert then waits for that transaction and fails if it commits; SQLite
    lets one writer in at a time). The unique index is the arbiter: the insert runs in a
    savepoint, and after a clash only the clashing households draw new codes."""
    for household, reference in zip(households, references_new(len(households)), strict=True):
        household.reference = reference
    for attempt in range(1, REFERENCE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                Household.objects.bulk_create(households, batch_size=BATCH_SIZE)
            return
        except IntegrityError:
            clashing = _taken([h.reference for h in households])
            if not clashing or attempt == REFERENCE_ATTEMPTS:
                raise
            logger.warning("reference clash with a parallel insert: %d code(s)", len(clashing))
            _redraw(households, clashing)


def _redraw(households: list[Household], clashing: set[str]) -> None:
    mine = frozenset(h.reference for h in households)
    again = [h for h in households if h.reference in clashing]
    for household, reference in zip(again, references_new(len(again), avoid=mine), strict=True):
        household.reference = reference
    for household in households:  # the savepoint rolled back whatever the insert did
        household.pk = None
        household._state.adding = True


def _check_ready(batch: list[tuple[str, _New]]) -> None:
    """Status 'ready' needs a complete record: the checklist of household_update, run on the
    saved households (three queries for the batch)."""
    ready = {
        new.household.pk: key for key, new in batch if new.household.status == HouseholdStatus.READY
    }
    if not ready:
        return
    saved = (
        Household.objects.filter(pk__in=ready)
        .select_related("needs", "preferences")
        .defer(*(f"needs__{name}" for name in Needs.HEALTH_FIELDS))  # not asked: not decrypted
        .prefetch_related("members", "consents")
    )
    for household in saved:
        with _about(ready[household.pk]):
            _check_status(household, HouseholdStatus.DRAFT)
