"""Offers: publishing a run, both sides' answers, deadlines, arrival."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import audit_log
from accounts.models import User
from core.bulk import analyze
from matching import notify
from matching.models import (
    Offer,
    OfferStatus,
    PairRule,
    PairRuleKind,
    PairRuleSource,
    Run,
    RunStatus,
)
from matching.reasons import ReasonCode
from matching.services.instance import open_households
from municipalities.notify import staff_of
from refugees.signals import consent_withdrawn
from rounds import hooks
from rounds.lifecycle import Action
from rounds.models import Round
from rounds.services.rounds import round_lock, round_publish

REMINDER_BEFORE = timedelta(hours=48)


@transaction.atomic
def run_publish(*, run: Run, by: User) -> list[Offer]:
    """No offer leaves without a coordinator publishing it (human oversight)."""
    if not by.is_coordinator:
        raise PermissionDenied
    round_lock(run.round)  # round before run before offer
    run = Run.objects.select_for_update(of=("self",)).select_related("round").get(pk=run.pk)
    if run.status != RunStatus.SUCCEEDED:
        raise ValidationError(_("Only a finished run can be published."))
    if run.published_at:
        raise ValidationError(_("This run has been published already."))
    if run.round.runs.filter(iteration__gt=run.iteration).exists():
        raise ValidationError(_("A newer run exists; publish that one instead."))
    run.round.require(Action.PUBLISH)
    deadline = timezone.now() + timedelta(days=run.round.offer_reply_days)
    matched = run.proposals.filter(municipality__isnull=False)
    # The rule the run itself chose households by, applied again now: a household that
    # withdrew its consent, was taken out of the round or got an offer since the run gets none.
    still_open = matched.filter(household_id__in=open_households(run.round))
    offers = [
        Offer(
            round=run.round,
            run=run,
            household=p.household,
            municipality=p.municipality,
            score=p.score,  # type: ignore[misc]  # matched proposals have a score
            explanation=p.explanation,
            demand=p.demand,
            deadline=deadline,
        )
        for p in still_open.select_related(
            "household__contact_user", "household__caseworker", "municipality"
        )
    ]
    Offer.objects.bulk_create(offers)
    analyze(Offer)  # a national round's 26,000 offers: the offer lists need fresh statistics
    run.published_at = timezone.now()
    run.save(update_fields=["published_at"])
    round_publish(round=run.round, by=by)
    left = matched.count() - len(offers)
    audit_log(
        actor=by,
        action="matching.run.published",
        target=run,
        changes={"offers": len(offers), "left_since_run": left},
    )
    _notify_published(offers)
    return offers


def _notify_published(offers: list[Offer]) -> None:
    """The household's contact person hears of its offer; a household without an account is
    told by its caseworker, who gets one mail listing them; the municipality one mail."""
    by_municipality: dict[int, list[Offer]] = {}
    by_caseworker: dict[int, list[Offer]] = {}
    for offer in offers:
        by_municipality.setdefault(offer.municipality_id, []).append(offer)
        if offer.household.contact_user_id:
            notify.notify(
                notify.household_contacts(offer.household), "offer_household", {"offer": offer}
            )
        elif caseworker := notify.household_caseworker(offer.household):
            by_caseworker.setdefault(caseworker[0].pk, []).append(offer)
    for group in by_caseworker.values():
        notify.notify(
            notify.household_caseworker(group[0].household),
            "offers_caseworker",
            {"offers": group, "count": len(group), "deadline": group[0].deadline},
        )
    for group in by_municipality.values():
        municipality = group[0].municipality
        notify.notify(
            staff_of(municipality),
            "offers_municipality",
            {"municipality": municipality, "count": len(group), "deadline": group[0].deadline},
        )


def _locked(offer: Offer) -> Offer:
    """The offer, locked after its round (round before offer before household, the order of
    every workflow that touches a round and its offers), and only those two rows: closing the
    round while both sides answer would otherwise deadlock. Two people answering at once: the
    second waits for the row and sees the first answer."""
    round_id = Offer.objects.values_list("round_id", flat=True).get(pk=offer.pk)
    round_lock(Round(pk=round_id))
    return (
        Offer.objects.select_for_update(of=("self",))
        .select_related("household", "municipality", "round")
        .get(pk=offer.pk)
    )


def may_answer_for_household(user: User, offer: Offer) -> bool:
    household = offer.household
    if user.is_refugee:
        return household.contact_user_id == user.pk
    return user.is_caseworker and household.organisation_id == user.organisation_id


def may_answer_for_municipality(user: User, offer: Offer) -> bool:
    return (
        user.is_municipal_staff and offer.municipality.staff_memberships.filter(user=user).exists()
    )


def may_set_travel_date(user: User, offer: Offer) -> bool:
    return (
        user.is_coordinator
        or may_answer_for_household(user, offer)
        or may_answer_for_municipality(user, offer)
    )


def offer_answer_household(
    *, offer: Offer, by: User, accept: bool, reason: str = "", reason_code: str = ""
) -> Offer:
    """A decline needs a reason code from the published list (matching.reasons); the note
    is optional except for "other"."""
    verb = "accepted" if accept else "declined"
    action = f"matching.offer.household_{verb}"
    return _answer(offer, by, "household", accept, (reason_code, reason), action)


def offer_answer_municipality(
    *, offer: Offer, by: User, accept: bool, reason: str = "", reason_code: str = ""
) -> Offer:
    verb = "confirmed" if accept else "objected"
    action = f"matching.offer.municipality_{verb}"
    return _answer(offer, by, "municipality", accept, (reason_code, reason), action)


@transaction.atomic
def _answer(
    offer: Offer, by: User, side: str, accept: bool, reason: tuple[str, str], action: str
) -> Offer:
    """One side's answer. The row lock orders two people answering at once; the second sees
    the first answer and gets a clear message from the model's state checks."""
    offer = _locked(offer)
    may_answer = may_answer_for_household if side == "household" else may_answer_for_municipality
    if not may_answer(by, offer):
        raise PermissionDenied
    offer.round.require(Action.ANSWER_OFFER)
    code, note = reason
    getattr(offer, f"answer_as_{side}")(yes=accept, reason=note, code=code)
    setattr(offer, f"{side}_answered_by", by)
    offer.full_clean()
    offer.save()
    audit_log(
        actor=by, action=action, target=offer, changes={"reason_code": code} if code else None
    )
    _after_answer(offer, by)
    return offer


