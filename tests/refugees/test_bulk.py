"""The bulk service behind the import: the single services' rules, all or nothing, unique
references, one audit event per household, needs encrypted, and a query count that does not grow
with the number of households."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from accounts.audit import client_ip
from accounts.models import AuditEvent
from accounts.roles import Role
from refugees import services
from refugees.importing import HouseholdRecord
from refugees.models import (
    Consent,
    Household,
    HouseholdStatus,
    Member,
    Needs,
    Relative,
    RoundHousehold,
)
from refugees.services import bulk
from tests.factories import HouseholdFactory, OpenRoundFactory, UserFactory

pytestmark = pytest.mark.django_db


def _record(key: str = "K0", consent: bool = True, **changes) -> HouseholdRecord:
    """A valid household as the importer hands it over; ``changes`` as section__field=value."""
    record = HouseholdRecord(key=key, first_row=2)
    record.members = [
        (
            2,
            {
                "full_name": f"Olena {key}",
                "date_of_birth": date(1988, 3, 4),
                "sex": "f",
                "relation": "contact",
                "languages": [{"code": "uk", "level": "native"}],
                "education": "bachelor",
                "occupation": "Teacher",
                "sector": "84",
                "work_experience_years": 10,
            },
        ),
        (
            3,
            {
                "full_name": f"Maksym {key}",
                "date_of_birth": date(2017, 5, 1),
                "sex": "m",
                "relation": "child",
                "languages": [],
                "education": "",
                "occupation": "",
                "sector": "",
                "work_experience_years": 0,
            },
        ),
    ]
    record.household = {"notes": "", "status": "ready" if consent else "draft"}
    record.needs = {
        "wheelchair": False,
        "psychotherapy": True,
        "care_needs": False,
        "specialist_care": ["cardiology"],
    }
    record.preferences = {
        "settlement_types": ["big_city"],
        "wished_states": ["BE"],
        "excluded_states": [],
        "weight_housing": 5,
    }
    record.consent = {"text_version": "2026-1", "given_on": date(2026, 1, 15)} if consent else None
    for name, value in changes.items():
        section, _sep, key_ = name.partition("__")
        if section == "member":
            record.members[1][1][key_] = value
        else:
            getattr(record, section)[key_] = value
    return record


def _records(n: int, **changes) -> dict[str, HouseholdRecord]:
    return {f"K{i}": _record(f"K{i}", **changes) for i in range(n)}


def _nothing_saved() -> bool:
    return not (
        Household.objects.exists()
        or Member.objects.exists()
        or Needs.objects.exists()
        or Consent.objects.exists()
        or RoundHousehold.objects.exists()
        or AuditEvent.objects.exists()
    )


def test_a_caseworker_records_households_of_their_organisation(caseworker):
    households = services.households_import(rows_by_household=_records(2), by=caseworker)
    assert len(households) == 2
    household = Household.objects.get(pk=households[0].pk)
    assert household.reference == households[0].reference
    assert household.organisation == caseworker.organisation
    assert household.caseworker == caseworker
    assert household.status == HouseholdStatus.READY
    assert [m.relation for m in household.members.order_by("id")] == ["contact", "child"]
    assert household.needs.recorded_at is not None
    assert household.preferences.weight_housing == 5
    consent = household.consents.get()
    assert consent.recorded_by == caseworker
    assert consent.given_at.date() == date(2026, 1, 15)


@pytest.mark.parametrize("persona", ["coordinator", "staff", "refugee"])
def test_only_caseworkers_import(request, persona):
    user = request.getfixturevalue(persona)
    before = Household.objects.count()
    with pytest.raises(PermissionDenied):
        services.households_import(rows_by_household=_records(1), by=user)
    assert Household.objects.count() == before


def test_a_caseworker_without_an_organisation_cannot_import(db):
    user = UserFactory(role=Role.CASEWORKER, organisation=None)
    with pytest.raises(PermissionDenied):
        services.households_import(rows_by_household=_records(1), by=user)
    assert _nothing_saved()


def test_households_go_to_the_importing_caseworkers_organisation_only(caseworker, other_caseworker):
    services.households_import(rows_by_household=_records(2), by=other_caseworker)
    assert not Household.objects.editable_by(caseworker).exists()
    assert Household.objects.editable_by(other_caseworker).count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"member__date_of_birth": timezone.localdate() + timedelta(days=1)}, "date_of_birth"),
        ({"member__sex": "x"}, "sex"),
        ({"member__languages": [{"code": "tlh", "level": "C2"}]}, "languages"),
        ({"member__work_experience_years": 71}, "work_experience_years"),
        ({"member__relation": "contact"}, "relation"),  # two contact persons
        ({"household__status": "matched"}, "status"),
        ({"member__full_name": ""}, "full_name"),
        ({"needs__specialist_care": ["magic"]}, "specialist_care"),
        ({"preferences__excluded_states": ["BE"]}, "excluded_states"),  # wished and excluded
        ({"preferences__weight_work": 9}, "weight_work"),
        ({"consent__text_version": "1999-1"}, "text_version"),
        ({"consent__given_on": timezone.localdate() + timedelta(days=1)}, "given_at"),
    ],
)
def test_an_invalid_household_rolls_back_every_household(caseworker, changes, field):
    records = _records(3)
    records["K2"] = _record("K2", **changes)
    with pytest.raises(ValidationError) as error:
        services.households_import(rows_by_household=records, by=caseworker)
    assert f"K2.{field}" in error.value.message_dict
    assert _nothing_saved()


def test_ready_without_consent_is_refused_like_in_the_guided_form(caseworker):
    records = {"K0": _record("K0", consent=False, household__status="ready")}
    with pytest.raises(ValidationError) as error:
        services.households_import(rows_by_household=records, by=caseworker)
    assert "consent recorded" in str(error.value.message_dict["K0.status"])
    assert _nothing_saved()


def test_an_error_in_a_later_batch_rolls_back_the_saved_batches(caseworker, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_SIZE", 2)
    records = _records(5)
    records["K4"] = _record("K4", member__sex="x")
    with pytest.raises(ValidationError):
        services.households_import(rows_by_household=records, by=caseworker)
    assert _nothing_saved()


def test_references_are_unique_and_avoid_existing_ones(caseworker, monkeypatch):
    HouseholdFactory(reference="HH-AAA-AAA", organisation=caseworker.organisation)
    drawn = iter(["HH-AAA-AAA", "HH-BBB-BBB", "HH-BBB-BBB", "HH-CCC-CCC", "HH-DDD-DDD"])
    monkeypatch.setattr(bulk, "random_reference", lambda: next(drawn))
    households = services.households_import(rows_by_household=_records(3), by=caseworker)
    assert sorted(h.reference for h in households) == ["HH-BBB-BBB", "HH-CCC-CCC", "HH-DDD-DDD"]


def test_a_reference_taken_in_parallel_is_drawn_again(caseworker, monkeypatch):
    """Between the look-up and the insert another transaction takes a code: the unique index
    refuses the insert, and only the clashing household draws a new code."""
    HouseholdFactory(reference="HH-AAA-AAA", organisation=caseworker.organisation)
    drawn = iter(["HH-AAA-AAA", "HH-BBB-BBB", "HH-CCC-CCC"])
    monkeypatch.setattr(bulk, "random_reference", lambda: next(drawn))
    looked_up = {"n": 0}
    original = bulk._taken

    def blind_first_time(references):
        looked_up["n"] += 1
        return set() if looked_up["n"] == 1 else original(references)

    monkeypatch.setattr(bulk, "_taken", blind_first_time)
    households = services.households_import(rows_by_household=_records(2), by=caseworker)
    assert sorted(h.reference for h in households) == ["HH-BBB-BBB", "HH-CCC-CCC"]
    assert Household.objects.count() == 3
    assert Member.objects.count() == 4


def test_many_references_are_distinct(caseworker):
    households = services.households_import(rows_by_household=_records(300), by=caseworker)
    references = {h.reference for h in households}
    assert len(references) == 300
    assert all(r.startswith("HH-") and len(r) == 10 for r in references)


def test_each_household_gets_one_audit_event_without_personal_data(caseworker):
    token = client_ip.set("203.0.113.7")
    try:
        households = services.households_import(rows_by_household=_records(2), by=caseworker)
    finally:
        client_ip.reset(token)
    events = AuditEvent.objects.order_by("id")
    assert [(e.action, e.target_id) for e in events] == [
        ("refugees.household.imported", str(h.pk)) for h in households
    ]
    event = events[0]
    assert event.actor == caseworker
    assert event.actor_label == caseworker.email
    assert event.target_type == "refugees.household"
    assert event.target_label == households[0].reference
    assert event.ip_address == "203.0.113.7"
    assert event.changes == {"members": 2, "relatives": 0, "consents": 1, "rounds": 0}
    assert "Olena" not in str(event.changes)


def test_relatives_are_recorded_and_counted(caseworker, municipality):
    record = _record("K0")
    record.relatives = [
        {"municipality": municipality, "relation": "sister"},
        {"place": "Lübeck", "relation": "friend"},
    ]
    (household,) = services.households_import(rows_by_household={"K0": record}, by=caseworker)
    assert sorted(Relative.objects.values_list("relation", flat=True)) == ["friend", "sister"]
    event = AuditEvent.objects.get(target_id=str(household.pk))
    assert event.changes["relatives"] == 2


def test_a_relative_without_a_place_is_refused(caseworker):
    record = _record("K0")
    record.relatives = [{"relation": "sister"}]
    with pytest.raises(ValidationError) as error:
        services.households_import(rows_by_household={"K0": record}, by=caseworker)
    assert "K0.place" in error.value.message_dict
    assert _nothing_saved()


def test_needs_are_stored_encrypted_and_read_back(caseworker):
    (household,) = services.households_import(rows_by_household=_records(1), by=caseworker)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT psychotherapy, specialist_care FROM refugees_needs WHERE household_id = %s",
            [household.pk],
        )
        raw = cursor.fetchone()
    assert all(value.startswith("gAAAAA") for value in raw)  # Fernet tokens
    assert "cardiology" not in raw[1]
    needs = Needs.objects.get(household=household)
    assert needs.psychotherapy is True
    assert needs.wheelchair is False
    assert needs.specialist_care == ["cardiology"]


def test_households_enter_an_open_round(caseworker, open_round):
    households = services.households_import(
        rows_by_household=_records(2), by=caseworker, round=open_round
    )
    entries = RoundHousehold.objects.filter(round=open_round)
    assert sorted(entries.values_list("household_id", flat=True)) == sorted(
        h.pk for h in households
    )
    assert all(e.added_by == caseworker for e in entries)
    assert AuditEvent.objects.filter(changes__rounds=1).count() == 2


def test_a_round_entry_needs_consent(caseworker, open_round):
    records = _records(2)
    records["K1"] = _record("K1", consent=False)
    with pytest.raises(ValidationError) as error:
        services.households_import(rows_by_household=records, by=caseworker, round=open_round)
    assert "consent" in str(error.value.message_dict["K1"])
    assert _nothing_saved()


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_a_round_not_open_to_caseworkers_is_refused(caseworker, status):
    round_ = OpenRoundFactory(status=status)
    with pytest.raises(PermissionDenied):
        services.households_import(rows_by_household=_records(1), by=caseworker, round=round_)
    assert _nothing_saved()


def test_nothing_to_import_is_an_error(caseworker):
    with pytest.raises(ValidationError):
        services.households_import(rows_by_household={}, by=caseworker)


@pytest.mark.parametrize("households", [10, 60])
def test_the_number_of_queries_does_not_grow_with_the_households(
    caseworker, open_round, django_assert_max_num_queries, households
):
    records = _records(households)
    with django_assert_max_num_queries(17):  # 16 writes and reads, 1 for the duplicate rule
        services.households_import(rows_by_household=records, by=caseworker, round=open_round)
    assert RoundHousehold.objects.count() == households
