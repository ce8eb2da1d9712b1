from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from municipalities.models import HousingUnit, Questionnaire, QuestionnaireStatus
from tests.factories import HousingUnitFactory, QuestionnaireFactory

pytestmark = pytest.mark.django_db

EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}


def section_url(q, section):
    return reverse("questionnaire_section", args=[q.municipality.slug, q.round_id, section])


def url(name, q, *args):
    return reverse(name, args=[q.municipality.slug, q.round_id, *args])


EDUCATION = {
    "school_places_primary": "5",
    "school_places_secondary": "4",
    "school_places_vocational": "1",
    "kita_places_under3": "1",
    "kita_places_3to6": "2",
}


def post_section(client, q, section, data, version=None):
    version = q.version if version is None else version
    return client.post(section_url(q, section), {**data, "version": version}, **EN)


@pytest.fixture
def complete(participation):
    return QuestionnaireFactory(round=participation.round, municipality=participation.municipality)


# --- Starting and filling in ---------------------------------------------------------------------


def test_staff_starts_the_questionnaire_of_an_invited_round(as_staff, participation):
    response = as_staff.post(url("questionnaire_start", participation), **EN)
    questionnaire = Questionnaire.objects.get()
    assert response.status_code == 302
    assert response["Location"] == section_url(questionnaire, "accommodation")
    assert questionnaire.municipality == participation.municipality
    assert questionnaire.status == QuestionnaireStatus.DRAFT
    assert AuditEvent.objects.filter(action="municipalities.questionnaire.created").count() == 1


def test_starting_twice_keeps_one_questionnaire(as_staff, participation):
    as_staff.post(url("questionnaire_start", participation))
    as_staff.post(url("questionnaire_start", participation))
    assert Questionnaire.objects.count() == 1


def test_the_questionnaire_cannot_be_started_before_it_opens(as_staff, participation):
    participation.round.questionnaire_opens = timezone.localdate() + timedelta(days=1)
    participation.round.save()
    response = as_staff.post(url("questionnaire_start", participation), follow=True, **EN)
    assert "The questionnaire opens on" in response.content.decode()
    assert not Questionnaire.objects.exists()


def test_saving_a_section_stores_a_draft_marks_it_complete_and_moves_on(
    as_staff, staff, questionnaire
):
    response = post_section(as_staff, questionnaire, "education", EDUCATION)
    assert response.status_code == 302
    assert response["Location"] == section_url(questionnaire, "courses")
    questionnaire.refresh_from_db()
    assert questionnaire.school_places_primary == 5
    assert questionnaire.capacity()["school"] == 10
    assert questionnaire.capacity()["kita"] == 3
    assert questionnaire.status == QuestionnaireStatus.DRAFT
    assert questionnaire.completed_sections == ["education"]
    assert questionnaire.version == 2
    assert questionnaire.updated_by == staff
    event = AuditEvent.objects.get(action="municipalities.questionnaire.changed")
    assert event.actor == staff
    assert event.changes["school_places_primary"] == [0, 5]


def test_health_section_stores_specialist_care_as_a_list(as_staff, questionnaire):
    data = {
        "gp_availability": "good",
        "paediatrics_availability": "none",
        "psychotherapy_places": "2",
        "specialist_care": ["dialysis", "oncology"],
    }
    assert post_section(as_staff, questionnaire, "health", data).status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.specialist_care == ["dialysis", "oncology"]
    assert questionnaire.capacity()["psychotherapy"] == 2
    # Health details are sensitive: the audit log names the field without values.
    event = AuditEvent.objects.get(action="municipalities.questionnaire.changed")
    assert event.changes["specialist_care"] == "changed"


def test_labour_section_stores_sectors_from_the_kldb_list(as_staff, questionnaire):
    data = {
        "sectors_in_demand": ["81", "52"],
        "apprenticeship_places": "3",
        "recognition_counselling": "on",
    }
    assert post_section(as_staff, questionnaire, "labour", data).status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.sectors_in_demand == ["81", "52"]
    assert questionnaire.recognition_counselling is True


def test_an_unknown_sector_is_refused(as_staff, questionnaire):
    data = {"sectors_in_demand": ["99"], "apprenticeship_places": "3"}
    response = post_section(as_staff, questionnaire, "labour", data)
    assert response.status_code == 200
    assert response.context["form"].errors["sectors_in_demand"]
    questionnaire.refresh_from_db()
    assert questionnaire.sectors_in_demand == []


def test_the_last_section_returns_to_the_overview(as_staff, questionnaire):
    data = {
        "ukrainian_community": "small",
        "migrant_organisations": "1",
        "public_transport": "fair",
        "notes": "",
    }
    response = post_section(as_staff, questionnaire, "community", data)
    assert response["Location"] == url("participation_detail", questionnaire)