def _after_answer(offer: Offer, by: User) -> None:
    from refugees.models import HouseholdStatus

    if offer.status == OfferStatus.DECLINED:
        _ban(offer, source=PairRuleSource.DECLINED, code=offer.household_reason_code)
        notify.notify(_everyone(offer, by), "offer_closed", {"offer": offer})
    elif offer.status == OfferStatus.OBJECTED:
        _ban(offer, source=PairRuleSource.OBJECTED, code=offer.municipality_reason_code)
        notify.notify(_everyone(offer, by), "offer_closed", {"offer": offer})
    elif offer.status == OfferStatus.ACCEPTED:
        type(offer.household).objects.filter(pk=offer.household_id).update(
            status=HouseholdStatus.MATCHED
        )
        notify.notify(_everyone(offer, by), "offer_accepted", {"offer": offer})


def _everyone(offer: Offer, by: User | None = None) -> list[User]:
    """Who hears that an offer was answered, closed or given a travel date: the household's
    contact person and its caseworker (who organises the move), and the municipality's staff;
    not the person who did it, whom the page tells."""
    household = offer.household
    people = [
        *notify.household_contacts(household),
        *notify.household_caseworker(household),
        *staff_of(offer.municipality),
    ]
    return [person for person in people if by is None or person.pk != by.pk]


def _ban(offer: Offer, *, source: str, code: str) -> None:
    """A declined, objected or expired pair is not proposed again; its capacity is free again
    because only open and accepted offers hold places. The ban stores who caused it and the
    reason code, never words: the list is read in the coordinator's language, and the free
    text of a decline stays with the offer."""
    PairRule.objects.update_or_create(
        round=offer.round,
        household=offer.household,
        municipality=offer.municipality,
        defaults={"kind": PairRuleKind.BAN, "reason": "", "reason_code": code, "source": source},
    )


def travel_date_check(*, offer: Offer, travel_date: date) -> None:
    """Why ``travel_date`` cannot be the offer's travel date, as a ValidationError: checked
    before the person is asked to confirm it, and again when it is set."""
    offer.round.require(Action.SET_TRAVEL_DATE)
    if offer.status != OfferStatus.ACCEPTED:
        raise ValidationError(_("A travel date can be set only after both sides accepted."))
    if travel_date < timezone.localdate():
        raise ValidationError({"travel_date": _("The travel date must not be in the past.")})
    outside = offer.round.travel_date_blocker(travel_date)
    if outside:
        raise ValidationError({"travel_date": outside})


@transaction.atomic
def offer_set_travel_date(*, offer: Offer, by: User, travel_date: date) -> Offer:
    offer = _locked(offer)
    if not may_set_travel_date(by, offer):
        raise PermissionDenied
    travel_date_check(offer=offer, travel_date=travel_date)
    before = offer.travel_date
    offer.travel_date = travel_date
    offer.save(update_fields=["travel_date"])
    audit_log(
        actor=by,
        action="matching.offer.travel_date_set",
        target=offer,
        changes={"travel_date": [str(before) if before else None, str(travel_date)]},
    )
    # The household learns its travel date by e-mail (or from its caseworker), the
    # municipality too (issue 14); matching.guidance.told_of_travel_date says so beforehand.
    notify.notify(_everyone(offer, by), "offer_travel_date", {"offer": offer})
    return offer


