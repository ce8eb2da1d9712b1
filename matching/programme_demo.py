"""The demo programme: "Programm 2027" with three cohorts sharing the pilot municipalities'
pledges for the year. The first cohort is placed (offers accepted by both sides), the second
is ready to be matched with places kept for the third, which is expected later and has a few
households registered already."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from matching.models import Answer, OfferStatus
from matching.services.offers import run_publish
from matching.services.runs import run_execute, run_start
from municipalities.models import Municipality, ProgrammePledge, Questionnaire, RoundMunicipality
from municipalities.services.programmes import programme_cohort_add, programme_pledge_set
from rounds.demo import demo_round
from rounds.models import Programme, Round, RoundStatus
from rounds.services.programmes import programme_create

PROGRAMME_NAME = "Programm 2027"
COORDINATOR = "koordination@rematch.example"
# slug: persons, school, Kita, accessible flats, psychotherapy pledged for the year
PLEDGES = {
    "kiel": (12, 3, 1, 1, 1),
    "braunschweig": (15, 4, 2, 0, 1),
    "troisdorf": (8, 2, 1, 0, 0),
    "salzgitter": (10, 3, 1, 1, 0),
    "rottenburg": (8, 2, 0, 0, 0),
    "duesseldorf": (14, 3, 2, 1, 1),
}
# cohort name, days from today to arrival, expected households, households now
COHORTS = (
    ("Kohorte 1 – Mai", -30, 8, 8),
    ("Kohorte 2 – Juli", 45, 10, 10),
    ("Kohorte 3 – September", 110, 12, 3),
)


def seed_programme(*, stdout: Any) -> None:
    coordinator = User.objects.filter(email=COORDINATOR).first()
    if coordinator is None or Programme.objects.filter(name=PROGRAMME_NAME).exists():
        return
    today = timezone.localdate()
    programme = programme_create(
        by=coordinator,
        data={
            "name": PROGRAMME_NAME,
            "starts_on": today - timedelta(days=90),
            "ends_on": today + timedelta(days=270),
            # Every cohort's run shows the price of giving each municipality 30 % of its pledge.
            "fair_share_percent": 30,
        },
    )
    for slug, (persons, school, kita, accessible, therapy) in PLEDGES.items():
        municipality = Municipality.objects.get(slug=slug)
        programme_pledge_set(
            programme=programme,
            municipality=municipality,
            by=coordinator,
            amounts={
                "persons": persons,
                "school": school,
                "kita": kita,
                "accessible": accessible,
                "psychotherapy": therapy,
            },
        )
    first = _first_cohort(programme, coordinator, today)
    later = [_cohort(programme, coordinator, today, *spec) for spec in COHORTS[1:]]
    rng = random.Random(2027)  # noqa: S311 - demo data, reproducible on purpose
    # The organisation's caseworker records the households and their consent, as in a real round.
    from refugees.demo import CASEWORKER

    caseworker = User.objects.filter(email=CASEWORKER).first()
    _households(first, COHORTS[0][3], 101, caseworker, rng)
    _place(first, coordinator)
    for (_name, _days, _expected, count), (cohort, start) in zip(
        COHORTS[1:], zip(later, (121, 141), strict=True), strict=True
    ):
        _households(cohort, count, start, caseworker, rng)
    stdout.write(f"  matching: programme '{PROGRAMME_NAME}' with {len(COHORTS)} cohorts\n")


def _first_cohort(programme: Programme, coordinator: User, today: Any) -> Round:
    """Cohort 1 with the pilot municipalities' questionnaires of the demo round."""
    name, days, expected, _count = COHORTS[0]
    arrival = today + timedelta(days=days)
    cohort = Round.objects.create(
        name=name,
        programme=programme,
        expected_households=expected,
        status=RoundStatus.MATCHING,
        questionnaire_opens=arrival - timedelta(days=60),
        questionnaire_deadline=arrival - timedelta(days=30),
        arrival_date=arrival,
        created_by=coordinator,
    )
    source = demo_round()
    for pledge in ProgrammePledge.objects.filter(programme=programme).select_related(
        "municipality"
    ):
        RoundMunicipality.objects.create(
            round=cohort, municipality=pledge.municipality, pledged_persons=pledge.persons
        )
        original = Questionnaire.objects.filter(
            round=source, municipality=pledge.municipality
        ).first()
        if original is not None:
            _copy(original, cohort)
    return cohort


def _copy(questionnaire: Questionnaire, round_: Round) -> None:
    units = list(questionnaire.housing_units.all())
    questionnaire.pk = None
    questionnaire._state.adding = True
    questionnaire.round, questionnaire.version = round_, 1
    questionnaire.save()
    for unit in units:
        unit.pk = None
        unit._state.adding = True
        unit.questionnaire = questionnaire
        unit.save()


def _cohort(
    programme: Programme,
    coordinator: User,
    today: Any,
    name: str,
    days: int,
    expected: int,
    _count: int,
) -> Round:
    arrival = today + timedelta(days=days)
    cohort = programme_cohort_add(
        programme=programme,
        by=coordinator,
        data={
            "name": name,
            "questionnaire_opens": min(today, arrival - timedelta(days=40)),
            "questionnaire_deadline": arrival - timedelta(days=20),
            "arrival_date": arrival,
            "offer_reply_days": 7,
            "expected_households": expected,
        },
    )
    if days < 60:  # the next cohort is open and ready to be matched
        Round.objects.filter(pk=cohort.pk).update(status=RoundStatus.MATCHING)
        cohort.refresh_from_db()
    return cohort


def _households(
    cohort: Round, count: int, start: int, caseworker: User | None, rng: random.Random
) -> None:
    from refugees.demo import _create, _plans

    plans = _plans(rng)
    rng.shuffle(plans)
    for number, plan in zip(range(start, start + count), plans, strict=False):
        _create(number, plan, cohort, caseworker, rng)


def _place(cohort: Round, coordinator: User) -> None:
    """Run and publish cohort 1; both sides accepted every offer."""
    run = run_start(round=cohort, by=coordinator)
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    offers = run_publish(run=run, by=coordinator)
    now = timezone.now()
    for offer in offers:
        offer.household_answer = offer.municipality_answer = Answer.YES
        offer.household_answered_at = offer.municipality_answered_at = now
        offer.status = OfferStatus.ACCEPTED
        offer.save()
