"""The offer list of municipal staff, caseworkers and refugees: one table per round, with what
a reader decides on at a glance (household size, age bands, places needed, deadline, the state
from the reader's side) and filters by round and status."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.paging import page_of
from matching import guidance
from matching.anonymise import age_band, place_labels
from matching.models import Offer, OfferQuerySet, OfferStatus
from municipalities.choices import age_on
from rounds.models import Round

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

OPEN = "open"  # the filter "needs an answer": pending and still open
PER_PAGE = 100
ROW_FIELDS = (
    "round_id",
    "household_id",
    "municipality_id",
    "demand",
    "status",
    "deadline",
    "household_answer",
    "municipality_answer",
    "arrived_at",
    "household__reference",
    "municipality__name",
    "round__name",
    "round__arrival_date",
)


@dataclass
class OfferRow:
    offer: Offer
    persons: int
    age_bands: list[str]
    school: int
    kita: int
    state: str
    needs_my_answer: bool
    places: str = ""


@dataclass(frozen=True)
class RoundChoice:
    """A round of the filter: the reader's offers are in it."""

    pk: int
    name: str


@dataclass
class RoundTable:
    round: Round
    rows: list[OfferRow] = field(default_factory=list)


def _side(user: User) -> str:
    return guidance.MUNICIPALITY if user.is_municipal_staff else guidance.HOUSEHOLD


def _needs_answer(offer: Offer, side: str) -> bool:
    mine = offer.municipality_answer if side == guidance.MUNICIPALITY else offer.household_answer
    return offer.is_open and not mine


def _row(offer: Offer, side: str, births: list[date]) -> OfferRow:
    """``births``: the dates of birth of the household's members."""
    day = offer.round.arrival_date or timezone.localdate()
    bands = sorted((age_on(born, day) for born in births if born), reverse=True)
    demand = offer.demand or {}
    persons = int(demand.get("persons") or len(births))
    school, kita = int(demand.get("school") or 0), int(demand.get("kita") or 0)
    return OfferRow(
        offer=offer,
        persons=persons,
        age_bands=[age_band(age) for age in bands],
        school=school,
        kita=kita,
        state=guidance.state(offer, side),
        needs_my_answer=_needs_answer(offer, side),
        places=", ".join(place_labels({"persons": persons, "school": school, "kita": kita})),
    )


def _births(household_ids: set[int]) -> dict[int, list[date]]:
    """The members' dates of birth of the page's households, as plain values: a prefetch made
    a model instance of each of 250 members and matched them to 100 households in Python,
    a fifth of the page's time."""
    from refugees.models import Member

    births: dict[int, list[date]] = defaultdict(list)
    members = Member.objects.filter(household_id__in=household_ids).order_by("id")
    for household_id, born in members.values_list("household_id", "date_of_birth"):
        births[household_id].append(born)
    return births


def _counts_per_round(user: User) -> list[tuple[int, str, date | None, int]]:
    """(round, its name, its arrival date, the reader's offers in it), newest arrival first,
    in one query.

    The rounds are joined after counting: joined before, as the ORM writes it, the database
    joined each of a national organisation's 35,000 offers with its round (43 instead of
    31 ms a view); read apart, the rounds were a second query on every view."""
    counted = (
        Offer.objects.visible_to(user)
        .order_by()
        .values_list("round_id")
        .annotate(n=Count("pk"))
        .values_list("round_id", "n")
    )
    sql, params = counted.query.sql_with_params()
    table = connection.ops.quote_name(Round._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT counted.round_id, r.name, r.arrival_date, counted.n "  # noqa: S608 - the ORM's SQL
            f"FROM ({sql}) counted JOIN {table} r ON r.id = counted.round_id "
            "ORDER BY r.arrival_date DESC, r.id DESC",
            params,
        )
        rows = cursor.fetchall()
    # SQLite's cursor gives dates as text; PostgreSQL's as dates.
    return [
        (pk, name, date.fromisoformat(day) if isinstance(day, str) else day, n)
        for pk, name, day, n in rows
    ]