@transaction.atomic
def offer_confirm_arrival(*, offer: Offer, by: User) -> Offer:
    from refugees.models import HouseholdStatus

    offer = _locked(offer)
    if not may_answer_for_municipality(by, offer):
        raise PermissionDenied
    offer.round.require(Action.CONFIRM_ARRIVAL)
    offer.confirm_arrival(today=timezone.localdate())
    offer.save(update_fields=["status", "arrived_at"])
    type(offer.household).objects.filter(pk=offer.household_id).update(
        status=HouseholdStatus.RELOCATED
    )
    audit_log(actor=by, action="matching.offer.arrival_confirmed", target=offer)
    return offer


def offers_expire(*, now=None) -> int:
    """Close open offers past their deadline (Celery beat); each in its own transaction."""
    now = now or timezone.now()
    count = 0
    for pk in Offer.objects.filter(status=OfferStatus.PENDING, deadline__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            offer = _locked(Offer(pk=pk))
            if offer.status != OfferStatus.PENDING:
                continue
            offer.expire(code=ReasonCode.NO_ANSWER)
            offer.save(update_fields=["status", "closed_at", "expiry_reason_code"])
            _ban(offer, source=PairRuleSource.EXPIRED, code=ReasonCode.NO_ANSWER)
            audit_log(actor=None, action="matching.offer.expired", target=offer)
            notify.notify(_everyone(offer), "offer_closed", {"offer": offer})
            count += 1
    return count


def offers_remind(*, now=None) -> int:
    """Remind whoever has not answered yet, once, two days before the deadline."""
    now = now or timezone.now()
    due = Offer.objects.filter(
        status=OfferStatus.PENDING,
        reminded_at__isnull=True,
        deadline__gt=now,
        deadline__lte=now + REMINDER_BEFORE,
    ).select_related("household__contact_user", "household__caseworker", "municipality")
    count = 0
    for offer in due:
        with transaction.atomic():
            recipients = []
            if not offer.household_answer:
                recipients += notify.household_side(offer.household)
            if not offer.municipality_answer:
                recipients += staff_of(offer.municipality)
            notify.notify(recipients, "offer_reminder", {"offer": offer})
            Offer.objects.filter(pk=offer.pk).update(reminded_at=now)
            count += 1
    return count


@transaction.atomic
def offers_close_for_household(*, household, by: User | None, reason: str) -> int:
    """Open offers of a household that left (consent withdrawn) are closed as declined; their
    places are free again."""
    count = 0
    for pk in Offer.objects.filter(household=household, status=OfferStatus.PENDING).values_list(
        "pk", flat=True
    ):
        offer = _locked(Offer(pk=pk))
        offer.household_answer, offer.household_reason = "no", reason[:2000]
        offer.household_reason_code = ReasonCode.CONSENT_WITHDRAWN
        offer.household_answered_at, offer.household_answered_by = timezone.now(), by
        offer.status, offer.closed_at = OfferStatus.DECLINED, timezone.now()
        offer.save()
        audit_log(actor=by, action="matching.offer.withdrawn", target=offer)
        notify.notify(staff_of(offer.municipality), "offer_closed", {"offer": offer})
        count += 1
    return count


@receiver(consent_withdrawn)
def _close_offers_of_withdrawn_household(sender, *, household, by: User | None, **kwargs) -> None:
    offers_close_for_household(household=household, by=by, reason="consent withdrawn")


@hooks.guard("close")
@hooks.guard("start_relocation")
def _no_active_run(round_: Round) -> None:
    if round_.runs.active().exists():
        raise ValidationError(_("Wait until the running match run has finished."))


@hooks.guard("start_evaluation")
def _every_offer_answered(round_: Round) -> None:
    pending = round_.offers.filter(status=OfferStatus.PENDING).count()
    if pending:
        raise ValidationError(
            ngettext(
                "%(n)d offer is still waiting for answers.",
                "%(n)d offers are still waiting for answers.",
                pending,
            )
            % {"n": pending}
        )


@hooks.effect("close")
def _expire_open_offers(round_: Round, by: User | None) -> dict[str, int]:
    """A closing round lets its open offers expire; the round row is locked already."""
    expired = 0
    for offer in round_.offers.filter(status=OfferStatus.PENDING).select_for_update(of=("self",)):
        offer.expire(code=ReasonCode.ROUND_CLOSED)
        offer.save(update_fields=["status", "closed_at", "expiry_reason_code"])
        expired += 1
    return {"offers_expired": expired}
