"""Demo data for the evaluation: last year's pilot round, closed, with a year of follow-up.

The live demo round ("Pilot 2026") only reaches its evaluation once a coordinator has run,
published and the offers were answered; surveys after 6 and 12 months cannot happen during a
demo at all. So this seeds a finished round of 2025 through the real services (scoring, solver,
comparison) with answered offers, arrivals and survey answers that show a trend over time.
Deterministic (random.Random(2025)) and idempotent: nothing happens when the round exists."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from accounts.demo import organisation
from accounts.models import User
from evaluation.models import Comparison, Survey, SurveyKind, Wave
from evaluation.services.comparisons import comparison_execute
from evaluation.services.surveys import surveys_schedule
from matching.models import Offer, Run
from matching.services.runs import run_execute
from municipalities.models import Municipality, Questionnaire, RoundMunicipality
from refugees.demo import CASEWORKER
from refugees.models import (
    CURRENT_CONSENT_VERSION,
    Consent,
    Household,
    HouseholdStatus,
    Member,
    Needs,
    Preferences,
    RoundHousehold,
)
from rounds.models import Round, RoundStatus

ROUND_NAME = "Pilot 2025 – abgeschlossen"
# slug: (pledged persons, shared places, school, Kita, psychotherapy)
CAPACITY = {
    "kiel": (14, 14, 5, 2, 1),
    "braunschweig": (12, 12, 4, 2, 1),
    "troisdorf": (8, 8, 3, 1, 0),
    "salzgitter": (10, 10, 4, 2, 1),
    "rottenburg": (6, 6, 2, 1, 0),
    "duesseldorf": (16, 16, 6, 3, 2),
}
HOUSEHOLDS = 28
SETTLEMENTS = ["big_city", "medium_town", "small_town", "rural"]
DECLINE_REASONS = [  # (reason code, the household's own words)
    ("family_reunification", "Zu weit weg von meiner Schwester"),
    ("other", "Wir möchten in einer größeren Stadt leben"),
    ("family_reunification", "Zu weit weg von meiner Schwester"),
]


def seed(*, scale: str, stdout: Any) -> None:
    if Round.objects.filter(name=ROUND_NAME).exists():
        return
    rng = random.Random(2025)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    round_ = _round(today)
    municipalities = _municipalities(round_)
    if not municipalities:
        round_.delete()
        return  # municipalities.demo has not run
    _households(round_, rng)
    run = _run(round_)
    _offers(round_, run, rng)
    _surveys(round_, rng, today)
    item = Comparison.objects.create(round=round_, weights=run.weights)
    comparison_execute(comparison_id=item.pk, time_limit=20)
    stdout.write(f"  evaluation: closed round '{ROUND_NAME}' with surveys over 12 months\n")


def _round(today: date) -> Round:
    arrival = today - timedelta(days=400)
    return Round.objects.create(
        name=ROUND_NAME,
        status=RoundStatus.MATCHING,
        questionnaire_opens=arrival - timedelta(days=75),
        questionnaire_deadline=arrival - timedelta(days=45),
        arrival_date=arrival,
    )


def _municipalities(round_: Round) -> list[Municipality]:
    found = list(Municipality.objects.filter(slug__in=CAPACITY).order_by("slug"))
    for municipality in found:
        pledge, places, school, kita, therapy = CAPACITY[municipality.slug]
        RoundMunicipality.objects.create(
            round=round_, municipality=municipality, pledged_persons=pledge
        )
        Questionnaire.objects.create(
            round=round_,
            municipality=municipality,
            status="submitted",
            submitted_at=_when(round_.questionnaire_deadline, -3),
            aggregate_places=places,
            school_places_primary=school,
            kita_places_3to6=kita,
            psychotherapy_places=therapy,
            integration_course_seats=10,
            course_waiting_weeks=6,
            gp_availability="good",
            paediatrics_availability="limited",
            ukrainian_community="small",
            public_transport="good",
            specialist_care=["cardiology", "diabetology"],
            sectors_in_demand=["81", "52", "62"],
            completed_sections=[
                "accommodation",
                "education",
                "courses",
                "health",
                "labour",
                "community",
            ],
        )
    return found


def _when(day: date, days: int = 0, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=days), time(hour)))


def _households(round_: Round, rng: random.Random) -> None:
    org = organisation()
    caseworker = User.objects.filter(email=CASEWORKER).first()
    states = ["SH", "NI", "NW", "BW"]
    for n in range(1, HOUSEHOLDS + 1):
        household = Household.objects.create(
            reference=f"HH-2025-{n:03d}", organisation=org, status=HouseholdStatus.READY
        )
        adults = rng.choice([1, 1, 2, 2, 3])
        children = rng.choice([0, 0, 1, 1, 2])
        ages = [rng.randint(24, 66) for _ in range(adults)]
        ages += [rng.randint(2, 16) for _ in range(children)]
        for i, age in enumerate(ages):
            Member.objects.create(
                household=household,
                full_name=f"Demo {n}-{i}",
                sex=rng.choice("fm"),
                date_of_birth=round_.arrival_date - timedelta(days=365 * age + rng.randint(0, 300)),
                relation="contact" if i == 0 else ("child" if age < 18 else "partner"),
                languages=[{"code": "uk", "level": "native"}],
            )
        Needs.objects.create(
            household=household, psychotherapy=rng.random() < 0.12, recorded_at=timezone.now()
        )
        Preferences.objects.create(
            household=household,
            settlement_types=rng.sample(SETTLEMENTS, rng.randint(1, 2)),
            wished_states=rng.sample(states, rng.randint(0, 2)),
            recorded_at=timezone.now(),
        )
        Consent.objects.create(
            household=household,
            text_version=CURRENT_CONSENT_VERSION,
            given_at=_when(round_.questionnaire_opens, n),
            recorded_by=caseworker,
        )
        added = _when(round_.questionnaire_opens, n // 2)
        RoundHousehold.objects.create(round=round_, household=household, added_at=added)


def _run(round_: Round) -> Run:
    """The real pipeline: load, score, solve, store (synchronously, not through Celery)."""
    run = Run.objects.create(
        round=round_, iteration=1, time_limit=20, created_at=_when(round_.questionnaire_deadline, 2)
    )
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    Run.objects.filter(pk=run.pk).update(published_at=_when(round_.questionnaire_deadline, 3))
    return run


def _offers(round_: Round, run: Run, rng: random.Random) -> None:
    published = _when(round_.questionnaire_deadline, 3)
    declines = iter(DECLINE_REASONS)
    for i, proposal in enumerate(run.proposals.filter(municipality__isnull=False)):
        fate = "declined" if i % 9 == 4 else ("objected" if i == 7 else "arrived")
        offer = Offer.objects.create(
            round=round_,
            run=run,
            household=proposal.household,
            municipality=proposal.municipality,
            score=proposal.score,  # type: ignore[misc]
            explanation=proposal.explanation,
            demand=proposal.demand,
            status=fate,
            deadline=published + timedelta(days=7),
            created_at=published,
        )
        household_at = published + timedelta(hours=rng.randint(6, 120))
        municipality_at = published + timedelta(hours=rng.randint(4, 96))
        fields: dict[str, Any] = {
            "household_answered_at": household_at,
            "municipality_answered_at": municipality_at,
            "household_answer": "yes",
            "municipality_answer": "yes",
        }
        if fate == "declined":
            code, words = next(declines, ("other", "Zu weit weg"))
            fields.update(
                household_answer="no",
                household_reason=words,
                household_reason_code=code,
                municipality_answer="",
                municipality_answered_at=None,
            )
        elif fate == "objected":
            fields.update(
                municipality_answer="no",
                municipality_reason="Die Wohnung ist doch nicht rechtzeitig frei",
                municipality_reason_code="housing_unavailable",
            )
        else:
            fields["arrived_at"] = _when(round_.arrival_date, rng.randint(0, 10), 15)
            Household.objects.filter(pk=proposal.household_id).update(
                status=HouseholdStatus.RELOCATED
            )
        Offer.objects.filter(pk=offer.pk).update(closed_at=household_at, **fields)
    Round.objects.filter(pk=round_.pk).update(
        status=RoundStatus.CLOSED, closed_at=_when(round_.arrival_date, 30)
    )


def _surveys(round_: Round, rng: random.Random, today: date) -> None:
    round_.refresh_from_db()
    surveys_schedule(round=round_)
    # Answers drift the way the pilot's did: belonging and German grow, a few move away.
    rates = {
        Wave.ONE_MONTH: 0.9,
        Wave.SIX_MONTHS: 0.75,
        Wave.TWELVE_MONTHS: 0.6,
        Wave.ROUND_END: 0.84,
    }
    for survey in Survey.objects.filter(round=round_, due_on__lte=today):
        sent = _when(survey.due_on)
        fields: dict[str, Any] = {"sent_at": sent}
        if rng.random() < rates[Wave(survey.wave)]:
            fields.update(
                answers=_answers(survey, rng),
                answered_at=sent + timedelta(days=2),
                language=rng.choice(["uk", "uk", "de", "en"]),
                questions_version="2026-1",
            )
        elif today - survey.due_on > timedelta(days=14):
            fields.update(reminder_count=2, reminded_at=sent + timedelta(days=14))
        Survey.objects.filter(pk=survey.pk).update(**fields)


def _answers(survey: Survey, rng: random.Random) -> dict[str, str]:
    if survey.kind == SurveyKind.MUNICIPALITY:
        return {
            "proposal_fit": str(rng.choice([3, 4, 4, 5])),
            "profile_information": str(rng.choice([3, 4, 4])),
            "integration_start": str(rng.choice([3, 4, 5])),
            "effort": rng.choice(["less", "less", "same", "much_less"]),
            "again": rng.choice(["yes", "yes", "yes", "unsure"]),
            "workshop_topics": rng.choice(
                [
                    "",
                    "Mehr Informationen zu Schulabschlüssen",
                    "Frühere Information über Ankunftstermine",
                ]
            ),
        }
    step = {1: 0, 6: 1, 12: 2}[survey.wave]
    levels = ["none", "a1", "a2", "b1", "b2"]
    return {
        "good_decision": str(min(5, rng.choice([3, 4, 4, 5]) + (step > 1))),
        "still_fits": str(rng.choice([3, 4, 4, 5])),
        "belonging": str(min(5, rng.choice([2, 3, 3, 4]) + step)),
        "german_level": levels[min(4, rng.choice([0, 1, 1]) + step)],
        "language_course": rng.choice(["yes", "yes", "waiting"] if step < 2 else ["yes", "no"]),
        "still_there": "yes" if rng.random() > 0.06 * step else "no",
    }
