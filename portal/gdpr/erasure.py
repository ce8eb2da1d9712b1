"""Erasure by anonymisation (GDPR Art. 5(1)(e), Art. 17): on request, and automatically after the
retention period. What stays is what the evaluation needs and cannot identify anyone: member
structure (age on arrival, sex, languages, education, sector), the anonymous reference, round
entries, proposals and offers with their scores, consents (proof, no content) and the audit log."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from matching.models import Offer, PairRule, Proposal, Run
from refugees.models import (
    CASEWORKER_STATUSES,
    Consent,
    ErasureReason,
    Household,
    HouseholdStatus,
    Member,
    Needs,
    RoundHousehold,
    valid_consent_versions,
)
from refugees.services import lock_after_rounds
from rounds.models import RoundStatus

if TYPE_CHECKING:
    from accounts.models import User

ANONYMISED_NAME = "—"
ANONYMOUS_PREFIX = "AN-"


REASON_RETENTION = ErasureReason.RETENTION


def _anonymous_reference() -> str:
    while True:
        reference = ANONYMOUS_PREFIX + secrets.token_hex(5).upper()
        if not Household.objects.filter(reference=reference).exists():
            return reference


def _neutral_birth_date(born: date, arrival: date | None) -> date:
    """A date of birth that keeps the age on the round's arrival date (what the evaluation uses)
    and nothing more; without a round, only the year of birth."""
    if arrival is None:
        return date(born.year, 1, 1)
    age = arrival.year - born.year - ((arrival.month, arrival.day) < (born.month, born.day))
    day = min(arrival.day, 28)  # 29 February has no twin in most years
    return date(arrival.year - age, arrival.month, day)


@transaction.atomic
def household_anonymise(*, household: Household, by: User | None, reason: str) -> Household:
    """Remove everything that identifies the household. ``by`` is None for the retention job.

    Idempotent: a household anonymised already is returned unchanged, so a retried job or a
    second click does nothing twice. Atomic: a failure leaves the household as it was."""
    if by is not None and not by.is_coordinator:
        raise PermissionDenied
    if reason not in ErasureReason.values:
        raise ValidationError({"reason": _("Choose the reason for the erasure.")})
    # Its rounds before the household (the project's lock order): publishing a run, answering
    # an offer or adding the household to a round waits, and then sees it erased.
    household = lock_after_rounds(household)
    if household.anonymised_at is not None:
        return household
    # Offers that still need the household: erasing it now would strand a municipality's places.
    unfinished = (
        Offer.objects.unfinished()
        .filter(household=household)
        .exclude(round__status=RoundStatus.CLOSED)
    )
    if unfinished.exists():
        raise ValidationError(
            _(
                "The household has an offer that is still open or accepted. Wait until it is "
                "answered or the relocation is completed, then erase the data."
            )
        )
    old_reference = household.reference
    _anonymise_members(household)
    _anonymise_contact(household)
    Needs.objects.filter(household=household).delete()
    _anonymise_relatives(household)
    _anonymise_rounds_and_offers(household)
    household.consents.filter(withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=by
    )
    household.reference = _anonymous_reference()
    household.notes = ""
    household.caseworker = None
    if household.status in CASEWORKER_STATUSES:
        household.status = HouseholdStatus.WITHDRAWN
    household.anonymised_at = timezone.now()
    household.version += 1
    household.full_clean(exclude=["caseworker", "contact_user"])
    household.save()
    changes = {"reason": str(reason), "old_reference": old_reference}
    audit_log(actor=by, action="refugees.household.anonymised", target=household, changes=changes)
    return household


def _anonymise_members(household: Household) -> None:
    arrival = (
        household.round_entries.order_by("-round__arrival_date")
        .values_list("round__arrival_date", flat=True)
        .first()
    )
    for member in Member.objects.filter(household=household):
        member.full_name = ANONYMISED_NAME
        member.date_of_birth = _neutral_birth_date(member.date_of_birth, arrival)
        member.occupation = ""
        member.save(update_fields=["full_name", "date_of_birth", "occupation"])


def _anonymise_contact(household: Household) -> None:
    from accounts.models import Invitation

    Invitation.objects.filter(household=household).delete()
    user = household.contact_user
    if user is None:
        return
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    if apps.is_installed("api"):
        apps.get_model("api", "ApiToken").objects.filter(user=user).delete()
    user.email = f"anonymised-{user.pk}@invalid.invalid"
    user.full_name = ""
    user.is_active = False
    user.mail_refused_at = None  # about the address that is gone
    user.set_unusable_password()
    user.save(update_fields=["email", "full_name", "is_active", "mail_refused_at", "password"])
    household.contact_user = None


def _anonymise_relatives(household: Household) -> None:
    """Relatives in a platform municipality still explain a score; their description goes.
    Relatives elsewhere are only a free-text place: the whole row goes."""
    household.relatives.filter(municipality__isnull=True).delete()
    household.relatives.update(place="", relation=ANONYMISED_NAME)


def _anonymise_rounds_and_offers(household: Household) -> None:
    RoundHousehold.objects.filter(household=household).exclude(
        round__status=RoundStatus.CLOSED
    ).delete()
    Offer.objects.filter(household=household).update(household_reason="", municipality_reason="")
    PairRule.objects.filter(household=household).update(reason="")
    _forget_health_dimensions(household)
    if apps.is_installed("evaluation"):
        _anonymise_surveys(household)


def _forget_health_dimensions(household: Household) -> None:
    """Proposals and offers keep persons, school and Kita places for the evaluation; the places
    derived from health needs go. Run files hold them for every household of the run: they are
    deleted (the run's figures and proposals stay)."""
    from matching.run_files import run_files_erase
    from matching.scoring import HEALTH_DIMENSIONS

    for model in (Proposal, Offer):
        rows = list(model.objects.filter(household=household).only("pk", "demand"))
        for row in rows:
            row.demand = {k: v for k, v in row.demand.items() if k not in HEALTH_DIMENSIONS}
        model.objects.bulk_update(rows, ["demand"])
    runs = list(Run.objects.filter(proposals__household=household).distinct())
    if run_files_erase(runs):
        for run in runs:
            audit_log(actor=None, action="matching.run.files_erased", target=run)


def _anonymise_surveys(household: Household) -> None:
    """Scale and choice answers are statistics; free-text answers may name people and go."""
    from evaluation.questions import HOUSEHOLD_QUESTIONS, TEXT

    text_codes = {q.code for q in HOUSEHOLD_QUESTIONS if q.kind == TEXT}
    Survey = apps.get_model("evaluation", "Survey")
    for survey in Survey.objects.filter(household=household):
        answers = {k: v for k, v in (survey.answers or {}).items() if k not in text_codes}
        if answers != survey.answers:
            survey.answers = answers
            survey.save(update_fields=["answers"])


def households_due_for_anonymisation(now: datetime | None = None) -> QuerySet[Household]:
    """Households past the retention period (REMATCH_RETENTION_DAYS):
    - all their rounds closed longer ago than that (a round without a closing date keeps them);
    - or, outside any open round and without valid consent: consent withdrawn longer ago than
      that, or never given and the record untouched for that long."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.REMATCH_RETENTION_DAYS)
    entries = RoundHousehold.objects.filter(household=OuterRef("pk"))
    not_done = entries.filter(Q(round__closed_at__isnull=True) | Q(round__closed_at__gt=cutoff))
    rounds_over = Q(Exists(entries)) & ~Q(Exists(not_done))
    never_consented = ~Q(Exists(Consent.objects.filter(household=OuterRef("pk"))))
    without_consent = (
        ~Q(Exists(_valid_consents()))
        & ~Q(Exists(entries.exclude(round__status=RoundStatus.CLOSED)))
        & (Q(last_withdrawal__lte=cutoff) | (never_consented & Q(updated_at__lte=cutoff)))
    )
    return (
        Household.objects.filter(anonymised_at__isnull=True)
        .annotate(last_withdrawal=Max("consents__withdrawn_at"))
        .filter(rounds_over | without_consent)
        .order_by("pk")
    )


def _valid_consents() -> QuerySet[Consent]:
    return Consent.objects.filter(
        household=OuterRef("pk"),
        withdrawn_at__isnull=True,
        text_version__in=valid_consent_versions(),
    )


def households_anonymise_expired(now: datetime | None = None) -> list[int]:
    """The retention job. Each household in its own transaction: one that cannot be anonymised
    yet (an unfinished offer) does not hold up the others, and a retry resumes where it stopped."""
    done = []
    for pk in list(households_due_for_anonymisation(now).values_list("pk", flat=True)):
        household = Household.objects.get(pk=pk)
        try:
            household_anonymise(household=household, by=None, reason=REASON_RETENTION)
        except ValidationError:
            continue
        done.append(pk)
    return done


def encrypted_fields_rotate(batch_size: int = 500) -> int:
    """Re-encrypt health-related data with the current key (after a new key was put in front of
    FIELD_ENCRYPTION_KEYS): needs, proposal and offer demand (loading decrypts with any key,
    saving encrypts with the first) and the run files."""
    from matching.run_files import run_files_rotate

    count = 0
    with transaction.atomic():
        for model, fields in (
            (Needs, Needs.HEALTH_FIELDS),
            (Proposal, ("demand",)),
            (Offer, ("demand",)),
        ):
            count += _rotate(model, fields, batch_size)
        count += run_files_rotate()
    return count


def _rotate(model, fields, batch_size: int) -> int:
    count, batch = 0, []
    for row in model.objects.only("pk", *fields).order_by("pk").iterator(chunk_size=batch_size):
        batch.append(row)
        if len(batch) == batch_size:
            count += model.objects.bulk_update(batch, fields)
            batch = []
    return count + (model.objects.bulk_update(batch, fields) if batch else 0)
