"""Programmes across their cohorts: capacity carried over, households waiting for the next
cohort, the forecast of who is still to come, and the coordinator's per-municipality table.

Capacity is the year's: a cohort's questionnaire says what the municipality offers for the
programme year, and every place held by an offer of *any* cohort of the programme (pending,
accepted, arrived) is deducted (:func:`matching.services.instance._reserved_capacity`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import ngettext

from accounts.audit import audit_log_many
from accounts.models import User
from matching.services.instance import programme_offers
from municipalities.choices import DIMENSIONS
from municipalities.models import Municipality, MunicipalityApplication
from rounds.models import Programme, Round

# --- households waiting for the next cohort ------------------------------------------------


def waiting_households(round_: Round) -> list[int]:
    """Households of earlier cohorts that no cohort has placed: they join ``round_``."""
    from refugees.models import LEFT_STATUSES, RoundHousehold

    if round_.programme_id is None:
        return []
    placed = programme_offers(round_.programme_id).values("household_id")
    here = round_.entries.values("household_id")
    rows = (
        RoundHousehold.objects.filter(round__in=round_.earlier_cohorts())
        .exclude(household_id__in=placed)
        .exclude(household_id__in=here)
        .exclude(household__status__in=LEFT_STATUSES)
        .values_list("household_id", flat=True)
        .distinct()
    )
    return sorted(rows)


def cohort_take_over_waiting(*, round: Round, by: User | None) -> int:
    """Enter the households still waiting from earlier cohorts into this cohort (only with
    valid consent, as every entry). Called when a cohort's run starts; returns how many."""
    from refugees.models import Household, RoundHousehold

    pks = waiting_households(round)
    households = [
        h
        for h in Household.objects.filter(pk__in=pks).prefetch_related("consents")
        if h.has_valid_consent
    ]
    now = timezone.now()
    RoundHousehold.objects.bulk_create(
        [RoundHousehold(round=round, household=h, added_by=by, added_at=now) for h in households],
        ignore_conflicts=True,
    )
    audit_log_many(
        actor=by,
        action="refugees.household.round_added",
        entries=[(h, {"round": round.name, "carried_over": True}) for h in households],
    )
    return len(households)


# --- the coordinator's table ---------------------------------------------------------------


@dataclass
class PledgeRow:
    municipality: Municipality
    pledged: dict[str, int]
    offered: dict[str, int]
    taken: list[dict[str, int]] = field(default_factory=list)  # per cohort, in cohort order
    # The approved application the pledge was taken from (None: recorded by a coordinator).
    application: MunicipalityApplication | None = None

    @property
    def taken_total(self) -> dict[str, int]:
        return {d: sum(t.get(d, 0) for t in self.taken) for d in DIMENSIONS}

    @property
    def left(self) -> dict[str, int]:
        total = self.taken_total
        return {d: self.offered.get(d, 0) - total[d] for d in DIMENSIONS}

    @property
    def fulfilment(self) -> float | None:
        """Persons taken in per person pledged."""
        if not self.pledged.get("persons"):
            return None
        return self.taken_total["persons"] / self.pledged["persons"]


def programme_table(programme: Programme) -> tuple[list[Round], list[PledgeRow]]:
    """Per pledged municipality: pledged, offered (its latest questionnaire in the programme),
    taken by each cohort (places held by offers) and left."""
    from municipalities.models import Questionnaire

    cohorts = list(programme.cohorts())
    position = {c.pk: k for k, c in enumerate(cohorts)}
    rows: dict[int, PledgeRow] = {}
    for pledge in programme.pledges.select_related("municipality", "application"):
        rows[pledge.municipality_id] = PledgeRow(
            pledge.municipality,
            pledge.amounts(),
            dict.fromkeys(DIMENSIONS, 0),
            [dict.fromkeys(DIMENSIONS, 0) for _ in cohorts],
            pledge.application,
        )
    latest = (
        Questionnaire.objects.filter(round__programme=programme, municipality_id__in=rows)
        .submitted()
        .prefetch_related("housing_units")
        .order_by("round__arrival_date", "round_id")
    )
    for questionnaire in latest:  # later cohorts overwrite earlier ones
        rows[questionnaire.municipality_id].offered = questionnaire.capacity()
    offers = programme_offers(programme.pk).filter(municipality_id__in=rows)
    for municipality_id, round_id, demand in offers.values_list(
        "municipality_id", "round_id", "demand"
    ):
        taken = rows[municipality_id].taken[position[round_id]]
        for dim in DIMENSIONS:
            taken[dim] += int(demand.get(dim, 0))
    return cohorts, list(rows.values())


# --- what a run kept for later cohorts -----------------------------------------------------


def _kept_sentence(dim: str, count: int, place: str) -> str:
    params = {"count": count, "place": place}
    if dim == "school":
        text = ngettext(
            "%(count)s school place in %(place)s is kept for the households expected in the"
            " next cohorts.",
            "%(count)s school places in %(place)s are kept for the households expected in the"
            " next cohorts.",
            count,
        )
    elif dim == "kita":
        text = ngettext(
            "%(count)s Kita place in %(place)s is kept for the households expected in the"
            " next cohorts.",
            "%(count)s Kita places in %(place)s are kept for the households expected in the"
            " next cohorts.",
            count,
        )
    elif dim == "accessible":
        text = ngettext(
            "%(count)s wheelchair-accessible flat in %(place)s is kept for the households"
            " expected in the next cohorts.",
            "%(count)s wheelchair-accessible flats in %(place)s are kept for the households"
            " expected in the next cohorts.",
            count,
        )
    elif dim == "psychotherapy":
        text = ngettext(
            "%(count)s psychotherapy place in %(place)s is kept for the households expected"
            " in the next cohorts.",
            "%(count)s psychotherapy places in %(place)s are kept for the households expected"
            " in the next cohorts.",
            count,
        )
    else:
        text = ngettext(
            "%(count)s place for a person in %(place)s is kept for the households expected in"
            " the next cohorts.",
            "%(count)s places for persons in %(place)s are kept for the households expected in"
            " the next cohorts.",
            count,
        )
    return text % params


def kept_places(reserved: dict[str, dict[str, float]]) -> list[str]:
    """Sentences for the places a run kept free for later cohorts, services first."""
    from municipalities.models import Municipality

    names = dict(Municipality.objects.filter(slug__in=reserved).values_list("slug", "name"))
    sentences = []
    for dim in ("psychotherapy", "accessible", "kita", "school", "persons"):
        for slug in sorted(reserved, key=lambda s: names.get(s, s)):
            count = int(reserved[slug].get(dim, 0) + 0.5)
            if count >= 1:
                sentences.append(_kept_sentence(dim, count, names.get(slug, slug)))
    return sentences
