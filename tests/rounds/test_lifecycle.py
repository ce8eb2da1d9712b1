"""The round's lifecycle: named phases, one service per transition (guard + audit), and one
question (``round.allows``) that every page and endpoint asks."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from matching.models import Offer, OfferStatus, RunStatus
from matching.services import offers as offer_services
from matching.services import runs as run_services
from municipalities.models import Questionnaire
from municipalities.services import questionnaires as questionnaire_services
from rounds.lifecycle import RULES, Action, Phase
from rounds.models import Round
from rounds.services import rounds as services
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _run_and_publish(round_, coordinator, capture):
    with capture(execute=True):
        run = run_services.run_start(round=round_, by=coordinator)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    with capture(execute=True):
        offer_services.run_publish(run=run, by=coordinator)
    return run


# --- defect 1: publishing offers closed the questionnaire for everyone -----------------------


def test_a_municipality_that_has_not_submitted_can_still_submit_after_offers_are_published(
    current_round, coordinator, rottenburg_staff, django_capture_on_commit_callbacks
):
    _run_and_publish(current_round, coordinator, django_capture_on_commit_callbacks)
    current_round.refresh_from_db()
    assert current_round.status == Phase.OFFERS
    draft = Questionnaire.objects.get(round=current_round, municipality__slug="rottenburg")
    assert draft.edit_blocker() is None

    submitted = questionnaire_services.questionnaire_submit(
        questionnaire=draft, version=draft.version, by=rottenburg_staff
    )

    assert submitted.is_submitted


def test_the_questionnaire_page_stays_open_for_the_late_municipality_while_offers_are_out(
    current_round, coordinator, rottenburg_staff, django_capture_on_commit_callbacks
):
    _run_and_publish(current_round, coordinator, django_capture_on_commit_callbacks)
    url = reverse("participation_detail", args=["rottenburg", current_round.pk])
    page = login(rottenburg_staff).get(url).content.decode()
    assert "is not open" not in page
    assert "is over" not in page


def test_after_the_deadline_a_matched_round_refuses_questionnaire_changes_with_a_reason(
    current_round, coordinator, rottenburg_staff, django_capture_on_commit_callbacks
):
    _run_and_publish(current_round, coordinator, django_capture_on_commit_callbacks)
    draft = Questionnaire.objects.get(round=current_round, municipality__slug="rottenburg")
    after_deadline = current_round.questionnaire_deadline + timedelta(days=1)
    assert "deadline has passed" in str(draft.edit_blocker(today=after_deadline))
    with pytest.raises(ValidationError, match="deadline has passed"):
        questionnaire_services.questionnaire_submit(
            questionnaire=draft, version=draft.version, by=rottenburg_staff, today=after_deadline
        )
    draft.refresh_from_db()
    assert not draft.is_submitted


def test_capacity_submitted_after_publication_joins_the_next_run(
    current_round, coordinator, rottenburg_staff, django_capture_on_commit_callbacks
):
    from matching.services.instance import load_round

    _run_and_publish(current_round, coordinator, django_capture_on_commit_callbacks)
    assert "rottenburg" not in load_round(current_round).municipalities.ids
    draft = Questionnaire.objects.get(round=current_round, municipality__slug="rottenburg")
    questionnaire_services.questionnaire_submit(
        questionnaire=draft, version=draft.version, by=rottenburg_staff
    )
    assert "rottenburg" in load_round(current_round).municipalities.ids
    with django_capture_on_commit_callbacks(execute=True):
        second = run_services.run_start(
            round=current_round, by=coordinator, reason_code="new_participants"
        )
    second.refresh_from_db()
    assert second.status == RunStatus.SUCCEEDED


# --- the publish dialog -----------------------------------------------------------------------


def test_the_publish_dialog_names_who_has_not_submitted_and_what_happens_to_them(
    current_round, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = run_services.run_start(round=current_round, by=coordinator)
    client = login(coordinator)
    page = client.post(reverse("run_publish", args=[run.pk])).content.decode()
    assert "Rottenburg" in page
    deadline = current_round.questionnaire_deadline.strftime("%d.%m.%Y")
    # in the coordinator's language (German)
    assert f"Diese Kommunen können noch bis zum {deadline} einreichen" in page
    assert Offer.objects.count() == 0  # asking publishes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("run_publish", args=[run.pk]), {"confirmed": "yes"})
    assert response.status_code == 302
    assert Offer.objects.count() == run.proposals.filter(municipality__isnull=False).count()


def test_the_publish_dialog_says_when_the_deadline_has_passed(
    current_round, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = run_services.run_start(round=current_round, by=coordinator)
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        page = login(coordinator).post(reverse("run_publish", args=[run.pk])).content.decode()
    assert "ist abgelaufen: Diese Kommunen erhalten in dieser Runde keine Angebote" in page
    assert "Rottenburg" in page


# --- transitions: guard + audit ---------------------------------------------------------------


def test_the_first_run_starts_the_matching_phase_and_is_audited(
    current_round, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_services.run_start(round=current_round, by=coordinator)
    current_round.refresh_from_db()
    assert current_round.status == Phase.MATCHING
    event = AuditEvent.objects.get(action="matching.round.matching_started")
    assert event.changes["status"] == ["questionnaire", "matching"]


def test_a_round_moves_through_its_phases_each_step_audited(
    current_round, coordinator, django_capture_on_commit_callbacks
):
    _run_and_publish(current_round, coordinator, django_capture_on_commit_callbacks)
    assert AuditEvent.objects.filter(action="matching.round.offers_published").count() == 1
    services.round_start_relocation(round=current_round, by=coordinator)
    current_round.refresh_from_db()
    assert current_round.status == Phase.RELOCATION
    with pytest.raises(ValidationError, match="waiting for answers"):
        services.round_start_evaluation(round=current_round, by=coordinator)
    for offer in Offer.objects.filter(status=OfferStatus.PENDING):
        offer.expire()
        offer.save()
    services.round_start_evaluation(round=current_round, by=coordinator)
    services.round_close(round=current_round, by=coordinator)
    current_round.refresh_from_db()
    assert current_round.status == Phase.CLOSED
    assert current_round.closed_at is not None
    actions = list(
        AuditEvent.objects.filter(target_type="rounds.round")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == [
        "matching.round.relocation_started",
        "matching.round.evaluation_started",
        "matching.round.closed",
    ]


def test_relocation_stops_runs_and_publications_but_not_answers(
    current_round, coordinator, refugee, django_capture_on_commit_callbacks
):
    _run_and_publish(current_round, coordinator, django_capture_on_commit_callbacks)
    services.round_start_relocation(round=current_round, by=coordinator)
    with pytest.raises(ValidationError, match="only while a round is matching"):
        run_services.run_start(round=current_round, by=coordinator)
    offer = Offer.objects.get(household__contact_user=refugee)
    answered = offer_services.offer_answer_household(offer=offer, by=refugee, accept=True)
    assert answered.household_answer == "yes"


def test_a_transition_out_of_order_is_refused_with_a_reason_and_changes_nothing(
    current_round, coordinator
):
    with pytest.raises(ValidationError, match="opened already"):
        services.round_open_questionnaire(round=current_round, by=coordinator)
    with pytest.raises(ValidationError, match="once offers have been published"):
        services.round_start_relocation(round=current_round, by=coordinator)
    current_round.refresh_from_db()
    assert current_round.status == Phase.QUESTIONNAIRE
    assert not AuditEvent.objects.filter(target_type="rounds.round").exists()


def test_only_coordinators_move_a_round(current_round, staff, caseworker):
    for user in (staff, caseworker):
        for service in (services.round_start_matching, services.round_close):
            with pytest.raises(PermissionDenied):
                service(round=current_round, by=user)
    current_round.refresh_from_db()
    assert current_round.status == Phase.QUESTIONNAIRE


def test_a_closed_round_refuses_answers_to_its_offers(
    current_round, coordinator, refugee, django_capture_on_commit_callbacks
):
    _run_and_publish(current_round, coordinator, django_capture_on_commit_callbacks)
    offer = Offer.objects.get(household__contact_user=refugee)
    services.round_close(round=current_round, by=coordinator)
    with pytest.raises(ValidationError):
        offer_services.offer_answer_household(offer=offer, by=refugee, accept=True)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    assert offer.household_answer == ""


# --- one question for everyone ----------------------------------------------------------------


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("action", [a for a in Action if a not in (Action.EDIT_QUESTIONNAIRE,)])
def test_the_round_answers_from_its_rules(phase, action) -> None:
    today = timezone.localdate()
    round_ = Round(
        status=phase,
        questionnaire_opens=today - timedelta(days=1),
        questionnaire_deadline=today + timedelta(days=1),
        arrival_date=today + timedelta(days=30),
    )
    assert round_.allows(action) == (phase in RULES[action].phases)


def test_a_refusal_is_said_in_the_readers_language() -> None:
    from django.utils import translation

    round_ = Round(
        status=Phase.CLOSED,
        questionnaire_opens=timezone.localdate(),
        questionnaire_deadline=timezone.localdate(),
        arrival_date=timezone.localdate(),
    )
    with translation.override("de"):
        german = round_.blocker(Action.START_RUN)
    with translation.override("uk"):
        ukrainian = round_.blocker(Action.START_RUN)
    assert german != ukrainian
    assert german
    assert ukrainian


def test_the_api_tells_what_the_round_allows_now(current_round, coordinator) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(coordinator)
    data = client.get(f"/api/v1/rounds/{current_round.pk}/").json()
    assert "start_run" in data["allowed_actions"]
    assert "answer_offer" not in data["allowed_actions"]
    response = client.post(f"/api/v1/rounds/{current_round.pk}/start-relocation/")
    assert response.status_code == 400
    current_round.refresh_from_db()
    assert current_round.status == Phase.QUESTIONNAIRE


def test_the_round_page_shows_the_phase_and_only_the_steps_allowed_now(
    current_round, coordinator
) -> None:
    page = login(coordinator).get(reverse("round_detail", args=[current_round.pk]))
    html = page.content.decode()
    assert 'aria-current="step"' in html
    assert reverse("round_close", args=[current_round.pk]) in html
    assert reverse("round_open", args=[current_round.pk]) not in html
    assert reverse("round_advance", args=[current_round.pk, "start_relocation"]) not in html
