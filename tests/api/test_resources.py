"""What the endpoints do: validation errors in the one error shape, pagination, filtering,
ordering, audit of profile reads, anonymised offers, runs, results, exports and the import."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from accounts.models import AuditEvent
from matching.models import Offer, OfferStatus, Run, RunStatus
from refugees.models import Household
from tests.factories import HouseholdFactory, import_csv, import_rows, import_xlsx

pytestmark = pytest.mark.django_db

MEMBER = {"full_name": "Olena K", "date_of_birth": "1988-03-04", "sex": "f", "relation": "contact"}


def test_a_household_is_created_whole_with_members_needs_preferences_and_consent(
    api_caseworker, caseworker
):
    body = {
        "notes": "Ground floor.",
        "status": "ready",
        "members": [
            {**MEMBER, "languages": [{"code": "uk", "level": "native"}], "sector": "84"},
            {
                "full_name": "Maksym K",
                "date_of_birth": "2017-05-01",
                "sex": "m",
                "relation": "child",
            },
        ],
        "needs": {"wheelchair": True, "specialist_care": ["dialysis"]},
        "preferences": {"wished_states": ["BE"], "weight_work": 5},
        "consent": {"text_version": "2026-1", "given_on": "2026-01-15"},
    }
    response = api_caseworker.post("/api/v1/households/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    household = Household.objects.get(pk=data["id"])
    assert household.organisation == caseworker.organisation
    assert household.status == "ready"
    assert household.members.count() == 2
    assert household.needs.specialist_care == ["dialysis"]
    assert household.preferences.weight_work == 5
    assert household.has_valid_consent
    assert data["completeness"] == 100
    assert AuditEvent.objects.filter(
        target_id=str(household.pk), action="refugees.household.created"
    ).exists()


def test_validation_errors_name_every_field_in_one_shape(api_caseworker):
    member = {"full_name": "", "date_of_birth": "soon", "sex": "x", "relation": "contact"}
    body = {"members": [member], "needs": {"specialist_care": ["magic"]}}
    response = api_caseworker.post("/api/v1/households/", body, format="json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == "urn:rematch:problem:validation-error"
    assert problem["title"] == "Invalid request"
    fields = {e["field"] for e in problem["errors"]}
    assert {
        "members.0.full_name",
        "members.0.date_of_birth",
        "members.0.sex",
        "needs.specialist_care.0",
    } <= fields
    assert not Household.objects.exists()


def test_a_household_needs_one_contact_person(api_caseworker):
    body = {"members": [{**MEMBER, "relation": "child"}]}
    response = api_caseworker.post("/api/v1/households/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "members"
    assert not Household.objects.exists()


def test_service_validation_errors_become_400_with_the_field(api_caseworker, household):
    # The model's own rule (not the serializer's): a date of birth in the future.
    body = {**MEMBER, "date_of_birth": "2999-01-01"}
    response = api_caseworker.post(
        f"/api/v1/households/{household.pk}/members/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "date_of_birth"
    assert not household.members.exists()


def test_a_stale_version_is_refused(api_caseworker, household):
    url = f"/api/v1/households/{household.pk}/"
    assert api_caseworker.patch(url, {"notes": "a", "version": 1}, format="json").status_code == 200
    response = api_caseworker.patch(url, {"notes": "b", "version": 1}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "stale"
    household.refresh_from_db()
    assert household.notes == "a"


def test_members_are_added_changed_and_removed(api_caseworker, household):
    base = f"/api/v1/households/{household.pk}/members/"
    member = api_caseworker.post(base, MEMBER, format="json").json()
    response = api_caseworker.patch(
        f"{base}{member['id']}/", {"occupation": "Nurse"}, format="json"
    )
    assert response.status_code == 200
    assert household.members.get().occupation == "Nurse"
    assert api_caseworker.delete(f"{base}{member['id']}/").status_code == 204
    assert not household.members.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "refugees.member.added",
        "refugees.member.changed",
        "refugees.member.removed",
    } <= actions


def test_reading_a_full_profile_is_audited_for_staff_but_not_for_the_household(
    api_coordinator, api_refugee, household
):
    api_coordinator.get(f"/api/v1/households/{household.pk}/")
    api_refugee.get(f"/api/v1/households/{household.pk}/")
    views = AuditEvent.objects.filter(action="refugees.household.viewed")
    assert views.count() == 1
    assert views.get().actor.is_coordinator


def test_lists_are_paginated(api_caseworker, organisation, django_assert_max_num_queries):
    HouseholdFactory.create_batch(7, organisation=organisation)
    with django_assert_max_num_queries(12):
        response = api_caseworker.get("/api/v1/households/?page_size=3&page=2")
    data = response.json()
    assert data["count"] == 7
    assert len(data["results"]) == 3
    assert data["next"]
    assert data["previous"]
    assert api_caseworker.get("/api/v1/households/?page=99").status_code == 404


def test_lists_filter_and_order(api_caseworker, organisation):
    HouseholdFactory(organisation=organisation, reference="HH-B", status="ready")
    HouseholdFactory(organisation=organisation, reference="HH-A", status="draft")
    data = api_caseworker.get("/api/v1/households/?status=ready").json()
    assert [h["reference"] for h in data["results"]] == ["HH-B"]
    data = api_caseworker.get("/api/v1/households/?ordering=reference").json()
    assert [h["reference"] for h in data["results"]][:2] == ["HH-A", "HH-B"]
    response = api_caseworker.get("/api/v1/households/?status=nonsense")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"


def test_lists_hold_no_personal_data(api_caseworker, household):
    result = api_caseworker.get("/api/v1/households/").json()["results"][0]
    assert "members" not in result
    assert "notes" not in result


# --- Runs, results, offers ----------------------------------------------------------------------


def test_starting_a_run_answers_202_and_a_second_one_is_refused(
    api_coordinator, small_round, coordinator
):
    url = f"/api/v1/rounds/{small_round.pk}/runs/"
    response = api_coordinator.post(url, {"method": "auto", "time_limit": 10}, format="json")
    assert response.status_code == 202
    run = Run.objects.get(pk=response.json()["id"])
    assert run.status == RunStatus.QUEUED  # the worker picks it up after the commit
    assert AuditEvent.objects.filter(action="matching.run.started").exists()
    second = api_coordinator.post(url, {}, format="json")
    assert second.status_code == 400
    assert "in progress" in second.json()["detail"]
    assert Run.objects.count() == 1


def test_a_run_with_a_bad_time_limit_is_refused(api_coordinator, small_round):
    url = f"/api/v1/rounds/{small_round.pk}/runs/"
    response = api_coordinator.post(url, {"time_limit": 0}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "time_limit"
    assert not Run.objects.exists()


def test_a_coordinator_reads_the_results_with_a_token(api_coordinator, published_run):
    response = api_coordinator.get(f"/api/v1/rounds/{published_run.round_id}/results/")
    data = response.json()
    assert data["run"]["id"] == published_run.pk
    rows = {row["household"]: row for row in data["rows"]}
    assert rows["HH-00042"]["municipality"] == "Troisdorf"
    assert rows["HH-00042"]["offer_status"] == "pending"
    status = api_coordinator.get(f"/api/v1/runs/{published_run.pk}/").json()
    assert status["status"] == "succeeded"
    assert status["progress"] == 100
    proposals = api_coordinator.get(f"/api/v1/runs/{published_run.pk}/proposals/").json()
    assert proposals["count"] == len(data["rows"])


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_results_and_questionnaires_export(api_coordinator, published_run, kind):
    round_id = published_run.round_id
    response = api_coordinator.get(f"/api/v1/rounds/{round_id}/results/export/?file_type={kind}")
    assert response.status_code == 200
    assert f'.{kind}"' in response["Content-Disposition"]
    if kind == "csv":
        assert "HH-00042" in response.content.decode("utf-8-sig")
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert "HH-00042" in [row[0] for row in sheet.iter_rows(values_only=True)]
    questionnaires = api_coordinator.get(
        f"/api/v1/rounds/{round_id}/questionnaires/export/?file_type={kind}"
    )
    assert questionnaires.status_code == 200
    bad = api_coordinator.get(f"/api/v1/rounds/{round_id}/results/export/?file_type=pdf")
    assert bad.status_code == 400


def test_run_files_download(api_coordinator, published_run):
    response = api_coordinator.get(f"/api/v1/runs/{published_run.pk}/instance/")
    assert response.status_code == 200
    assert response.json()["format"].startswith("rematch-instance")
    assert api_coordinator.get(f"/api/v1/runs/{published_run.pk}/result/").status_code == 200


def test_staff_see_an_anonymised_profile_until_both_accept(
    api_other_staff, api_refugee, published_run, household
):
    offer = Offer.objects.get(household=household)
    url = f"/api/v1/offers/{offer.pk}/"
    profile = api_other_staff.get(url).json()["profile"]
    assert profile["names_revealed"] is False
    assert all(m["name"] == "" for m in profile["members"])
    assert "Olena" not in str(profile)
    assert api_refugee.get(url).json()["profile"] is None
    assert api_refugee.post(f"{url}answer/", {"accept": True}, format="json").status_code == 200
    response = api_other_staff.post(f"{url}answer/", {"accept": True}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response.json()["profile"]["names_revealed"] is True
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    assert AuditEvent.objects.filter(action="matching.offer.municipality_confirmed").exists()


def test_a_household_may_decline_through_the_api_without_a_reason(
    api_refugee, published_run, household
):
    """/for-refugees/ promises that no one has to say why: the API keeps that promise too."""
    offer = Offer.objects.get(household=household)
    response = api_refugee.post(
        f"/api/v1/offers/{offer.pk}/answer/", {"accept": False}, format="json"
    )
    assert response.status_code == 200, response.content
    offer.refresh_from_db()
    assert offer.household_answer == "no"
    assert offer.household_reason_code == "not_given"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason_code": "housing_unavailable"}, "reason_code"),  # a municipality's reason
        ({"reason_code": "no_such_code"}, "reason_code"),
        ({"reason_code": "other"}, "reason"),  # "other" needs the note
    ],
)
def test_a_decline_needs_a_fitting_reason_code(
    api_refugee, published_run, household, payload, field
):
    offer = Offer.objects.get(household=household)
    response = api_refugee.post(
        f"/api/v1/offers/{offer.pk}/answer/", {"accept": False, **payload}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    offer.refresh_from_db()
    assert offer.household_answer == ""
    assert not offer.round.pair_rules.exists()


def test_a_decline_through_the_api_stores_the_code_and_bans_by_code(
    api_refugee, published_run, household
):
    offer = Offer.objects.get(household=household)
    response = api_refugee.post(
        f"/api/v1/offers/{offer.pk}/answer/",
        {"accept": False, "reason_code": "family_reunification", "reason": "Sister in Kiel"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["household_reason_code"] == "family_reunification"
    rule = offer.round.pair_rules.get()
    assert (rule.kind, rule.source, rule.reason_code, rule.reason) == (
        "ban",
        "declined",
        "family_reunification",
        "",
    )


def test_the_second_answer_of_the_same_side_gets_a_clear_message(
    api_refugee, api_caseworker, published_run, household
):
    offer = Offer.objects.get(household=household)
    url = f"/api/v1/offers/{offer.pk}/answer/"
    assert api_refugee.post(url, {"accept": True}, format="json").status_code == 200
    response = api_caseworker.post(url, {"accept": True}, format="json")
    assert response.status_code == 400
    assert "answered" in response.json()["detail"]


# --- Import through the API ---------------------------------------------------------------------


def _post_file(client, content: bytes, name: str, **extra):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post("/api/v1/households/import/", {"file": upload, **extra}, format="multipart")


def test_an_organisation_imports_500_households_through_the_api(api_caseworker, caseworker):
    response = _post_file(api_caseworker, import_xlsx(import_rows(500)), "households.xlsx")
    assert response.status_code == 201, response.content[:500]
    data = response.json()
    assert data["households"] == 500
    assert data["members"] == 1000
    assert Household.objects.filter(organisation=caseworker.organisation).count() == 500


def test_a_dry_run_saves_nothing(api_caseworker):
    response = _post_file(api_caseworker, import_csv(import_rows(2)), "h.csv", dry_run="true")
    assert response.status_code == 200
    assert response.json()["valid"] is True
    assert response.json()["saved"] is False
    assert not Household.objects.exists()


def test_import_errors_come_back_per_row_and_column(api_caseworker):
    rows = import_rows(2)
    rows[3]["date_of_birth"] = "later"
    response = _post_file(api_caseworker, import_csv(rows), "h.csv")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "rows.5.date_of_birth"
    assert not Household.objects.exists()


def test_an_unreadable_file_is_a_400_on_the_file_field(api_caseworker):
    response = _post_file(api_caseworker, b"\x00\x01", "h.exe")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"


def test_the_import_template_downloads(api_caseworker):
    response = api_caseworker.get("/api/v1/households/import-template/?language=en&file_type=csv")
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").startswith("household_key;relation")


# --- Schema and documentation -------------------------------------------------------------------


def test_the_schema_is_public_and_describes_the_error_shape(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert "Problem" in schema["components"]["schemas"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    household_get = schema["paths"]["/api/v1/households/{id}/"]["get"]["responses"]
    assert {"200", "401", "403", "404", "429"} <= set(household_get)


def test_the_docs_page_has_no_inline_script(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "'nonce-" in response["Content-Security-Policy"]
    assert "<script>" not in page
    assert "cdn" not in page.lower()
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


# --- Evaluation ---------------------------------------------------------------------------------


def test_a_coordinator_reads_a_rounds_evaluation_metrics(api_coordinator, published_run):
    response = api_coordinator.get(f"/api/v1/rounds/{published_run.round_id}/metrics/")
    assert response.status_code == 200
    data = response.json()
    assert data["runs"][0]["run"] == published_run.pk
    assert data["runs"][0]["metrics"]["matched_households"] == published_run.matched_households
    assert data["overall"]["matched_households"] == 0  # nobody has accepted yet
    assert data["offers"]["offers"] == Offer.objects.count()
    assert "with" in data["overall"]["relatives"]


@pytest.mark.parametrize("role", ["staff", "caseworker", "refugee"])
def test_only_coordinators_read_metrics(api_clients, published_run, role):
    response = api_clients(role).get(f"/api/v1/rounds/{published_run.round_id}/metrics/")
    assert response.status_code == 403


def test_metrics_of_an_unknown_round_are_a_404(api_coordinator):
    assert api_coordinator.get("/api/v1/rounds/999999/metrics/").status_code == 404


def test_the_offer_list_filters_what_is_left_to_do_after_both_sides_agreed(
    api_coordinator, published_run
):
    """The same selections as the municipality's dashboard and the offer list's filters."""
    from django.utils import timezone

    offers = Offer.objects.all()
    assert offers.exists()
    offers.update(status=OfferStatus.ACCEPTED, household_answer="yes", municipality_answer="yes")

    def listed(value: str) -> set[int]:
        response = api_coordinator.get("/api/v1/offers/", {"to_do": value})
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    everyone = set(offers.values_list("pk", flat=True))
    assert listed("travel_date_missing") == everyone
    assert listed("arrival_due") == set()
    offers.update(travel_date=timezone.localdate())
    assert listed("travel_date_missing") == set()
    assert listed("arrival_due") == everyone
    assert api_coordinator.get("/api/v1/offers/", {"to_do": "soon"}).status_code == 400