def test_an_unknown_section_is_404(as_staff, questionnaire):
    assert as_staff.get(section_url(questionnaire, "secrets")).status_code == 404


# --- Validation: a clear message next to the field, nothing saved ---------------------------------


def test_negative_numbers_are_refused_next_to_the_field(as_staff, questionnaire):
    response = post_section(
        as_staff, questionnaire, "education", {**EDUCATION, "kita_places_3to6": "-2"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["kita_places_3to6"] == ["Enter 0 or a positive number."]
    assert 'id="id_kita_places_3to6_error"' in response.content.decode()
    questionnaire.refresh_from_db()
    assert questionnaire.school_places_primary == 0
    assert questionnaire.completed_sections == []
    assert questionnaire.version == 1


@pytest.mark.parametrize(
    ("section", "data", "field"),
    [
        ("education", {**EDUCATION, "school_places_primary": "99999"}, "school_places_primary"),
        ("accommodation", {"aggregate_places": "10001"}, "aggregate_places"),
    ],
)
def test_an_implausibly_large_count_is_refused_next_to_the_field(
    as_staff, questionnaire, section, data, field
):
    response = post_section(as_staff, questionnaire, section, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [
        "More than 10,000 is implausible for one municipality: please check the number."
    ]
    questionnaire.refresh_from_db()
    assert questionnaire.completed_sections == []
    assert questionnaire.version == 1


@pytest.mark.parametrize(("language", "limit"), [("de", "10.000"), ("uk", "10\xa0000")])
def test_the_limit_is_written_as_the_reader_writes_numbers(
    as_staff, questionnaire, language, limit
):
    """Django's validator put the bare 10000 into the message, in every language."""
    data = {**EDUCATION, "school_places_primary": "99999", "version": questionnaire.version}
    response = as_staff.post(
        section_url(questionnaire, "education"), data, HTTP_ACCEPT_LANGUAGE=language
    )
    (message,) = response.context["form"].errors["school_places_primary"]
    assert limit in message
    assert "10000" not in message


def test_a_missing_answer_is_required_on_its_section_page(as_staff, questionnaire):
    data = {"gp_availability": "good", "psychotherapy_places": "0"}
    response = post_section(as_staff, questionnaire, "health", data)
    assert response.context["form"].errors["paediatrics_availability"]
    questionnaire.refresh_from_db()
    assert questionnaire.gp_availability == ""


def test_accommodation_needs_places_or_units(as_staff, questionnaire):
    response = post_section(as_staff, questionnaire, "accommodation", {"aggregate_places": "0"})
    assert response.status_code == 200
    assert "add at least one housing unit" in response.context["form"].errors["aggregate_places"][0]
    questionnaire.refresh_from_db()
    assert questionnaire.completed_sections == []


def add_unit(client, q, version=None, **overrides):
    data = {
        "unit-kind": "flat",
        "unit-beds": "4",
        "unit-district": "Gaarden",
        "unit-available_from": "",
        "unit-version": q.version if version is None else version,
        **{f"unit-{k}": v for k, v in overrides.items()},
    }
    return client.post(url("housing_unit_add", q), data, **EN)


def test_staff_adds_a_housing_unit(as_staff, staff, questionnaire):
    response = add_unit(as_staff, questionnaire, wheelchair_accessible="on", pets_allowed="on")
    assert response.status_code == 302
    unit = HousingUnit.objects.get()
    assert (unit.beds, unit.wheelchair_accessible, unit.pets_allowed) == (4, True, True)
    questionnaire.refresh_from_db()
    assert questionnaire.version == 2
    assert questionnaire.capacity() == {
        "persons": 4,
        "school": 0,
        "kita": 0,
        "accessible": 1,
        "psychotherapy": 0,
    }
    assert AuditEvent.objects.filter(action="municipalities.housing_unit.created").count() == 1


@pytest.mark.parametrize(
    ("beds", "message"),
    [("0", "A unit has at least 1 bed."), ("13", "More than 12 beds in one unit is implausible")],
)
def test_implausible_beds_are_refused(as_staff, questionnaire, beds, message):
    response = add_unit(as_staff, questionnaire, beds=beds)
    assert response.status_code == 400
    assert message in response.context["unit_form"].errors["beds"][0]
    assert not HousingUnit.objects.exists()


def test_a_refused_unit_page_still_saves_the_section_to_the_section(as_staff, questionnaire):
    """Shown again at the unit form's address, the section's own form must not post there."""
    response = add_unit(as_staff, questionnaire, beds="0")
    assert response.status_code == 400
    section = url("questionnaire_section", questionnaire, "accommodation")
    assert f'<form method="post" action="{section}"' in response.content.decode()


def test_a_unit_available_after_the_arrival_date_is_refused(as_staff, questionnaire):
    late = questionnaire.round.arrival_date + timedelta(days=1)
    response = add_unit(as_staff, questionnaire, available_from=late.isoformat())
    assert response.status_code == 400
    assert (
        "available by the round's arrival date"
        in response.context["unit_form"].errors["available_from"][0]
    )
    assert not HousingUnit.objects.exists()


def test_a_unit_available_on_the_arrival_date_is_fine(as_staff, questionnaire):
    response = add_unit(
        as_staff, questionnaire, available_from=questionnaire.round.arrival_date.isoformat()
    )
    assert response.status_code == 302
    assert HousingUnit.objects.count() == 1


def test_the_questionnaire_cannot_be_edited_before_it_opens(as_staff, questionnaire):
    questionnaire.round.questionnaire_opens = timezone.localdate() + timedelta(days=3)
    questionnaire.round.save()
    response = post_section(as_staff, questionnaire, "education", EDUCATION)
    assert response.status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.school_places_primary == 0
    page = as_staff.get(section_url(questionnaire, "education"), **EN).content.decode()
    assert "The questionnaire opens on" in page
    assert 'name="school_places_primary"' not in page
    assert add_unit(as_staff, questionnaire).status_code == 302
    assert not HousingUnit.objects.exists()


def test_staff_edits_and_removes_a_unit(as_staff, questionnaire):
    unit = HousingUnitFactory(questionnaire=questionnaire, beds=3)
    edit = url("housing_unit_edit", questionnaire, unit.pk)
    assert as_staff.get(edit).status_code == 200
    data = {"kind": "shared_flat", "beds": "5", "district": "Mitte", "version": 1}
    assert as_staff.post(edit, data).status_code == 302
    unit.refresh_from_db()
    assert (unit.kind, unit.beds) == ("shared_flat", 5)
    response = as_staff.post(url("housing_unit_delete", questionnaire, unit.pk), {"version": 2})
    assert response.status_code == 302
    assert not HousingUnit.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"municipalities.housing_unit.changed", "municipalities.housing_unit.deleted"} <= actions


def test_editing_a_unit_with_too_many_beds_changes_nothing(as_staff, questionnaire):
    unit = HousingUnitFactory(questionnaire=questionnaire, beds=3)
    data = {"kind": "flat", "beds": "40", "version": 1}
    response = as_staff.post(url("housing_unit_edit", questionnaire, unit.pk), data, **EN)
    assert response.status_code == 200
    assert response.context["form"].errors["beds"]
    unit.refresh_from_db()
    assert unit.beds == 3


# --- Optimistic locking ---------------------------------------------------------------------------


def test_the_second_of_two_concurrent_saves_gets_a_clear_message_and_changes_nothing(
    as_staff, coordinator, questionnaire
):
    from tests.conftest import login

    as_colleague = login(coordinator)
    loaded_version = questionnaire.version  # both opened the page at this version
    first = post_section(as_staff, questionnaire, "education", EDUCATION, loaded_version)
    assert first.status_code == 302
    second = as_colleague.post(
        section_url(questionnaire, "education"),
        {**EDUCATION, "school_places_primary": "99", "version": loaded_version},
        follow=True,
        **EN,
    )
    assert "Someone else saved this questionnaire in the meantime" in second.content.decode()
    questionnaire.refresh_from_db()
    assert questionnaire.school_places_primary == 5
    assert questionnaire.version == loaded_version + 1
    assert AuditEvent.objects.filter(action="municipalities.questionnaire.changed").count() == 1


def test_a_stale_unit_form_adds_nothing(as_staff, questionnaire):
    post_section(as_staff, questionnaire, "education", EDUCATION)
    response = add_unit(as_staff, questionnaire, version=1)
    assert response.status_code == 302
    assert not HousingUnit.objects.exists()


def test_a_stale_submit_is_refused(as_staff, complete):
    response = as_staff.post(
        url("questionnaire_submit", complete), {"version": complete.version - 1}, follow=True, **EN
    )
    assert "Someone else saved this questionnaire" in response.content.decode()
    complete.refresh_from_db()
    assert complete.status == QuestionnaireStatus.DRAFT


# --- Submit and reopen ----------------------------------------------------------------------------


def test_an_incomplete_questionnaire_cannot_be_submitted(as_staff, questionnaire):
    post_section(as_staff, questionnaire, "education", EDUCATION)
    questionnaire.refresh_from_db()
    response = as_staff.post(
        url("questionnaire_submit", questionnaire),
        {"version": questionnaire.version},
        follow=True,
        **EN,
    )
    assert "Please complete these sections first: Accommodation, Language courses" in (
        response.content.decode()
    )
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.DRAFT


def test_staff_submit_a_complete_questionnaire_which_is_then_read_only(as_staff, staff, complete):
    response = as_staff.post(url("questionnaire_submit", complete), {"version": complete.version})
    assert response.status_code == 302
    complete.refresh_from_db()
    assert complete.status == QuestionnaireStatus.SUBMITTED
    assert complete.submitted_at is not None
    assert complete.submitted_by == staff
    assert AuditEvent.objects.filter(action="municipalities.questionnaire.submitted").exists()

    page = as_staff.get(section_url(complete, "education"), **EN).content.decode()
    assert "The questionnaire has been submitted" in page
    assert 'name="school_places_primary"' not in page
    post_section(as_staff, complete, "education", {**EDUCATION, "school_places_primary": "50"})
    add_unit(as_staff, complete)
    complete.refresh_from_db()
    assert complete.school_places_primary == 3
    assert not HousingUnit.objects.exists()


def test_a_coordinator_reopens_a_submitted_questionnaire_and_staff_are_told(
    as_coordinator, staff, complete, django_capture_on_commit_callbacks
):
    complete.status = QuestionnaireStatus.SUBMITTED
    complete.submitted_at = timezone.now()
    complete.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(url("questionnaire_reopen", complete))
    assert response.status_code == 302
    complete.refresh_from_db()
    assert complete.status == QuestionnaireStatus.DRAFT
    assert complete.submitted_at is None
    assert AuditEvent.objects.filter(action="municipalities.questionnaire.reopened").exists()
    assert [m.to for m in mail.outbox] == [[staff.email]]


def test_staff_cannot_reopen_their_own_questionnaire(as_staff, complete):
    complete.status = QuestionnaireStatus.SUBMITTED
    complete.save()
    assert as_staff.post(url("questionnaire_reopen", complete)).status_code == 403
    complete.refresh_from_db()
    assert complete.status == QuestionnaireStatus.SUBMITTED


def test_the_overview_shows_progress_and_offers_submission_when_complete(as_staff, complete):
    page = as_staff.get(url("participation_detail", complete), **EN).content.decode()
    assert "6 of 6 sections complete" in page
    assert "Submit questionnaire" in page


def test_the_overview_shows_which_sections_are_missing(as_staff, questionnaire):
    page = as_staff.get(url("participation_detail", questionnaire), **EN).content.decode()
    assert "0 of 6 sections complete" in page
    assert "Submit questionnaire" not in page


# --- The interface the matching reads -------------------------------------------------------------


def test_capacity_sums_beds_places_and_counts_accessible_units(complete):
    HousingUnitFactory(questionnaire=complete, beds=4, wheelchair_accessible=True)
    HousingUnitFactory(questionnaire=complete, beds=2, pets_allowed=True)
    assert complete.capacity() == {
        "persons": 16,
        "school": 6,
        "kita": 3,
        "accessible": 1,
        "psychotherapy": 1,
    }
    assert complete.largest_unit_beds() == 4
    assert complete.has_pet_friendly_housing() is True


def test_without_units_there_is_no_largest_unit_and_aggregate_places_allow_pets(complete):
    assert complete.largest_unit_beds() is None
    assert complete.has_pet_friendly_housing() is True
    complete.aggregate_places = 0
    assert complete.has_pet_friendly_housing() is False


def test_units_that_forbid_pets_make_the_municipality_not_pet_friendly(complete):
    HousingUnitFactory(questionnaire=complete, pets_allowed=False)
    assert complete.has_pet_friendly_housing() is False


def test_visible_to_scopes_questionnaires_by_role(
    coordinator, staff, caseworker, refugee, questionnaire, other_questionnaire
):
    assert set(Questionnaire.objects.visible_to(coordinator)) == {
        questionnaire,
        other_questionnaire,
    }
    assert list(Questionnaire.objects.visible_to(staff)) == [questionnaire]
    assert not Questionnaire.objects.visible_to(caseworker).exists()
    assert not Questionnaire.objects.visible_to(refugee).exists()
    other_questionnaire.status = QuestionnaireStatus.SUBMITTED
    other_questionnaire.save()
    assert list(Questionnaire.objects.submitted()) == [other_questionnaire]


def test_a_unit_of_another_questionnaire_cannot_be_reached_through_my_url(
    as_staff, questionnaire, other_questionnaire
):
    from municipalities.models import HousingUnit
    from tests.factories import HousingUnitFactory

    foreign = HousingUnitFactory(questionnaire=other_questionnaire)
    slug, round_pk = questionnaire.municipality.slug, questionnaire.round_id
    url = reverse("housing_unit_edit", args=[slug, round_pk, foreign.pk])
    assert as_staff.get(url).status_code == 404
    delete = reverse("housing_unit_delete", args=[slug, round_pk, foreign.pk])
    assert as_staff.post(delete, {"version": 1}).status_code == 404
    assert HousingUnit.objects.filter(pk=foreign.pk).exists()
