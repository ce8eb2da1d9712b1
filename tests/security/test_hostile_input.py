"""Hostile and malformed input fed to the services: every call either succeeds with valid data
stored, or raises a ValidationError/PermissionDenied and changes nothing."""

from __future__ import annotations

import math
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Invitation
from accounts.roles import Role
from accounts.services import invitations as account_services
from matching.models import Run
from matching.services import runs as run_services
from refugees.models import Member
from refugees.services.households import member_save

pytestmark = pytest.mark.django_db

HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "Robert'); DROP TABLE households;--",
            "\x00",
            "‮reversed",
            "😀" * 300,
            "a" * 10_000,
            "",
            " ",
            "{{ 7*7 }}",
            "%(name)s",
        ]
    ),
    st.text(max_size=300),
)
ANYTHING = st.one_of(
    HOSTILE_TEXT,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(email=HOSTILE_TEXT, name=HOSTILE_TEXT)
def test_invitations_refuse_malformed_addresses(coordinator, organisation, email, name):
    before = Invitation.objects.count()
    try:
        invitation, _ = account_services.invitation_create(
            by=coordinator,
            email=email,
            full_name=name[:150],
            role=Role.CASEWORKER,
            organisation=organisation,
        )
    except ValidationError:
        assert Invitation.objects.count() == before
    else:
        assert "@" in invitation.email
        invitation.delete()


@PROPERTY
@given(method=HOSTILE_TEXT, time_limit=st.floats(allow_nan=True, allow_infinity=True))
def test_run_parameters_are_checked(small_round, coordinator, method, time_limit):
    try:
        run = run_services.run_start(
            round=small_round, by=coordinator, method=method, time_limit=time_limit
        )
    except ValidationError:
        assert not Run.objects.exists()
    else:
        assert run.method in run_services.METHODS
        assert math.isfinite(run.time_limit)
        assert 1 <= run.time_limit <= 3600
        run.delete()


@PROPERTY
# Dates reach the service as text (forms, JSON) or as dates (parsed by a form or serializer).
@given(
    name=ANYTHING,
    born=st.one_of(HOSTILE_TEXT, st.dates(), st.none()),
    languages=ANYTHING,
    sector=ANYTHING,
    years=ANYTHING,
)
def test_member_data_is_validated(caseworker, household, name, born, languages, sector, years):
    household.refresh_from_db()
    data = {
        "full_name": name,
        "date_of_birth": born,
        "sex": "f",
        "relation": "child",
        "languages": languages,
        "sector": sector,
        "work_experience_years": years,
    }
    before = Member.objects.count()
    try:
        member = member_save(household=household, by=caseworker, version=None, data=data)
    except (ValidationError, PermissionDenied):
        assert Member.objects.count() == before
        return
    member.refresh_from_db()
    assert isinstance(member.full_name, str)
    assert 0 < len(member.full_name) <= 150
    assert isinstance(member.date_of_birth, date)
    assert isinstance(member.languages, list)
    member.delete()


@pytest.mark.parametrize("years", [float("inf"), float("-inf"), float("nan")])
def test_a_number_that_is_not_finite_is_refused_with_a_message(caseworker, household, years):
    data = {
        "full_name": "Olena",
        "date_of_birth": date(1990, 1, 1),
        "sex": "f",
        "relation": "child",
        "work_experience_years": years,
    }
    before = Member.objects.count()
    with pytest.raises(ValidationError) as refused:
        member_save(household=household, by=caseworker, version=None, data=data)
    assert "work_experience_years" in refused.value.message_dict
    assert Member.objects.count() == before


@PROPERTY
@given(reason=HOSTILE_TEXT, accept=st.booleans())
def test_offer_answers_keep_reasons_bounded(published_offer, refugee, reason, accept):
    from matching.models import Offer
    from matching.services.offers import offer_answer_household

    Offer.objects.filter(pk=published_offer.pk).update(
        household_answer="", household_reason="", status="pending"
    )
    try:
        offer = offer_answer_household(
            offer=published_offer, by=refugee, accept=accept, reason=reason
        )
    except ValidationError:
        published_offer.refresh_from_db()
        assert published_offer.household_answer == ""
        return
    assert len(offer.household_reason) <= 2000
    assert offer.household_answer in ("yes", "no")


@pytest.fixture
def published_offer(small_round, coordinator, django_capture_on_commit_callbacks):
    from matching.models import Offer
    from matching.services.offers import run_publish

    with django_capture_on_commit_callbacks(execute=True):
        run = run_services.run_start(round=small_round, by=coordinator)
    run.refresh_from_db()
    run_publish(run=run, by=coordinator)
    return Offer.objects.get(household__reference="HH-00042")
