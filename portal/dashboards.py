"""What each role sees first. Apps add their figures here as they grow."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from accounts.models import AuditEvent, Invitation, InvitationStatus, User
from accounts.roles import Role

# Items of each to-do list on the dashboard; the rest is one link to the filtered offer list.
TO_DO_SHOWN = 10


def dashboard_context(user: User) -> dict[str, Any]:
    builder = {
        Role.COORDINATOR: _coordinator,
        Role.MUNICIPAL_STAFF: _municipal_staff,
        Role.CASEWORKER: _caseworker,
        Role.REFUGEE: _refugee,
    }[Role(user.role)]
    return builder(user)


def _offer_list(status: str) -> str:
    """The offer list filtered as the offer list's own status filter does it."""
    return f"{reverse('offer_list')}?{urlencode({'status': status})}"


def _coordinator(user: User) -> dict[str, Any]:
    from municipalities.models import Municipality
    from refugees.models import Household

    return {
        "municipality_count": Municipality.objects.count(),
        "household_count": Household.objects.count(),
        "pending_invitations": Invitation.objects.pending().count(),
        "undelivered_invitations": Invitation.objects.with_status(
            InvitationStatus.UNDELIVERED
        ).count(),
        "recent_events": AuditEvent.objects.select_related("actor")[:10],
    }


def _municipal_staff(user: User) -> dict[str, Any]:
    """The municipality's to-do list first: proposals to answer, agreed moves without a travel
    date, arrivals to confirm; then its rounds, each with the questionnaire's state."""
    from matching.guidance import MUNICIPALITY
    from matching.models import Offer, arrival_due_q, awaiting_answer_q, travel_date_missing_q
    from matching.offer_table import ARRIVAL_DUE, OPEN, TRAVEL_DATE_MISSING
    from municipalities.models import Municipality, Questionnaire, RoundMunicipality

    offers = Offer.objects.visible_to(user).select_related("municipality", "household", "round")
    to_answer = offers.awaiting_answer(MUNICIPALITY).order_by("deadline")
    travel = offers.travel_date_missing().order_by("deadline")
    arrivals = offers.arrival_due().order_by("travel_date")
    counts = offers.aggregate(  # the three lists' lengths in one pass
        to_answer=Count("pk", filter=awaiting_answer_q(MUNICIPALITY)),
        travel=Count("pk", filter=travel_date_missing_q()),
        arrivals=Count("pk", filter=arrival_due_q()),
    )
    participations = list(
        RoundMunicipality.objects.filter(municipality_id__in=user.municipality_ids())
        .select_related("round", "municipality")
        .order_by("-round__arrival_date", "municipality__name")[:10]
    )
    submitted = set(
        Questionnaire.objects.filter(
            round_id__in=[p.round_id for p in participations],
            municipality_id__in=[p.municipality_id for p in participations],
        )
        .submitted()
        .values_list("round_id", "municipality_id")
    )
    for participation in participations:
        participation.questionnaire_submitted = (  # type: ignore[attr-defined]
            participation.round_id,
            participation.municipality_id,
        ) in submitted
    return {
        "municipalities": Municipality.objects.visible_to(user),
        "offers_to_answer": to_answer[:TO_DO_SHOWN],
        "offers_to_answer_count": counts["to_answer"],
        "offers_to_answer_url": _offer_list(OPEN),
        "travel_dates_to_set": travel[:TO_DO_SHOWN],
        "travel_dates_to_set_count": counts["travel"],
        "travel_dates_to_set_url": _offer_list(TRAVEL_DATE_MISSING),
        "arrivals_to_confirm": arrivals[:TO_DO_SHOWN],
        "arrivals_to_confirm_count": counts["arrivals"],
        "arrivals_to_confirm_url": _offer_list(ARRIVAL_DUE),
        "participations": participations,
    }


def _caseworker(user: User) -> dict[str, Any]:
    """Three figures in one query and five households: the list's per-member counts and
    prefetches (household_list) cost seconds over an organisation with 40,000 households."""
    from refugees.models import Household
    from refugees.selectors import with_valid_consent

    households = Household.objects.visible_to(user)
    # One pass over the organisation's households; those with consent by an uncorrelated IN
    # that the database hashes once (a second count scanned the 40,000 households again, a
    # NOT EXISTS inside the aggregate probed the consents once per household).
    counts = households.aggregate(
        total=Count("pk"),
        drafts=Count("pk", filter=Q(status="draft")),
        with_consent=Count("pk", filter=with_valid_consent()),
    )
    return {
        "organisation": user.organisation,
        "household_count": counts["total"],
        "draft_count": counts["drafts"],
        "without_consent_count": counts["total"] - counts["with_consent"],
        "recent_households": households.filter(caseworker=user).order_by(
            "-updated_at", "reference"
        )[:5],
    }


def _refugee(user: User) -> dict[str, Any]:
    """The household's home leads with what it has to decide: its open or accepted offer."""
    from matching import guidance
    from matching.models import Offer
    from refugees.selectors import household_profile

    offers = (
        Offer.objects.visible_to(user)
        .reserving()
        .select_related("municipality", "round")
        .order_by("deadline")
    )
    current = [
        {
            "offer": offer,
            "state": guidance.state(offer, guidance.HOUSEHOLD),
            "needs_answer": offer.is_open and not offer.household_answer,
        }
        for offer in offers
    ]
    return {"household": household_profile(user).first(), "current_offers": current}
