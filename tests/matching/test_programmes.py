"""Programmes of several cohorts: the year's capacity carried over, households waiting for the
next cohort, the forecast of who is still to come, and the programme pages."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from matching.models import Offer, Proposal, Run
from matching.run_files import run_file_document
from matching.services import runs as run_services
from matching.services.instance import load_round
from matching.services.offers import run_publish
from matching.services.programmes import programme_table
from municipalities.models import ProgrammePledge, Questionnaire, RoundMunicipality
from municipalities.services.programmes import programme_cohort_add, programme_pledge_set
from refugees.models import Consent
from rounds.models import Programme
from rounds.services.programmes import programme_create
from rounds.services.rounds import round_open_questionnaire
from tests.matching.builders import add_household, add_municipality, make_round

pytestmark = pytest.mark.django_db


def run(round_, coordinator, django_capture_on_commit_callbacks, **kwargs) -> Run:
    with django_capture_on_commit_callbacks(execute=True):
        started = run_services.run_start(round=round_, by=coordinator, **kwargs)
    started.refresh_from_db()
    assert started.status == "succeeded", started.error
    return started


@pytest.fixture
def programme(coordinator, municipality):
    """Programm 2027; Kiel pledged 6 persons and one Kita place for the year."""
    programme = programme_create(
        by=coordinator,
        data={
            "name": "Programm 2027",
            "starts_on": date(2027, 1, 1),
            "ends_on": date(2027, 12, 31),
        },
    )
    programme_pledge_set(
        programme=programme,
        municipality=municipality,
        by=coordinator,
        amounts={"persons": 6, "kita": 1},
    )
    return programme


@pytest.fixture
def first_cohort(programme, municipality, organisation):
    """Cohort 1: Kiel offers one 4-bed flat (4 persons); three households of 2, 2 and 3."""
    cohort = make_round(name="Kohorte 1", programme=programme, expected_households=3)
    add_municipality(cohort, municipality, units=[(4, False, False)], kita_places_3to6=1)
    add_household(cohort, organisation, "HH-1", ages=(30, 8))
    add_household(cohort, organisation, "HH-2", ages=(40, 41))
    add_household(cohort, organisation, "HH-3", ages=(35, 36, 10))
    return cohort


def second_cohort(programme, coordinator, expected=2):
    cohort = programme_cohort_add(
        programme=programme,
        by=coordinator,
        data={
            "name": "Kohorte 2",
            "questionnaire_opens": date(2027, 4, 1),
            "questionnaire_deadline": date(2027, 5, 1),
            "arrival_date": date(2027, 6, 1),
            "offer_reply_days": 7,
            "expected_households": expected,
        },
    )
    return round_open_questionnaire(round=cohort, by=coordinator)


def test_a_new_cohort_invites_the_pledged_municipalities_and_carries_their_questionnaire_over(
    programme, first_cohort, coordinator, municipality
):
    cohort = second_cohort(programme, coordinator)
    assert cohort.programme == programme
    participation = RoundMunicipality.objects.get(round=cohort, municipality=municipality)
    assert participation.pledged_persons == 6
    copy = Questionnaire.objects.get(round=cohort, municipality=municipality)
    original = first_cohort.questionnaires.get(municipality=municipality)
    assert copy.pk != original.pk
    assert copy.capacity() == original.capacity()
    assert copy.housing_units.count() == 1
    assert original.housing_units.count() == 1
    assert AuditEvent.objects.filter(action="rounds.programme.cohort_added").exists()


def test_a_cohort_arriving_outside_the_programme_year_is_refused(programme, coordinator):
    with pytest.raises(ValidationError, match="within the programme"):
        programme_cohort_add(
            programme=programme,
            by=coordinator,
            data={
                "name": "Zu spät",
                "questionnaire_opens": date(2028, 1, 1),
                "questionnaire_deadline": date(2028, 2, 1),
                "arrival_date": date(2028, 3, 1),
                "offer_reply_days": 7,
            },
        )
    assert not programme.rounds.exists()


def test_only_coordinators_change_programmes(programme, staff, caseworker, municipality):
    for user in (staff, caseworker):
        with pytest.raises(PermissionDenied):
            programme_pledge_set(
                programme=programme, municipality=municipality, by=user, amounts={"persons": 99}
            )
    assert ProgrammePledge.objects.get().persons == 6


def test_capacities_carry_over_between_cohorts_exactly(
    programme, first_cohort, coordinator, municipality, django_capture_on_commit_callbacks
):
    first = run(first_cohort, coordinator, django_capture_on_commit_callbacks)
    offers = run_publish(run=first, by=coordinator)
    taken = sum(o.demand["persons"] for o in offers)
    assert 0 < taken <= 4
    cohort = second_cohort(programme, coordinator)
    data = load_round(cohort)
    j = data.municipalities.ids.index(municipality.slug)
    offered = cohort.questionnaires.get(municipality=municipality).capacity()
    assert int(data.municipalities.capacity[j][0]) == offered["persons"] - taken
    kita_taken = sum(o.demand.get("kita", 0) for o in offers)
    assert int(data.municipalities.capacity[j][2]) == offered["kita"] - kita_taken
    cohorts, rows = programme_table(programme)
    assert [c.pk for c in cohorts] == [first_cohort.pk, cohort.pk]
    (row,) = rows
    assert row.pledged["persons"] == 6
    assert row.offered["persons"] == 4
    assert row.taken[0]["persons"] == taken
    assert row.taken[1]["persons"] == 0
    assert row.left["persons"] == 4 - taken


def test_a_declined_offer_gives_its_places_back_to_the_programme(
    programme, first_cohort, coordinator, municipality, django_capture_on_commit_callbacks
):
    first = run(first_cohort, coordinator, django_capture_on_commit_callbacks)
    offers = run_publish(run=first, by=coordinator)
    Offer.objects.filter(pk__in=[o.pk for o in offers]).update(status="declined")
    cohort = second_cohort(programme, coordinator)
    data = load_round(cohort)
    assert int(data.municipalities.capacity[0][0]) == 4


def test_households_not_placed_join_the_next_cohort(
    programme, first_cohort, coordinator, django_capture_on_commit_callbacks
):
    first = run(first_cohort, coordinator, django_capture_on_commit_callbacks)
    offers = run_publish(run=first, by=coordinator)
    placed = {o.household.reference for o in offers}
    waiting = {"HH-1", "HH-2", "HH-3"} - placed
    assert waiting  # 7 persons, 4 places
    cohort = second_cohort(programme, coordinator)
    second = run(cohort, coordinator, django_capture_on_commit_callbacks)
    entered = set(cohort.entries.values_list("household__reference", flat=True))
    assert entered == waiting
    assert set(second.proposals.values_list("household__reference", flat=True)) == waiting
    events = AuditEvent.objects.filter(action="refugees.household.round_added")
    assert events.count() == len(waiting)
    assert all(e.changes["carried_over"] for e in events)
    # Nobody is placed twice: the places left are what the first cohort did not take.
    assert sum(
        p.demand["persons"] for p in Proposal.objects.filter(run=second, municipality__isnull=False)
    ) <= 4 - sum(o.demand["persons"] for o in offers)


def test_the_forecast_counts_registered_households_samples_and_the_expected_size(
    programme, first_cohort, coordinator, organisation, django_capture_on_commit_callbacks
):
    cohort = second_cohort(programme, coordinator, expected=5)
    add_household(cohort, organisation, "HH-LATER", ages=(30, 4))
    first = run(first_cohort, coordinator, django_capture_on_commit_callbacks, use_forecast=True)
    assert first.use_forecast
    summary = first.forecast_summary
    assert summary["cohorts"] == 1
    assert summary["expected"] == 5
    assert summary["known"] == 1
    assert summary["samples"] == 3
    assert summary["sample_weight"] == pytest.approx((5 - 1) / 3, abs=1e-4)
    instance = run_file_document(run=first, kind="instance")
    assert instance is not None
    forecast = instance["forecast"]
    assert sum(entry["weight"] for entry in forecast) == pytest.approx(5, abs=1e-3)
    references = {h["id"] for h in instance["households"]}
    assert not references & {entry["id"] for entry in forecast}
    assert "HH-LATER" not in json.dumps(forecast)  # entries carry no references
    result = run_file_document(run=first, kind="result")
    assert result is not None
    assert "reserved" in result
    assert {a["household"] for a in result["assignment"]} <= references
    assert "plain_objective" in summary


def test_the_last_cohort_and_a_switched_off_run_have_no_forecast(
    programme, first_cohort, coordinator, as_coordinator, django_capture_on_commit_callbacks
):
    second_cohort(programme, coordinator)
    plain = run(first_cohort, coordinator, django_capture_on_commit_callbacks, use_forecast=False)
    assert not plain.use_forecast
    assert "forecast" not in (run_file_document(run=plain, kind="instance") or {"forecast": None})
    page = as_coordinator.get(reverse("run_detail", args=[plain.pk])).content.decode()
    assert "Freihalten von Plätzen für spätere Kohorten war ausgeschaltet" in page
    lone = make_round(name="Ohne Programm")
    assert not run_services.run_start(round=lone, by=coordinator, use_forecast=True).use_forecast


def test_the_run_page_says_what_was_kept_and_why(
    programme, first_cohort, coordinator, as_coordinator, django_capture_on_commit_callbacks
):
    second_cohort(programme, coordinator, expected=4)
    first = run(first_cohort, coordinator, django_capture_on_commit_callbacks, use_forecast=True)
    Run.objects.filter(pk=first.pk).update(
        forecast_summary={**first.forecast_summary, "kept": {"kiel": {"kita": 1, "persons": 2}}}
    )
    page = as_coordinator.get(reverse("run_detail", args=[first.pk])).content.decode()
    assert "Für spätere Kohorten freigehalten" in page
    assert (
        "1 Kita-Platz in Kiel wird für die in den nächsten Kohorten erwarteten Haushalte"
        " freigehalten." in page
    )
    assert "2 Plätze für Personen in Kiel werden" in page
    assert "noch 4 Haushalte in 1 weiteren Kohorte" in page
    start_page = as_coordinator.get(reverse("run_list", args=[first_cohort.pk])).content.decode()
    assert 'name="use_forecast"' in start_page


def test_the_programme_page_shows_pledged_offered_taken_and_left(
    programme,
    first_cohort,
    coordinator,
    as_coordinator,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    first = run(first_cohort, coordinator, django_capture_on_commit_callbacks)
    offers = run_publish(run=first, by=coordinator)
    second_cohort(programme, coordinator)
    with django_assert_max_num_queries(30):
        response = as_coordinator.get(reverse("programme_detail", args=[programme.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Belegt durch Kohorte 1" in page
    assert "Belegt durch Kohorte 2" in page
    left = 4 - sum(o.demand["persons"] for o in offers)
    assert f'<td class="kern-table__cell" data-left><strong>{left}</strong>' in page


def test_a_coordinator_creates_a_programme_records_a_pledge_and_adds_a_cohort(
    as_coordinator, municipality
):
    response = as_coordinator.post(
        reverse("programme_create"),
        {"name": "Programm 2028", "starts_on": "2028-01-01", "ends_on": "2028-12-31"},
    )
    programme = Programme.objects.get(name="Programm 2028")
    assert response.url == reverse("programme_detail", args=[programme.pk])
    as_coordinator.post(
        reverse("programme_pledge", args=[programme.pk]),
        {"municipality": municipality.pk, "persons": 12, "kita": 2},
    )
    assert ProgrammePledge.objects.get(programme=programme).amounts()["kita"] == 2
    response = as_coordinator.post(
        reverse("programme_cohort_add", args=[programme.pk]),
        {
            "name": "Kohorte Mai",
            "questionnaire_opens": "2028-03-01",
            "questionnaire_deadline": "2028-04-01",
            "arrival_date": "2028-05-01",
            "offer_reply_days": 7,
            "expected_households": 8,
        },
    )
    cohort = programme.rounds.get()
    assert response.url == reverse("round_detail", args=[cohort.pk])
    assert cohort.expected_households == 8
    assert cohort.participations.filter(municipality=municipality).exists()


def test_a_programme_ending_before_it_starts_is_refused_and_nothing_saved(as_coordinator):
    response = as_coordinator.post(
        reverse("programme_create"),
        {"name": "Verkehrt", "starts_on": "2028-12-31", "ends_on": "2028-01-01"},
    )
    assert response.status_code == 200
    assert "Das Ende darf nicht vor dem Beginn liegen." in response.content.decode()
    assert not Programme.objects.exists()


@pytest.mark.parametrize("name", ["programme_list", "programme_create"])
def test_programme_pages_are_for_coordinators_only(any_role, name):
    role, client = any_role
    response = client.get(reverse(name))
    expected = {"coordinator": 200, "anonymous": 302}.get(role, 403)
    assert response.status_code == expected


def test_the_programme_detail_is_for_coordinators_only(any_role, programme):
    role, client = any_role
    response = client.get(reverse("programme_detail", args=[programme.pk]))
    assert response.status_code == {"coordinator": 200, "anonymous": 302}.get(role, 403)


def test_a_refused_pledge_changes_nothing(as_staff, programme, municipality):
    response = as_staff.post(
        reverse("programme_pledge", args=[programme.pk]),
        {"municipality": municipality.pk, "persons": 99},
    )
    assert response.status_code == 403
    assert ProgrammePledge.objects.get().persons == 6


def test_the_programme_evaluation_compares_cohorts_fulfilment_and_states(
    programme, first_cohort, coordinator, as_coordinator, django_capture_on_commit_callbacks
):
    second_cohort(programme, coordinator, expected=4)
    first = run(first_cohort, coordinator, django_capture_on_commit_callbacks, use_forecast=True)
    offers = run_publish(run=first, by=coordinator)
    from evaluation.programmes import programme_evaluation

    evaluation = programme_evaluation(programme)
    figures = evaluation["cohorts"][0]
    assert figures.placed_households == len(offers)
    assert figures.score == first.objective
    assert figures.alone == first.forecast_summary["plain_objective"]
    assert figures.alone >= figures.score
    (row,) = evaluation["rows"]
    assert row.fulfilment == sum(o.demand["persons"] for o in offers) / 6
    (state,) = evaluation["states"]
    assert state["state"] == "SH"
    assert state["key"] == pytest.approx(1.0)
    page = as_coordinator.get(reverse("programme_evaluation", args=[programme.pk]))
    assert page.status_code == 200
    assert "Königsteiner Schlüssel" in page.content.decode()


def test_the_demo_has_a_programme_with_three_cohorts_one_placed(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    programme = Programme.objects.get(name="Programm 2027")
    cohorts = list(programme.cohorts())
    assert len(cohorts) == 3
    assert Offer.objects.filter(round=cohorts[0], status="accepted").exists()
    assert not Offer.objects.filter(round__in=cohorts[1:]).exists()
    assert cohorts[1].entries.count() == 10
    assert programme.pledges.count() == 6
    assert programme.fair_share_percent == 30
    placed = cohorts[0].runs.get()
    assert placed.fair_share["percent"] == 30  # the first cohort's run compared both variants
    # Every demo consent was recorded by someone: its page said "(recorded by None)".
    assert not Consent.objects.filter(recorded_by=None).exists()
    call_command("seed_demo", stdout=StringIO())  # idempotent
    assert Programme.objects.filter(name="Programm 2027").count() == 1
