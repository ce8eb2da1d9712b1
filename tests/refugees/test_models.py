from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from refugees.models import Household, Member
from refugees.selectors import completeness_percent, household_checklist
from tests.factories import ConsentFactory, HouseholdFactory, MemberFactory, NeedsFactory

pytestmark = pytest.mark.django_db

ARRIVAL = date(2026, 9, 1)


def test_age_counts_completed_years_on_the_day():
    member = Member(date_of_birth=date(2020, 9, 2))
    assert member.age_on(ARRIVAL) == 5
    assert member.age_on(date(2026, 9, 2)) == 6


@pytest.mark.parametrize(
    ("born", "school", "kita"),
    [
        (date(2025, 9, 2), 0, 0),  # not yet one on arrival
        (date(2025, 9, 1), 0, 1),  # first birthday on the arrival date
        (date(2020, 9, 2), 0, 1),  # still five
        (date(2020, 9, 1), 1, 0),  # six on arrival: school
        (date(2008, 9, 2), 1, 0),  # still seventeen
        (date(2008, 9, 1), 0, 0),  # eighteen: adult
    ],
)
def test_school_and_kita_needs_follow_the_age_on_the_arrival_date(born, school, kita):
    household = HouseholdFactory()
    MemberFactory(household=household, relation="child", date_of_birth=born)
    demand = household.demand(ARRIVAL)
    assert (demand["school"], demand["kita"]) == (school, kita)


def test_demand_has_exactly_the_engine_dimensions():
    household = HouseholdFactory()
    MemberFactory(household=household, date_of_birth=date(1988, 1, 1))
    MemberFactory(household=household, relation="child", date_of_birth=date(2016, 1, 1))
    MemberFactory(household=household, relation="child", date_of_birth=date(2023, 1, 1))
    NeedsFactory(household=household, wheelchair=True, psychotherapy=True)
    household = Household.objects.get(pk=household.pk)
    assert household.demand(ARRIVAL) == {
        "persons": 3,
        "school": 1,
        "kita": 1,
        "accessible": 1,
        "psychotherapy": 1,
    }
    assert household.persons == 3


def test_a_household_without_needs_row_demands_no_accessible_place():
    household = HouseholdFactory()
    assert household.demand(ARRIVAL)["accessible"] == 0


def test_consent_is_valid_until_withdrawn():
    household = HouseholdFactory()
    assert not household.has_valid_consent
    consent = ConsentFactory(household=household)
    assert Household.objects.get(pk=household.pk).has_valid_consent
    consent.withdrawn_at = timezone.now()
    consent.save()
    assert not Household.objects.get(pk=household.pk).has_valid_consent


def test_consent_to_an_outdated_text_version_is_not_valid():
    household = HouseholdFactory()
    ConsentFactory(household=household, text_version="2024-0")
    assert not household.has_valid_consent


def test_language_levels_are_validated():
    member = MemberFactory.build(
        household=HouseholdFactory(), languages=[{"code": "uk", "level": "fluent"}]
    )
    with pytest.raises(ValidationError) as error:
        member.full_clean()
    assert "languages" in error.value.message_dict


def test_completeness_counts_the_steps_done():
    household = HouseholdFactory()
    assert completeness_percent(household_checklist(household)) == 0
    MemberFactory(household=household)
    assert completeness_percent(household_checklist(household)) == 40
