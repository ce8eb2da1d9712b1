from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from refugees import services
from refugees.models import Household, HouseholdStatus, RoundHousehold
from tests.factories import (
    ConsentFactory,
    HouseholdFactory,
    MemberFactory,
    OpenRoundFactory,
    complete_household,
)

pytestmark = pytest.mark.django_db


def _actions(household) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_id=str(household.pk)).values_list("action", flat=True)
    )


def test_a_caseworker_creates_a_household_of_their_organisation(caseworker):
    household = services.household_create(by=caseworker)
    household.refresh_from_db()
    assert household.organisation == caseworker.organisation
    assert household.caseworker == caseworker
    assert household.reference.startswith("HH-")
    assert household.needs.recorded_at is None
    assert _actions(household) == ["refugees.household.created"]


def test_only_caseworkers_create_households(coordinator):
    with pytest.raises(PermissionDenied):
        services.household_create(by=coordinator)


def test_a_member_change_is_audited_without_the_name(caseworker, household):
    member = services.member_save(
        household=household,
        by=caseworker,
        version=household.version,
        data={
            "full_name": "Olena Kovalenko",
            "date_of_birth": timezone.localdate().replace(year=1990),
            "sex": "f",
            "relation": "contact",
            "languages": [],
        },
    )
    services.member_save(
        household=household,
        by=caseworker,
        version=None,
        member=member,
        data={"full_name": "Olena Kowalenko", "occupation": "teacher"},
    )
    event = AuditEvent.objects.filter(action="refugees.member.changed").get()
    assert event.changes["full_name"] == "changed"
    assert event.changes["occupation"] == "changed"  # free text: by name only, like names
    assert "Kowalenko" not in str(event.changes)
    member.refresh_from_db()
    assert member.full_name == "Olena Kowalenko"


def test_a_household_has_one_contact_person(caseworker, household):
    MemberFactory(household=household, relation="contact")
    with pytest.raises(ValidationError) as error:
        services.member_save(
            household=household,
            by=caseworker,
            version=None,
            data={
                "full_name": "B",
                "date_of_birth": timezone.localdate(),
                "sex": "m",
                "relation": "contact",
                "languages": [],
            },
        )
    assert "relation" in error.value.message_dict
    assert household.members.count() == 1


def test_the_second_of_two_parallel_edits_gets_a_clear_message(caseworker, household):
    version = Household.objects.get(pk=household.pk).version
    services.needs_update(
        household=household, by=caseworker, version=version, data={"wheelchair": True}
    )
    with pytest.raises(ValidationError) as error:
        services.needs_update(
            household=household, by=caseworker, version=version, data={"wheelchair": False}
        )
    assert error.value.code == "stale"
    household.needs.refresh_from_db()
    assert household.needs.wheelchair is True


def test_another_organisations_caseworker_cannot_change_a_household(other_caseworker, household):
    with pytest.raises(PermissionDenied):
        services.needs_update(household=household, by=other_caseworker, version=None, data={})


def test_needs_changes_are_logged_by_name_only(caseworker, household):
    services.needs_update(
        household=household,
        by=caseworker,
        version=None,
        data={"psychotherapy": True, "specialist_care": ["dialysis"]},
    )
    event = AuditEvent.objects.get(action="refugees.needs.changed")
    assert event.changes == {"psychotherapy": "changed", "specialist_care": "changed"}


def test_wished_and_excluded_states_must_not_overlap(caseworker, household):
    with pytest.raises(ValidationError) as error:
        services.preferences_update(
            household=household,
            by=caseworker,
            version=None,
            data={"wished_states": ["SH"], "excluded_states": ["SH"]},
        )
    assert "excluded_states" in error.value.message_dict


def test_consent_is_recorded_once_and_audited(caseworker, household):
    consent = services.consent_record(household=household, by=caseworker, text_version="2026-1")
    assert consent.recorded_by == caseworker
    assert Household.objects.get(pk=household.pk).has_valid_consent
    with pytest.raises(ValidationError):
        services.consent_record(household=household, by=caseworker, text_version="2026-1")
    assert "refugees.consent.given" in _actions(household)


def test_consent_cannot_be_dated_in_the_future(caseworker, household):
    with pytest.raises(ValidationError):
        services.consent_record(
            household=household,
            by=caseworker,
            text_version="2026-1",
            given_at=timezone.now() + timedelta(days=1),
        )
    assert not household.consents.exists()


def test_a_household_without_valid_consent_cannot_enter_a_round(caseworker, household, open_round):
    MemberFactory(household=household)
    with pytest.raises(ValidationError):
        services.round_household_add(round=open_round, household=household, by=caseworker)
    assert not RoundHousehold.objects.exists()


