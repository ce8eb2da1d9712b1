"""A small round whose metrics are checked by hand (see test_metrics.py).

Kiel (SH, big city): 6 shared places, 2 school, 1 Kita, 1 psychotherapy place; pledged 6.
Troisdorf (NW, medium town): 4 shared places, 1 Kita; pledged 4.

EV-1  35 + 8 years (1 school)   wishes big city and SH; a sister in Kiel
EV-2  70 years, psychotherapy    wishes a medium town
EV-3  30 + 4 years (1 Kita)      wishes NW, excludes SH
EV-4  40, 38, 15, 12 (2 school)  wishes a big city
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone, translation

from evaluation.models import Survey, Wave
from evaluation.services import surveys
from evaluation.services.comparisons import comparison_start
from matching.models import Offer, Proposal, Run
from municipalities.models import Questionnaire, RoundMunicipality
from refugees.models import (
    CURRENT_CONSENT_VERSION,
    Consent,
    Household,
    Member,
    Needs,
    Preferences,
    Relative,
    RoundHousehold,
)
from rounds.models import Round
from tests.conftest import login

ARRIVAL = date(2027, 3, 1)
ARRIVAL_TIME = datetime(ARRIVAL.year, ARRIVAL.month, 10, tzinfo=ZoneInfo("UTC"))


def make_round(**extra) -> Round:
    defaults = {
        "name": "Evaluationsrunde",
        "status": "matching",
        "questionnaire_opens": date(2027, 1, 1),
        "questionnaire_deadline": date(2027, 2, 1),
        "arrival_date": ARRIVAL,
    }
    return Round.objects.create(**{**defaults, **extra})


def add_questionnaire(round_, municipality, *, pledged, **answers) -> Questionnaire:
    RoundMunicipality.objects.create(
        round=round_, municipality=municipality, pledged_persons=pledged
    )
    return Questionnaire.objects.create(
        round=round_,
        municipality=municipality,
        status="submitted",
        submitted_at=timezone.now(),
        gp_availability="good",
        paediatrics_availability="good",
        **answers,
    )


def add_household(
    round_,
    organisation,
    reference,
    *,
    ages,
    order,
    contact_user=None,
    psychotherapy=False,
    settlement=(),
    wished=(),
    excluded=(),
    relatives_in=None,
) -> Household:
    household = Household.objects.create(
        reference=reference, organisation=organisation, status="ready", contact_user=contact_user
    )
    for i, age in enumerate(ages):
        Member.objects.create(
            household=household,
            full_name=f"Person {reference}-{i}",
            sex="f",
            date_of_birth=date(ARRIVAL.year - age, 1, 1),
            relation="contact" if i == 0 else "child",
        )
    Needs.objects.create(household=household, psychotherapy=psychotherapy)
    Preferences.objects.create(
        household=household,
        settlement_types=list(settlement),
        wished_states=list(wished),
        excluded_states=list(excluded),
    )
    if relatives_in is not None:
        Relative.objects.create(household=household, municipality=relatives_in, relation="sister")
    Consent.objects.create(
        household=household, text_version=CURRENT_CONSENT_VERSION, given_at=timezone.now()
    )
    RoundHousehold.objects.create(
        round=round_, household=household, added_at=timezone.now() + timedelta(seconds=order)
    )
    return household


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English (the catalogues translate them to German by default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what services queue with transaction.on_commit (eager Celery in the tests)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def eval_round(db, organisation, municipality, other_municipality, refugee):
    """The hand-checked round; EV-1 is the refugee persona's household (contact user)."""
    other_municipality.settlement_type, other_municipality.federal_state = "medium_town", "NW"
    other_municipality.save()
    municipality.settlement_type = "big_city"
    municipality.save()
    Household.objects.filter(contact_user=refugee).update(contact_user=None)
    refugee.preferred_language = "en"  # e-mails are checked in English
    refugee.save(update_fields=["preferred_language"])
    round_ = make_round()
    add_questionnaire(
        round_,
        municipality,
        pledged=6,
        aggregate_places=6,
        school_places_primary=2,
        kita_places_3to6=1,
        psychotherapy_places=1,
    )
    add_questionnaire(round_, other_municipality, pledged=4, aggregate_places=4, kita_places_3to6=1)
    round_.h = {  # type: ignore[attr-defined]
        "EV-1": add_household(
            round_,
            organisation,
            "EV-1",
            ages=(35, 8),
            order=1,
            contact_user=refugee,
            settlement=["big_city"],
            wished=["SH"],
            relatives_in=municipality,
        ),
        "EV-2": add_household(
            round_,
            organisation,
            "EV-2",
            ages=(70,),
            order=2,
            psychotherapy=True,
            settlement=["medium_town"],
        ),
        "EV-3": add_household(
            round_, organisation, "EV-3", ages=(30, 4, 33), order=3, wished=["NW"], excluded=["SH"]
        ),
        "EV-4": add_household(
            round_, organisation, "EV-4", ages=(40, 38, 15, 12), order=4, settlement=["big_city"]
        ),
    }
    round_.kiel, round_.troisdorf = municipality, other_municipality  # type: ignore[attr-defined]
    return round_


