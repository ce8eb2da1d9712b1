"""What a municipality sees before both sides accept follows refugees.disclosure and the
household's consent version; consent dates follow one rule everywhere; names stay out of URLs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from matching.anonymise import anonymised_profile, visible_demand
from refugees import disclosure
from refugees.models import (
    CURRENT_CONSENT_VERSION,
    EARLIEST_CONSENT_DATE,
    Consent,
    Needs,
    consent_given_at,
)
from tests.api.conftest import token_client
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

MEMBER = {"full_name": "Olena K", "date_of_birth": "1988-03-04", "sex": "f", "relation": "contact"}


@pytest.fixture
def offer(db, organisation, municipality):
    from matching.models import Offer, Run
    from tests.factories import OpenRoundFactory

    household = HouseholdFactory(organisation=organisation)
    Needs.objects.create(
        household=household,
        wheelchair=True,
        psychotherapy=True,
        care_needs=True,
        specialist_care=["dialysis"],
    )
    round_ = OpenRoundFactory(arrival_date=date(2026, 4, 1))
    run = Run.objects.create(round=round_, iteration=1, status="succeeded")
    return Offer.objects.create(
        round=round_,
        run=run,
        household=household,
        municipality=municipality,
        score=400,
        explanation=[],
        status="pending",
        deadline=timezone.now() + timedelta(days=7),
        demand={"persons": 2, "accessible": 1, "psychotherapy": 1},
    )


def _consent(household, version):
    Consent.objects.create(household=household, text_version=version, given_at=timezone.now())


def test_before_acceptance_a_2026_2_household_shows_its_place_needs_only(offer):
    _consent(offer.household, "2026-2")
    profile = anonymised_profile(offer)
    assert profile.needs == ["Needs a wheelchair-accessible flat", "Needs a psychotherapy place"]
    assert profile.places == ["2 persons"]
    assert not profile.names_revealed
    text = " ".join(profile.needs + profile.places)
    assert "Care" not in text
    assert "ialysis" not in text


def test_a_2026_1_household_is_shown_as_its_consent_promised(offer):
    _consent(offer.household, "2026-1")
    profile = anonymised_profile(offer)
    assert profile.needs == []
    assert visible_demand(offer) == {"persons": 2}


def test_after_both_accepted_the_recorded_needs_are_shown(offer):
    _consent(offer.household, "2026-1")
    offer.status = "accepted"
    profile = anonymised_profile(offer)
    assert profile.names_revealed
    assert "Care needs" in profile.needs
    assert visible_demand(offer)["psychotherapy"] == 1


def test_the_offer_api_hides_the_place_needs_from_the_municipality(offer, staff):
    _consent(offer.household, "2026-1")
    response = token_client(staff).get(f"/api/v1/offers/{offer.pk}/")
    assert response.status_code == 200
    assert response.json()["demand"] == {"persons": 2}
    assert response.json()["profile"]["needs"] == []


@pytest.mark.parametrize("language", ["de", "en", "uk"])
def test_the_current_consent_text_lists_every_item_in_each_language(language):
    assert CURRENT_CONSENT_VERSION == "2026-2"
    html = render_to_string(f"refugees/consent/2026-2.{language}.html")
    listed = html.split('class="kern-body rm-disclosed">')[1].split("</ul>")[0]
    assert listed.count("<li>") == len(disclosure.BEFORE_ACCEPTANCE)


def test_the_records_of_processing_list_the_same_items(as_coordinator):
    response = as_coordinator.get("/records-of-processing/", HTTP_ACCEPT_LANGUAGE="en")
    from django.utils.html import escape

    page = response.content.decode()
    for _code, label in disclosure.BEFORE_ACCEPTANCE:
        assert escape(str(label)) in page


# --- Consent dates --------------------------------------------------------------------------------


def test_one_rule_counts_from_noon_capped_at_now():
    now = timezone.now()
    assert consent_given_at(timezone.localdate(now), now=now) <= now
    yesterday = timezone.localdate(now) - timedelta(days=1)
    assert timezone.localtime(consent_given_at(yesterday, now=now)).hour == 12


@pytest.mark.parametrize("given_on", [date(190, 1, 1), date(2021, 12, 31)])
def test_dates_before_the_earliest_are_refused(given_on):
    with pytest.raises(ValidationError, match="Check the year"):
        consent_given_at(given_on)
    assert EARLIEST_CONSENT_DATE.year == 2022


@pytest.mark.parametrize("given_on", ["0190-01-01", "2999-01-01"])
def test_the_api_refuses_impossible_consent_dates_instead_of_clamping(caseworker, given_on):
    from refugees.models import Household

    body = {"members": [MEMBER], "consent": {"text_version": "2026-2", "given_on": given_on}}
    response = token_client(caseworker).post("/api/v1/households/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "consent.given_on"
    assert not Household.objects.exists()


def test_the_import_refuses_the_year_190():
    import io

    from refugees import importing
    from tests.factories import import_csv, import_rows

    rows = import_rows(1)
    rows[0]["consent_date"] = "01.01.0190"
    content = import_csv(rows)
    report = importing.parse(importing.read_rows(io.BytesIO(content), "h.csv", len(content)))
    assert any(e.column == "consent_date" for e in report.errors)


def test_the_profile_names_languages_and_levels_in_the_readers_language(offer):
    from django.utils import translation

    from refugees.models import Member

    Member.objects.create(
        household=offer.household,
        full_name="Olena K",
        sex="f",
        date_of_birth=date(1988, 3, 4),
        relation="contact",
        languages=[{"code": "uk", "level": "native"}, {"code": "ru", "level": "C1"}],
    )
    _consent(offer.household, "2026-2")
    with translation.override("de"):
        (member,) = anonymised_profile(offer).members
    assert member.languages == ["Ukrainisch (Muttersprache)", "Russisch (C1)"]
