from __future__ import annotations

import pytest

from tests.factories import MunicipalityFactory
from tests.matching.builders import add_household, add_municipality, make_round


@pytest.fixture
def small_round(db, organisation, municipality, other_municipality, refugee, household):
    """Kiel: two 4-bed flats (one accessible, no pets). Troisdorf: 6 shared places, pets ok.
    Görlitz (Saxony): 3 shared places. Five households; HH-00042 is the refugee persona's."""
    return build_small_round(organisation, municipality, other_municipality, household)


def build_small_round(organisation, municipality, other_municipality, household):
    """The small_round fixture's round, for module-scoped worlds."""
    round_ = make_round()
    add_municipality(round_, municipality, units=[(4, True, False), (4, False, False)])
    add_municipality(round_, other_municipality, aggregate_places=6, units=[(2, False, True)])
    goerlitz = MunicipalityFactory(
        name="Görlitz",
        slug="goerlitz",
        ags="14626110",
        federal_state="SN",
        settlement_type="medium_town",
    )
    add_municipality(round_, goerlitz, aggregate_places=3)
    from refugees.models import RoundHousehold
    from tests.matching.builders import ARRIVAL  # noqa: F401

    _complete(household, round_)
    RoundHousehold.objects.create(round=round_, household=household)
    add_household(round_, organisation, "HH-A", ages=(40, 12), relatives_in=municipality)
    add_household(round_, organisation, "HH-B", ages=(70,), wheelchair=True)
    add_household(round_, organisation, "HH-C", ages=(30, 4), pets=True)
    add_household(round_, organisation, "HH-D", ages=(25,), excluded_states=("SH", "NW", "SN"))
    return round_


def _complete(household, round_):
    """Give the persona household members, needs, preferences and consent."""
    from datetime import timedelta

    from django.utils import timezone

    from refugees.models import CURRENT_CONSENT_VERSION, Consent, Member, Needs, Preferences
    from tests.matching.builders import ARRIVAL

    for i, age in enumerate((34, 9)):
        Member.objects.create(
            household=household,
            full_name=f"Olena {i}",
            sex="f",
            date_of_birth=ARRIVAL - timedelta(days=365 * age + 30),
            relation="contact" if i == 0 else "child",
        )
    Needs.objects.create(household=household)
    Preferences.objects.create(household=household, settlement_types=["big_city"])
    Consent.objects.create(
        household=household, text_version=CURRENT_CONSENT_VERSION, given_at=timezone.now()
    )