def make_run(round_, placements, *, iteration=1) -> Run:
    """A finished run with proposals: {reference: (municipality or None, score)}."""
    run = Run.objects.create(
        round=round_, iteration=iteration, status="succeeded", finished_at=timezone.now()
    )
    for reference, (municipality, score) in placements.items():
        Proposal.objects.create(
            run=run,
            household=round_.h[reference],
            municipality=municipality,
            score=score,
            demand={},
        )
    return run


def make_offer(
    round_, run, reference, municipality, *, status="pending", score=100, **answers
) -> Offer:
    return Offer.objects.create(
        round=round_,
        run=run,
        household=round_.h[reference],
        municipality=municipality,
        score=score,
        demand={"persons": 1},
        status=status,
        deadline=timezone.now() + timedelta(days=7),
        **answers,
    )


def arrive(round_, reference, municipality, when) -> Offer:
    """The household has accepted and arrived at ``when``."""
    run = round_.runs.first() or make_run(round_, {})
    offer = make_offer(
        round_,
        run,
        reference,
        municipality,
        status="arrived",
        household_answer="yes",
        municipality_answer="yes",
    )
    Offer.objects.filter(pk=offer.pk).update(arrived_at=when)
    offer.refresh_from_db()
    return offer


@pytest.fixture
def client_for(request):
    def make(role):
        if role == "anonymous":
            return Client()
        client = login(request.getfixturevalue(role))
        client.cookies["django_language"] = "en"
        return client

    return make


@pytest.fixture
def answered_round(eval_round, coordinator, refugee, staff, on_commit):
    """EV-1 arrived in Kiel and answered its 1-month survey; Kiel's staff answered too; a
    comparison was computed."""
    placements = {"EV-1": (eval_round.kiel, 150), "EV-3": (eval_round.troisdorf, 130)}
    run = make_run(eval_round, placements)
    arrive(eval_round, "EV-1", eval_round.kiel, ARRIVAL_TIME)
    make_offer(
        eval_round,
        run,
        "EV-3",
        eval_round.troisdorf,
        status="declined",
        household_answer="no",
        household_reason="Too far from school",
    )
    with on_commit():
        surveys.survey_send_now(round=eval_round, wave=Wave.ONE_MONTH, by=coordinator)
        surveys.survey_send_now(round=eval_round, wave=Wave.ROUND_END, by=coordinator)
        comparison_start(round=eval_round, by=coordinator)
    surveys.survey_answer(
        survey=Survey.objects.get(wave=1),
        by=refugee,
        language="en",
        answers={
            "good_decision": "4",
            "still_fits": "5",
            "belonging": "3",
            "german_level": "a1",
            "language_course": "waiting",
            "still_there": "yes",
        },
    )
    surveys.survey_answer(
        survey=Survey.objects.get(wave=0, municipality=eval_round.kiel),
        by=staff,
        language="de",
        answers={
            "proposal_fit": "4",
            "profile_information": "3",
            "integration_start": "4",
            "effort": "less",
            "again": "yes",
        },
    )
    return eval_round
