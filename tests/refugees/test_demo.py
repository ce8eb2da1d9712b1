from __future__ import annotations

from io import StringIO

import pytest

from accounts import demo as accounts_demo
from municipalities import demo as municipalities_demo
from refugees import demo
from refugees.models import Household, Member, Needs, Preferences, Relative
from rounds.demo import demo_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    for module in (accounts_demo, municipalities_demo, demo):
        module.seed(scale="demo", stdout=StringIO())
    return demo_round()


def _snapshot():
    return (
        Household.objects.count(),
        Member.objects.count(),
        Relative.objects.count(),
        sorted(Member.objects.values_list("full_name", flat=True)),
    )


def test_the_demo_households_meet_the_targets(seeded):
    households = list(
        Household.objects.prefetch_related("members").select_related("needs", "preferences")
    )
    arrival = seeded.arrival_date
    demands = [h.demand(arrival) for h in households]
    assert len(households) == 61
    assert sum(d["persons"] for d in demands) == 140
    assert 32 <= sum(d["school"] for d in demands) <= 38
    assert 10 <= sum(d["kita"] for d in demands) <= 14
    needs = list(Needs.objects.all())  # encrypted at rest: counted in Python, not in SQL
    assert sum(n.wheelchair for n in needs) == 5
    assert sum(n.psychotherapy for n in needs) == 8
    assert 3 <= sum(bool(n.specialist_care) for n in needs) <= 4
    assert Preferences.objects.filter(has_pets=True).count() == 8
    assert Relative.objects.filter(municipality__isnull=False).count() == 10
    linked = sum(h.linked_households.count() for h in households)
    assert linked == 10  # five pairs, counted from both sides
    assert all(h.has_valid_consent for h in households)
    assert seeded.entries.count() == 61


def test_olena_has_a_complete_household_in_the_demo_round(seeded):
    household = Household.objects.get(reference="HH-DEMO-001")
    assert household.contact_user.email == "olena@rematch.example"
    assert household.persons == 3
    assert household.preferences.settlement_types == ["big_city"]
    assert household.relatives.get().municipality.slug == "kiel"
    assert household.round_entries.filter(round=seeded).exists()


def test_seeding_twice_changes_nothing(seeded):
    before = _snapshot()
    demo.seed(scale="demo", stdout=StringIO())
    assert _snapshot() == before


def test_what_the_caseworkers_typed_is_german_and_fits_the_person(seeded):
    """Free text of the demo (occupations, relations) reads as a caseworker in Germany types it;
    the German pages show it as it is, so it must not be English."""
    jobs = {as_woman: as_man for _education, (as_woman, as_man), _group, _years in demo.JOBS}
    women, men = set(jobs), set(jobs.values())
    adults = Member.objects.exclude(occupation="")
    assert adults.count() > 60
    for sex, occupation in adults.values_list("sex", "occupation"):
        assert occupation in (women if sex == "f" else men), (sex, occupation)
    english = {"sister", "brother", "cousin", "friend", "aunt", "daughter"}
    relations = set(Relative.objects.values_list("relation", flat=True))
    assert relations
    assert not relations & english
    assert relations <= set(demo.RELATIONS)
