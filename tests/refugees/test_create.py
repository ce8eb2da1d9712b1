"""One household_create service behind every entry point: the guided form, the API and the
import. The same rules hold whichever way a household comes in: the likely-duplicate rule with
its "save anyway", the consent moment (noon of the day given, never after now), one audit event
per household with counts and no names."""

from __future__ import annotations

import io
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from refugees import duplicates, importing, services
from refugees.models import Household, Member
from refugees.services import create
from tests.api.conftest import token_client
from tests.factories import HouseholdFactory, import_csv, import_rows

pytestmark = pytest.mark.django_db

OLENA = {
    "full_name": "Olena Test 0",
    "date_of_birth": date(1988, 3, 4),
    "sex": "f",
    "relation": "contact",
}


def _data(**changes) -> services.HouseholdData:
    data = services.HouseholdData(
        members=[(0, dict(OLENA))],
        household={"notes": "", "status": "draft"},
        consent={"text_version": "2026-1", "given_on": date(2026, 1, 15)},
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def _recorded_elsewhere(caseworker) -> Household:
    existing = HouseholdFactory(organisation=caseworker.organisation)
    Member.objects.create(household=existing, **OLENA)
    return existing


def test_a_whole_household_is_saved_with_one_audit_event_that_holds_counts_only(caseworker):
    household = services.household_create(by=caseworker, data=_data())
    assert household.organisation == caseworker.organisation
    assert household.caseworker == caseworker
    assert household.members.get().full_name == "Olena Test 0"
    assert household.has_valid_consent
    event = AuditEvent.objects.get(target_id=str(household.pk))
    assert event.action == "refugees.household.created"
    assert event.changes == {"members": 1, "relatives": 0, "consents": 1, "rounds": 0}
    assert "Olena" not in str(event.changes)


def test_a_likely_duplicate_is_refused_unless_the_caseworker_saves_it_anyway(caseworker):
    existing = _recorded_elsewhere(caseworker)
    with pytest.raises(duplicates.LikelyDuplicate) as refused:
        services.household_create(by=caseworker, data=_data())
    assert refused.value.references == [existing.reference]
    assert Household.objects.count() == 1
    household = services.household_create(by=caseworker, data=_data(), save_anyway=True)
    assert household.members.count() == 1


def test_another_organisations_household_is_no_duplicate(caseworker, other_caseworker):
    _recorded_elsewhere(other_caseworker)
    assert services.household_create(by=caseworker, data=_data()).members.count() == 1


def test_the_consent_moment_is_noon_of_the_day_given_and_never_in_the_future(caseworker):
    earlier = services.household_create(by=caseworker, data=_data())
    assert timezone.localtime(earlier.consents.get().given_at).hour == 12
    today = timezone.localdate()
    now = services.household_create(
        by=caseworker,
        data=_data(
            members=[(0, {**OLENA, "full_name": "Iryna"})],
            consent={"text_version": "2026-1", "given_on": today},
        ),
    )
    assert now.consents.get().given_at <= timezone.now()
    with pytest.raises(ValidationError):
        services.household_create(
            by=caseworker,
            data=_data(
                members=[(0, {**OLENA, "full_name": "Oksana"})],
                consent={"text_version": "2026-1", "given_on": today + timedelta(days=1)},
            ),
        )


# --- Every entry point goes through the one service ----------------------------------------------


@pytest.fixture
def spy():
    with mock.patch.object(create, "households_import", wraps=create.households_import) as wrapped:
        yield wrapped


def test_the_api_create_goes_through_household_create(caseworker, spy):
    body = {"members": [{**OLENA, "date_of_birth": "1988-03-04"}]}
    response = token_client(caseworker).post("/api/v1/households/", body, format="json")
    assert response.status_code == 201, response.content
    assert spy.call_count == 1
    assert spy.call_args.kwargs["action"] == "refugees.household.created"


def test_the_api_and_the_import_refuse_the_same_duplicate(caseworker, spy):
    existing = _recorded_elsewhere(caseworker)
    body = {"members": [{**OLENA, "date_of_birth": "1988-03-04"}]}
    refused = token_client(caseworker).post("/api/v1/households/", body, format="json")
    assert refused.status_code == 400
    assert existing.reference in str(refused.json())
    content = import_csv(import_rows(1))  # K0's contact is Olena Test 0, born 1988-03-04
    report = importing.import_file(
        upload=io.BytesIO(content), filename="x.csv", size=len(content), by=caseworker, save=True
    )
    assert report.skipped == ["K0"]
    assert report.duplicates[0].duplicates == [existing.reference]
    report = importing.import_file(
        upload=io.BytesIO(content),
        filename="x.csv",
        size=len(content),
        by=caseworker,
        save=True,
        import_anyway={"K0"},
    )
    assert len(report.saved) == 1
    assert spy.call_args.kwargs["save_anyway"] == {"K0"}


def test_the_guided_form_opens_its_household_through_household_create(as_caseworker, caseworker):
    with mock.patch.object(
        services, "household_create", wraps=services.household_create
    ) as wrapped:
        response = as_caseworker.post("/households/new/")
    assert response.status_code == 302
    assert wrapped.call_args.kwargs == {"by": caseworker}
    household = Household.objects.get()
    assert AuditEvent.objects.get(target_id=str(household.pk)).action == (
        "refugees.household.created"
    )