def test_a_household_without_members_cannot_enter_a_round(caseworker, household, open_round):
    ConsentFactory(household=household)
    with pytest.raises(ValidationError):
        services.round_household_add(round=open_round, household=household, by=caseworker)


def test_a_complete_household_enters_an_open_round_once(caseworker, full_household, open_round):
    entry = services.round_household_add(round=open_round, household=full_household, by=caseworker)
    assert entry.added_by == caseworker
    assert "refugees.household.round_added" in _actions(full_household)
    with pytest.raises(ValidationError):
        services.round_household_add(round=open_round, household=full_household, by=caseworker)
    assert RoundHousehold.objects.count() == 1


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_households_cannot_enter_draft_or_closed_rounds(caseworker, full_household, status):
    round_ = OpenRoundFactory(status=status)
    with pytest.raises(PermissionDenied):
        services.round_household_add(round=round_, household=full_household, by=caseworker)


def test_withdrawing_consent_leaves_open_rounds_but_not_closed_ones(caseworker, full_household):
    open_round, closed_round = OpenRoundFactory(), OpenRoundFactory()
    services.round_household_add(round=open_round, household=full_household, by=caseworker)
    RoundHousehold.objects.create(round=closed_round, household=full_household)
    closed_round.status = "closed"
    closed_round.save()
    services.consent_withdraw(household=full_household, by=caseworker)
    full_household.refresh_from_db()
    assert list(full_household.round_entries.values_list("round", flat=True)) == [closed_round.pk]
    assert not full_household.has_valid_consent
    assert full_household.status == HouseholdStatus.WITHDRAWN
    consent = full_household.consents.get()
    assert consent.withdrawn_by == caseworker
    event = AuditEvent.objects.get(action="refugees.consent.withdrawn")
    assert event.changes == {"rounds_left": [open_round.name]}
    with pytest.raises(PermissionDenied):
        services.round_household_add(round=closed_round, household=full_household, by=caseworker)
    with pytest.raises(ValidationError):
        services.round_household_add(round=open_round, household=full_household, by=caseworker)


def test_consenting_again_after_withdrawal_reopens_the_record(caseworker, full_household):
    services.consent_withdraw(household=full_household, by=caseworker)
    services.consent_record(household=full_household, by=caseworker, text_version="2026-1")
    full_household.refresh_from_db()
    assert full_household.status == HouseholdStatus.DRAFT
    assert full_household.has_valid_consent


def test_linked_households_are_linked_both_ways_and_audited(caseworker, household, organisation):
    other = HouseholdFactory(organisation=organisation)
    services.household_link(household=household, other=other, by=caseworker)
    assert list(other.linked_households.all()) == [household]
    assert "refugees.household.linked" in _actions(other)
    services.household_unlink(household=other, other=household, by=caseworker)
    assert not household.linked_households.exists()
    assert "refugees.household.unlinked" in _actions(household)


def test_households_of_different_organisations_cannot_be_linked(caseworker, household):
    foreign = HouseholdFactory()
    with pytest.raises(PermissionDenied):
        services.household_link(household=household, other=foreign, by=caseworker)
    assert not household.linked_households.exists()


def test_a_household_cannot_be_linked_with_itself(caseworker, household):
    with pytest.raises(ValidationError):
        services.household_link(household=household, other=household, by=caseworker)


def test_a_household_is_marked_ready_only_when_complete(caseworker, household):
    with pytest.raises(ValidationError) as error:
        services.household_update(
            household=household, by=caseworker, version=None, data={"status": "ready"}
        )
    assert "status" in error.value.message_dict
    complete_household(household)
    services.household_update(
        household=household, by=caseworker, version=None, data={"status": "ready"}
    )
    household.refresh_from_db()
    assert household.status == HouseholdStatus.READY


def test_matching_statuses_are_not_set_by_hand(caseworker, full_household):
    with pytest.raises(ValidationError):
        services.household_update(
            household=full_household, by=caseworker, version=None, data={"status": "relocated"}
        )


def test_the_caseworker_must_belong_to_the_organisation(caseworker, other_caseworker, household):
    with pytest.raises(ValidationError):
        services.household_update(
            household=household, by=caseworker, version=None, data={"caseworker": other_caseworker}
        )


def test_reads_by_staff_are_audited_and_by_the_household_not(caseworker, refugee, household):
    services.household_view_log(household=household, by=caseworker)
    services.household_view_log(household=household, by=refugee)
    assert _actions(household) == ["refugees.household.viewed"]
