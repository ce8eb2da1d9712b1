"""A small, complete round built directly from models: three municipalities, a few households."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from accounts.models import Organisation
from municipalities.models import HousingUnit, Municipality, Questionnaire, RoundMunicipality
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
from rounds.models import Round, RoundStatus

ARRIVAL = date(2027, 3, 1)


def make_round(**extra) -> Round:
    defaults = {
        "name": "Testrunde",
        "status": RoundStatus.QUESTIONNAIRE,
        "questionnaire_opens": date(2027, 1, 1),
        "questionnaire_deadline": date(2027, 2, 1),
        "arrival_date": ARRIVAL,
    }
    return Round.objects.create(**{**defaults, **extra})


def add_municipality(round_: Round, municipality: Municipality, *, units=(), **answers):
    RoundMunicipality.objects.get_or_create(
        round=round_, municipality=municipality, defaults={"pledged_persons": 10}
    )
    fields = {
        "aggregate_places": 0,
        "school_places_primary": 2,
        "kita_places_3to6": 1,
        "psychotherapy_places": 1,
        "gp_availability": "good",
        "paediatrics_availability": "limited",
        "ukrainian_community": "small",
        "public_transport": "good",
        "status": "submitted",
        "submitted_at": timezone.now(),
    }
    questionnaire = Questionnaire.objects.create(
        round=round_, municipality=municipality, **{**fields, **answers}
    )
    for beds, accessible, pets in units:
        HousingUnit.objects.create(
            questionnaire=questionnaire,
            kind="flat",
            beds=beds,
            wheelchair_accessible=accessible,
            pets_allowed=pets,
        )
    return questionnaire


def add_household(
    round_: Round,
    organisation: Organisation,
    reference: str,
    *,
    ages=(35,),
    wheelchair=False,
    pets=False,
    relatives_in: Municipality | None = None,
    excluded_states=(),
    contact_user=None,
) -> Household:
    household = Household.objects.create(
        reference=reference, organisation=organisation, status="ready", contact_user=contact_user
    )
    for i, age in enumerate(ages):
        Member.objects.create(
            household=household,
            full_name=f"Person {reference}-{i}",
            date_of_birth=ARRIVAL - timedelta(days=365 * age + 30),
            sex="f",
            relation="contact" if i == 0 else "child",
            languages=[{"code": "uk", "level": "native"}],
        )
    Needs.objects.create(household=household, wheelchair=wheelchair)
    Preferences.objects.create(
        household=household, has_pets=pets, excluded_states=list(excluded_states)
    )
    if relatives_in is not None:
        Relative.objects.create(household=household, municipality=relatives_in, relation="sister")
    Consent.objects.create(
        household=household, text_version=CURRENT_CONSENT_VERSION, given_at=timezone.now()
    )
    RoundHousehold.objects.create(round=round_, household=household)
    return household
