"""The household demand rule lives once (municipalities/choices.py): the caseworker's profile page
(Household.demand) and the optimiser's instance (matching/services/instance.py) both use it, so the
two cannot disagree."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from matching.services.instance import load_round
from municipalities.choices import (
    DIMENSIONS,
    KITA_AGES,
    SCHOOL_AGES,
    household_demand,
    member_demand,
)
from refugees.models import Member
from tests.matching.builders import ARRIVAL, add_household, make_round


def born_aged(age: int, *, days_before_birthday: int = 0) -> date:
    """A date of birth that makes ``age`` completed years on ARRIVAL (or turns it the next year
    ``days_before_birthday`` days after arrival)."""
    born = ARRIVAL.replace(year=ARRIVAL.year - age)
    return born + timedelta(days=days_before_birthday)


@pytest.mark.parametrize("age", range(20))
def test_a_member_needs_a_school_or_kita_place_by_age_on_the_arrival_date(age):
    demand = member_demand(born_aged(age), ARRIVAL)
    assert demand["persons"] == 1
    assert demand["school"] == int(age in SCHOOL_AGES)
    assert demand["kita"] == int(age in KITA_AGES)


def test_the_age_counts_on_the_arrival_date_not_the_birthday_after_it():
    last_kita_age = KITA_AGES[-1]
    born = born_aged(last_kita_age + 1, days_before_birthday=1)  # turns school age a day later
    assert member_demand(born, ARRIVAL)["kita"] == 1
    assert member_demand(born, ARRIVAL)["school"] == 0


def test_a_member_without_a_date_of_birth_is_a_person_needing_neither_place():
    assert member_demand(None, ARRIVAL) == {**dict.fromkeys(DIMENSIONS, 0), "persons": 1}


def test_needs_add_an_accessible_flat_and_a_psychotherapy_place():
    demand = household_demand([], ARRIVAL, wheelchair=True, psychotherapy=True)
    assert demand == {**dict.fromkeys(DIMENSIONS, 0), "accessible": 1, "psychotherapy": 1}


@pytest.mark.django_db
def test_the_profile_page_and_the_optimiser_count_the_same_demand(organisation):
    round_ = make_round()
    edges = (KITA_AGES[0], KITA_AGES[-1], SCHOOL_AGES[0], SCHOOL_AGES[-1], SCHOOL_AGES[-1] + 1)
    boundary_ages = sorted({0, *edges, 67, 90})
    households = [
        add_household(round_, organisation, "HH-ALL", ages=tuple(boundary_ages), wheelchair=True),
        add_household(round_, organisation, "HH-ONE", ages=(SCHOOL_AGES[0],)),
    ]
    households[1].needs.psychotherapy = True
    households[1].needs.save()
    # A birthday the day after arrival: still the younger age on the arrival date.
    Member.objects.filter(household=households[1]).update(
        date_of_birth=born_aged(SCHOOL_AGES[0], days_before_birthday=1)
    )
    data = load_round(round_, household_pks=[h.pk for h in households])
    for i, household in enumerate(households):
        household.refresh_from_db()
        on_screen = household.demand(round_.arrival_date)
        in_instance = dict(zip(DIMENSIONS, data.households.demand[i].tolist(), strict=True))
        assert on_screen == in_instance, household.reference
    assert in_instance["kita"] == 1
    assert in_instance["psychotherapy"] == 1
