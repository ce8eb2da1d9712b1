"""The offer list of municipal staff, caseworkers and refugees: one table per round, with what
a reader decides on at a glance (household size, age bands, places needed, deadline, the state
from the reader's side) and filters by round and status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.paging import page_of
from matching import guidance
from matching.anonymise import age_band
from matching.models import Offer, OfferStatus
from municipalities.choices import age_on
from rounds.models import Round

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

OPEN = "open"  # the filter "needs an answer": pending and still open
PER_PAGE = 100


@dataclass
class OfferRow:
    offer: Offer
    persons: int
    age_bands: list[str]
    school: int
    kita: int
    state: str
    needs_my_answer: bool


@dataclass
class RoundTable:
    round: Round
    rows: list[OfferRow] = field(default_factory=list)


def _side(user: User) -> str:
    return guidance.MUNICIPALITY if user.is_municipal_staff else guidance.HOUSEHOLD


def _needs_answer(offer: Offer, side: str) -> bool:
    mine = offer.municipality_answer if side == guidance.MUNICIPALITY else offer.household_answer
    return offer.is_open and not mine


def _row(offer: Offer, side: str) -> OfferRow:
    from refugees.models import Member

    day = offer.round.arrival_date or timezone.localdate()
    members: list[Member] = list(offer.household.members.all())
    bands = sorted((age_on(m.date_of_birth, day) for m in members if m.date_of_birth), reverse=True)
    demand = offer.demand or {}
    return OfferRow(
        offer=offer,
        persons=int(demand.get("persons") or len(members)),
        age_bands=[age_band(age) for age in bands],
        school=int(demand.get("school") or 0),
        kita=int(demand.get("kita") or 0),
        state=guidance.state(offer, side),
        needs_my_answer=_needs_answer(offer, side),
    )


def status_choices() -> list[tuple[str, StrOrPromise]]:
    return [(OPEN, _("Waiting for my answer")), *OfferStatus.choices]


def offer_table(user: User, params: Mapping[str, Any]) -> dict[str, Any]:
    from refugees.models import Member

    side = _side(user)
    offers = (
        Offer.objects.visible_to(user)
        .select_related("household", "municipality", "round")
        .prefetch_related(Prefetch("household__members", queryset=Member.objects.order_by("id")))
        .order_by("-round__arrival_date", "-round_id", "deadline", "household__reference")
    )
    # One EXISTS per round, not a DISTINCT over the rounds of every offer (26,000 rows).
    rounds = list(
        Round.objects.filter(Exists(offers.filter(round=OuterRef("pk")))).order_by("-arrival_date")
    )
    chosen_round = str(params.get("round", ""))
    if chosen_round.isdigit():
        offers = offers.filter(round_id=int(chosen_round))
    status = str(params.get("status", ""))
    if status == OPEN:
        answer_field = f"{side}_answer"
        offers = offers.filter(
            status=OfferStatus.PENDING, deadline__gt=timezone.now(), **{answer_field: ""}
        )
    elif status in OfferStatus.values:
        offers = offers.filter(status=status)
    else:
        status = ""
    # A caseworker of an organisation with a national round's households has 26,000 offers:
    # a page at a time, and the offers waiting for an answer counted in the database.
    # The page is cut on the sort keys alone (core.paging), then its 100 offers are read.
    page = page_of(offers, PER_PAGE, params.get("page"))
    rows = [_row(offer, side) for offer in page.object_list]
    tables: dict[int, RoundTable] = {}
    for row in rows:
        tables.setdefault(row.offer.round_id, RoundTable(round=row.offer.round)).rows.append(row)
    waiting = offers.filter(
        status=OfferStatus.PENDING, deadline__gt=timezone.now(), **{f"{side}_answer": ""}
    ).count()
    query = {k: v for k, v in (("round", chosen_round), ("status", status)) if v}
    return {
        "tables": list(tables.values()),
        "page": page,
        "query": urlencode(query),
        "rounds": rounds,
        "chosen_round": chosen_round,
        "status": status,
        "status_choices": status_choices(),
        "side": side,
        "waiting": waiting,
    }
