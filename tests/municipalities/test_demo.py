from __future__ import annotations

import io

import pytest

from accounts import demo as accounts_demo
from municipalities import demo
from municipalities.models import HousingUnit, Questionnaire
from municipalities.selectors import round_overview
from rounds.demo import demo_round

pytestmark = pytest.mark.django_db


def seed():
    accounts_demo.seed(scale="demo", stdout=io.StringIO())
    demo.seed(scale="demo", stdout=io.StringIO())


def test_the_demo_round_has_capacity_sized_for_the_demo_households():
    seed()
    overview = round_overview(demo_round())
    assert len(overview.rows) == 10
    totals = overview.all_totals
    assert 140 <= totals["persons"] <= 160
    assert 36 <= totals["school"] <= 44
    assert 12 <= totals["kita"] <= 16
    assert totals["accessible"] == 6
    assert totals["psychotherapy"] == 8
    states = sorted(row.state for row in overview.rows)
    assert states.count("submitted") == 8
    assert states.count("draft") == 1
    assert states.count("missing") == 1


def test_every_demo_questionnaire_and_unit_is_valid():
    seed()
    for questionnaire in Questionnaire.objects.all():
        questionnaire.full_clean()
    for unit in HousingUnit.objects.select_related("questionnaire__round"):
        unit.full_clean()


def test_seeding_twice_changes_nothing():
    seed()
    before = (
        Questionnaire.objects.count(),
        HousingUnit.objects.count(),
        list(Questionnaire.objects.values_list("version", "status")),
    )
    seed()
    after = (
        Questionnaire.objects.count(),
        HousingUnit.objects.count(),
        list(Questionnaire.objects.values_list("version", "status")),
    )
    assert before == after
