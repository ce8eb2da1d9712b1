"""The defects of issue 12 (and the round dates of issue 13), each with a test that failed on
the code before the fix."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import AuditEvent
from matching.models import Offer, OfferStatus, PairRuleKind, Run, RunError, RunStatus
from matching.services import offers as offer_services
from matching.services import runs as run_services
from rounds.forms import RoundForm
from tests.conftest import login
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def _run(round_, coordinator, capture) -> Run:
    with capture(execute=True):
        run = run_services.run_start(round=round_, by=coordinator)
    run.refresh_from_db()
    return run


@pytest.fixture
def accepted(current_round, coordinator, refugee, staff, django_capture_on_commit_callbacks):
    """Olena's offer, accepted by both sides, with Kiel's staff (the persona) answering."""
    run = _run(current_round, coordinator, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        offer_services.run_publish(run=run, by=coordinator)
    offer = Offer.objects.get(household__contact_user=refugee)
    offer.municipality = staff.staff_memberships.get().municipality
    offer.save()
    offer_services.offer_answer_household(offer=offer, by=refugee, accept=True)
    return offer_services.offer_answer_municipality(offer=offer, by=staff, accept=True)


# --- 3: arrival before the journey ------------------------------------------------------------


def test_the_arrival_cannot_be_confirmed_before_the_travel_date(accepted, staff):
    travel = timezone.localdate() + timedelta(days=55)
    offer_services.offer_set_travel_date(offer=accepted, by=staff, travel_date=travel)
    with pytest.raises(ValidationError, match="on or after the travel date"):
        offer_services.offer_confirm_arrival(offer=accepted, by=staff)
    accepted.refresh_from_db()
    assert accepted.status == OfferStatus.ACCEPTED
    assert accepted.household.status == "matched"
    with time_machine.travel(timezone.now() + timedelta(days=55)):
        offer_services.offer_confirm_arrival(offer=accepted, by=staff)
    accepted.refresh_from_db()
    assert accepted.status == OfferStatus.ARRIVED


def test_the_arrival_needs_a_travel_date_first(accepted, staff):
    with pytest.raises(ValidationError, match="travel date first"):
        offer_services.offer_confirm_arrival(offer=accepted, by=staff)


def test_the_offer_page_says_from_when_the_arrival_can_be_confirmed(accepted, staff):
    travel = timezone.localdate() + timedelta(days=20)
    offer_services.offer_set_travel_date(offer=accepted, by=staff, travel_date=travel)
    page = login(staff).get(reverse("offer_detail", args=[accepted.pk])).content.decode()
    assert reverse("offer_arrival", args=[accepted.pk]) not in page
    assert travel.strftime("%d.%m.%Y") in page


def test_a_travel_date_outside_the_rounds_period_is_refused(accepted, staff):
    for far in (date(9999, 1, 1), accepted.round.arrival_date + timedelta(days=400)):
        with pytest.raises(ValidationError, match="within the round's period"):
            offer_services.offer_set_travel_date(offer=accepted, by=staff, travel_date=far)
    accepted.refresh_from_db()
    assert accepted.travel_date is None
    assert not AuditEvent.objects.filter(action="matching.offer.travel_date_set").exists()


# --- 8 and issue 13: round dates --------------------------------------------------------------


def _round_data(**changes):
    today = timezone.localdate()
    data = {
        "name": "Herbst",
        "questionnaire_opens": today,
        "questionnaire_deadline": today + timedelta(days=14),
        "arrival_date": today + timedelta(days=60),
        "offer_reply_days": 7,
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"offer_reply_days": 0}, "offer_reply_days"),
        ({"arrival_date": date(9999, 12, 31)}, "arrival_date"),
        (
            {"questionnaire_deadline": date(9999, 1, 1), "arrival_date": date(9999, 2, 1)},
            "questionnaire_deadline",
        ),
        ({"arrival_date": timezone.localdate() + timedelta(days=14)}, "arrival_date"),
        ({"arrival_date": timezone.localdate() + timedelta(days=3)}, "arrival_date"),
    ],
)
def test_impossible_round_dates_are_refused_in_the_form_with_a_message(changes, field):
    form = RoundForm(data=_round_data(**changes))
    assert not form.is_valid()
    assert form.errors[field]


@pytest.mark.parametrize(
    "changes",
    [
        {"offer_reply_days": 0},
        {"arrival_date": "9999-12-31"},
        {"questionnaire_opens": "9999-01-01"},
    ],
)
def test_impossible_round_dates_are_refused_by_the_api(coordinator, changes):
    from rest_framework.test import APIClient

    from rounds.models import Round

    client = APIClient()
    client.force_authenticate(coordinator)
    data = {k: str(v) for k, v in _round_data(**changes).items()}
    response = client.post("/api/v1/rounds/", data, format="json")
    assert response.status_code == 400
    assert not Round.objects.filter(name="Herbst").exists()


# --- 7: the offer list's status filter --------------------------------------------------------


def test_the_offer_list_offers_every_status_to_filter_by(accepted, coordinator):
    url = reverse("round_offers", args=[accepted.round_id])
    client = login(coordinator)
    page = client.get(url).content.decode()
    for code in ("pending", "accepted", "declined", "objected", "expired", "arrived"):
        assert f'<option value="{code}"' in page
    filtered = client.get(url, {"status": "accepted"})
    assert list(filtered.context["offers"]) == [accepted]


# --- 8: the empty run -------------------------------------------------------------------------


def test_a_run_without_households_says_so_once_and_not_both_things(
    coordinator, django_capture_on_commit_callbacks
):
    from tests.matching.builders import add_municipality, make_round

    round_ = make_round(name="Leer")
    add_municipality(round_, MunicipalityFactory())
    run = _run(round_, coordinator, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.SUCCEEDED
    client = login(coordinator)
    page = client.get(reverse("run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert ("Jeder Haushalt wurde zugeordnet" in html) is False
    assert ("Kein Haushalt konnte zugeordnet werden" in html) is False
    assert "no household to match" in html or "keinen Haushalt" in html


# --- 2: pins that cannot be honoured ----------------------------------------------------------


def test_a_pin_to_a_municipality_without_questionnaire_holds_and_is_reported(
    current_round, coordinator, django_capture_on_commit_callbacks
):
    """Rottenburg has a draft: HH-A pinned there stays unplaced (it was placed elsewhere)."""
    from municipalities.models import Municipality

    rottenburg = Municipality.objects.get(slug="rottenburg")
    household = current_round.entries.get(household__reference="HH-A").household
    client = login(coordinator)
    response = client.post(
        reverse("pair_rule_add", args=[current_round.pk]),
        {
            "household": household.pk,
            "municipality": rottenburg.pk,
            "kind": "pin",
            "reason_code": "family_reunification",
        },
        follow=True,
    )
    assert "Rottenburg" in response.content.decode()  # the warning on save
    run = _run(current_round, coordinator, django_capture_on_commit_callbacks)
    proposal = run.proposals.get(household=household)
    assert proposal.municipality is None
    assert proposal.unmatched_reason == "pinned_absent"
    page = client.get(reverse("run_detail", args=[run.pk])).content.decode()
    assert "HH-A" in page
    assert "Rottenburg" in page
    assert 'id="unmet-heading"' in page


def test_a_pin_cannot_move_a_household_that_has_accepted_an_offer(accepted, coordinator):
    from municipalities.models import Municipality

    elsewhere = Municipality.objects.exclude(pk=accepted.municipality_id).first()
    with pytest.raises(ValidationError, match="accepted an offer"):
        run_services.pair_rule_set(
            round=accepted.round,
            household=accepted.household,
            municipality=elsewhere,
            kind=PairRuleKind.PIN,
            by=coordinator,
            reason_code="family_reunification",
        )


# --- 5: runs that cannot get stuck ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the task is queued when the request commits
def test_a_run_that_cannot_be_queued_is_failed_in_the_same_request(current_round, coordinator):
    client = login(coordinator)
    broken = mock.patch(
        "matching.tasks.execute_run.delay", side_effect=OperationalError("Redis down")
    )
    with broken:
        response = client.post(
            reverse("run_list", args=[current_round.pk]),
            {"method": "auto", "time_limit": 60},
        )
    assert response.status_code == 302
    run = Run.objects.get(round=current_round)
    assert run.status == RunStatus.FAILED
    assert run.error == RunError.NOT_QUEUED
    page = client.get(response["Location"]).content.decode()
    assert "Aufgabenwarteschlange" in page or "task queue" in page
    again = run_services.run_start(round=current_round, by=coordinator)
    assert again.iteration == 2


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_when_the_run_cannot_be_queued(current_round, coordinator):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(coordinator)
    broken = mock.patch(
        "matching.tasks.execute_run.delay", side_effect=OperationalError("Redis down")
    )
    with broken:
        response = client.post(f"/api/v1/rounds/{current_round.pk}/runs/", {}, format="json")
    assert response.status_code == 503
    assert Run.objects.get().status == RunStatus.FAILED


def test_a_coordinator_cancels_a_queued_run_and_can_run_again(current_round, coordinator, staff):
    run = run_services.run_start(round=current_round, by=coordinator)  # not executed: queued
    with pytest.raises(PermissionDenied):
        run_services.run_cancel(run=run, by=staff)
    client = login(coordinator)
    asked = client.post(reverse("run_cancel", args=[run.pk]))
    assert asked.status_code == 200  # the confirmation
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED
    client.post(reverse("run_cancel", args=[run.pk]), {"confirmed": "yes"})
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert AuditEvent.objects.filter(action="matching.run.cancelled", target_id=str(run.pk))
    assert run_services.run_execute(run_id=run.pk) is None  # a late worker does nothing
    assert run_services.run_start(round=current_round, by=coordinator).iteration == 2


def test_a_running_run_stops_at_its_next_stage_when_cancelled(
    current_round, coordinator, monkeypatch
):
    run = run_services.run_start(round=current_round, by=coordinator)
    real_load = run_services.load_round

    def cancel_while_loading(round_):
        run_services.run_cancel(run=run, by=coordinator)
        return real_load(round_)

    monkeypatch.setattr(run_services, "load_round", cancel_while_loading)
    run_services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert not run.proposals.exists()


def test_the_reaper_fails_a_run_whose_heartbeat_stopped_within_a_minute(current_round, coordinator):
    run = run_services.run_start(round=current_round, by=coordinator)
    now = timezone.now()
    Run.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=now - timedelta(minutes=5), heartbeat_at=now
    )
    assert run_services.runs_reap_stale(queued_older_than_seconds=960) == 0
    Run.objects.filter(pk=run.pk).update(heartbeat_at=now - timedelta(seconds=61))
    assert run_services.runs_reap_stale(queued_older_than_seconds=960) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == RunError.WORKER_LOST