# Filters beyond the status: what the municipality still has to do after both sides agreed
# (the offer list, the municipality's dashboard and the API's ``to_do`` select the same).
TRAVEL_DATE_MISSING = "travel_date_missing"
ARRIVAL_DUE = "arrival_due"
TO_DO: dict[str, Callable[[OfferQuerySet], OfferQuerySet]] = {
    TRAVEL_DATE_MISSING: OfferQuerySet.travel_date_missing,
    ARRIVAL_DUE: OfferQuerySet.arrival_due,
}
TO_DO_CHOICES: tuple[tuple[str, StrOrPromise], ...] = (
    (TRAVEL_DATE_MISSING, gettext_lazy("Agreed, no travel date yet")),
    (ARRIVAL_DUE, gettext_lazy("Travel date reached, arrival not confirmed")),
)


def status_choices() -> list[tuple[str, StrOrPromise]]:
    return [(OPEN, _("Waiting for my answer")), *TO_DO_CHOICES, *OfferStatus.choices]


def offer_table(user: User, params: Mapping[str, Any]) -> dict[str, Any]:

    side = _side(user)
    # Only what a row shows: the explanation (a JSON document per offer), the reasons and the
    # household's and municipality's other columns were read and decoded for every row.
    offers = (
        Offer.objects.visible_to(user)
        .select_related("household", "municipality", "round")
        .only(*ROW_FIELDS)
        .order_by("-round__arrival_date", "-round_id", "deadline", "household__reference")
    )
    # The reader's offers counted per round in one grouped query: it gives the rounds of the
    # filter and, unless a status is chosen, the paginator's count. A caseworker of a national
    # round's organisation has 35,000 offers, and each count joins them with the households:
    # the EXISTS per round and the paginator's COUNT were two such joins on every view.
    grouped = _counts_per_round(user)
    per_round = {round_id: n for round_id, _name, _arrival, n in grouped}
    rounds = [RoundChoice(pk=round_id, name=name) for round_id, name, _arrival, _n in grouped]
    chosen_round = str(params.get("round", ""))
    count: int | None = sum(per_round.values())
    if chosen_round.isdigit():
        offers = offers.filter(round_id=int(chosen_round))
        count = per_round.get(int(chosen_round), 0)
    status = str(params.get("status", ""))
    if status == OPEN:
        offers = offers.awaiting_answer(side)
        count = None  # counted by the paginator, with the filter
    elif status in TO_DO:
        offers = TO_DO[status](offers)
        count = None
    elif status in OfferStatus.values:
        offers = offers.filter(status=status)
        count = None
    else:
        status = ""
    # A caseworker of an organisation with a national round's households has 26,000 offers:
    # a page at a time, and the offers waiting for an answer counted in the database.
    # The page is cut on the sort keys alone (core.paging), then its 100 offers are read.
    page = page_of(offers, PER_PAGE, params.get("page"), count=count)
    births = _births({offer.household_id for offer in page.object_list})
    rows = [_row(offer, side, births.get(offer.household_id, [])) for offer in page.object_list]
    tables: dict[int, RoundTable] = {}
    for row in rows:
        tables.setdefault(row.offer.round_id, RoundTable(round=row.offer.round)).rows.append(row)
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
        "labels": _labels(),
    }


def _labels() -> dict[str, str]:
    """The column labels, translated once: each cell repeats its label for the stacked
    layout on phones, and 100 rows translated them 800 times a view."""
    return {
        "household": _("Household"),
        "municipality": _("Municipality"),
        "persons": _("Persons"),
        "ages": _("Ages"),
        "places": _("Places needed"),
        "answer_by": _("Answer by"),
        "status": _("Status"),
        "needed": _("Your answer is needed"),
    }
