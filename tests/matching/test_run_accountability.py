"""A run's stability check (stored, repaired before publishing, shown) and its sensitivity
(computed in the background with progress, shown as a table and a chart)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from matching import engine
from matching.models import Run, RunSensitivity, RunStatus
from matching.services import runs as run_services
from matching.services import sensitivity as services
from municipalities.models import Questionnaire

pytestmark = pytest.mark.django_db


def start(round_, coordinator, capture, **kwargs) -> Run:
    with capture(execute=True):
        run = run_services.run_start(round=round_, by=coordinator, **kwargs)
    run.refresh_from_db()
    return run


def test_an_optimal_run_is_checked_and_stored_as_stable(
    small_round, coordinator, django_capture_on_commit_callbacks
):
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    assert run.engine_status == "optimal"
    assert run.stability["checked_status"] == "optimal"
    assert run.stability["before"]["stable"] is True
    assert run.stability["applied_moves"] == run.stability["applied_swaps"] == 0
    assert "check" in run.stage_seconds


def test_a_heuristic_result_is_repaired_before_the_proposals_are_stored(
    small_round, coordinator, django_capture_on_commit_callbacks, monkeypatch, as_coordinator
):
    real_solve = engine.solve

    def lazy_solver(instance, **kwargs):
        """A 'heuristic' that places nobody: every placeable household is an improving move."""
        result = real_solve(instance, **kwargs)
        return engine.Result(
            status="feasible",
            objective=0,
            bound=result.objective,
            method="greedy",
            seconds=0.0,
            assignment={},
            utilisation={},
        )

    monkeypatch.setattr(engine, "solve", lazy_solver)
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.SUCCEEDED
    assert run.stability["before"]["move_count"] == 4
    assert run.stability["applied_moves"] >= 4
    assert run.stability["after"]["stable"] is True
    # What is stored (and would be published) is the repaired result.
    assert run.matched_households == 4
    assert run.proposals.exclude(municipality=None).count() == 4
    assert run.objective == run.stability["gain"]
    assert run.objective == run.bound  # the repair reached the proven bound
    page = as_coordinator.get(reverse("run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "the repair pass applied" in text
    assert "The proposals as stored are stable." in text


def test_a_run_from_before_the_check_says_so(small_round, coordinator, as_coordinator):
    run = Run.objects.create(
        round=small_round, iteration=1, status=RunStatus.SUCCEEDED, stage="done", progress=100
    )
    page = as_coordinator.get(reverse("run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "This run was made before results were checked for stability." in page.content.decode()


def test_a_small_round_gets_its_sensitivity_after_every_run(
    small_round, coordinator, django_capture_on_commit_callbacks
):
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    sensitivity = run.sensitivities.get()
    assert sensitivity.status == RunStatus.SUCCEEDED
    assert sensitivity.progress == 100
    varied = [code for code, weight in run.weights.items() if weight > 0]
    assert len(sensitivity.rows) == 2 * len(varied)
    assert {row["criterion"] for row in sensitivity.rows} == set(varied)
    # Scoring the run's pairs again with the run's weights gives the run's scores exactly.
    assert sensitivity.drift == 0
    assert AuditEvent.objects.filter(action="matching.run.sensitivity_succeeded").exists()


def test_the_run_page_shows_the_sensitivity_table_and_chart(
    small_round, coordinator, django_capture_on_commit_callbacks, as_coordinator
):
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    page = as_coordinator.get(reverse("run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "How much the result depends on the weights" in text
    assert 'role="img"' in text
    assert "Households that would go elsewhere" in text
    assert "Relatives or friends" in text
    assert "Weight +25 %" in text


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("de", "Wie stark das Ergebnis von den Gewichten abhängt"),
        ("uk", "Наскільки результат залежить від ваг"),
    ],
)
def test_the_accountability_sections_are_translated(
    small_round, coordinator, django_capture_on_commit_callbacks, as_coordinator, language, heading
):
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    page = as_coordinator.get(reverse("run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert heading in text
    assert "Stability check" not in text
    assert "Households that would go elsewhere" not in text


def test_a_large_round_computes_its_sensitivity_only_on_request(
    small_round,
    coordinator,
    django_capture_on_commit_callbacks,
    as_coordinator,
    monkeypatch,
):
    monkeypatch.setattr(services, "AUTO_MAX_HOUSEHOLDS", 1)
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    assert not run.sensitivities.exists()
    page = as_coordinator.get(reverse("run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "computed on request" in page.content.decode()
    url = reverse("run_sensitivity_start", args=[run.pk])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = as_coordinator.post(url)
    assert response.status_code == 302
    assert len(queued) == 1
    sensitivity = run.sensitivities.get()
    assert sensitivity.status == RunStatus.QUEUED
    assert sensitivity.requested_by == coordinator
    status = as_coordinator.get(reverse("run_sensitivity_status", args=[run.pk])).json()
    assert status == {**status, "status": "queued", "done": False}
    page = as_coordinator.get(reverse("run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="sensitivity-progress-bar"' in page.content.decode()
    queued[0]()
    status = as_coordinator.get(reverse("run_sensitivity_status", args=[run.pk])).json()
    assert status == {**status, "status": "succeeded", "progress": 100, "done": True}


def test_a_second_computation_while_one_is_running_is_refused(
    small_round, coordinator, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "AUTO_MAX_HOUSEHOLDS", 1)
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    services.sensitivity_start(run=run, by=coordinator)
    with pytest.raises(ValidationError, match="being computed already"):
        services.sensitivity_start(run=run, by=coordinator)
    assert run.sensitivities.count() == 1


@pytest.mark.parametrize("persona", ["staff", "caseworker", "refugee"])
def test_only_coordinators_start_a_computation(
    request, small_round, coordinator, django_capture_on_commit_callbacks, monkeypatch, persona
):
    monkeypatch.setattr(services, "AUTO_MAX_HOUSEHOLDS", 1)
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        services.sensitivity_start(run=run, by=request.getfixturevalue(persona))
    assert not RunSensitivity.objects.exists()


def test_a_failed_run_has_no_sensitivity(small_round, coordinator):
    run = Run.objects.create(round=small_round, iteration=1, status=RunStatus.FAILED)
    with pytest.raises(ValidationError, match="finished run"):
        services.sensitivity_start(run=run, by=coordinator)


def test_the_broker_down_leaves_the_computation_failed_with_a_message(
    small_round, coordinator, django_capture_on_commit_callbacks, monkeypatch
):
    from matching import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("redis gone")

    monkeypatch.setattr(tasks.execute_sensitivity, "delay", broker_down)
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.SUCCEEDED  # the run itself is not affected
    sensitivity = run.sensitivities.get()
    assert sensitivity.status == RunStatus.FAILED
    assert "task queue could not be reached" in sensitivity.error


def test_an_error_while_computing_fails_only_the_computation(
    small_round, coordinator, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "weight_sensitivity", lambda *a, **k: 1 / 0)
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    sensitivity = run.sensitivities.get()
    assert sensitivity.status == RunStatus.FAILED
    assert "ZeroDivisionError" in sensitivity.error
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED


def test_a_redelivered_task_does_not_compute_twice(
    small_round, coordinator, django_capture_on_commit_callbacks
):
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    sensitivity = run.sensitivities.get()
    assert services.sensitivity_execute(sensitivity_id=sensitivity.pk) is None


def test_stale_computations_are_reaped(
    small_round, coordinator, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    stale = RunSensitivity.objects.create(
        run=run,
        status=RunStatus.RUNNING,
        started_at=timezone.now() - timedelta(hours=2),
    )
    assert services.sensitivities_reap_stale(older_than_seconds=3600) == 1
    stale.refresh_from_db()
    assert stale.status == RunStatus.FAILED


def test_data_changed_after_the_run_is_counted_and_shown(
    small_round, coordinator, django_capture_on_commit_callbacks, as_coordinator, monkeypatch
):
    monkeypatch.setattr(services, "AUTO_MAX_HOUSEHOLDS", 1)
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    Questionnaire.objects.filter(round=small_round).update(
        ukrainian_community="large", gp_availability="none"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.sensitivity_start(run=run, by=coordinator)
    sensitivity = run.sensitivities.get()
    assert sensitivity.status == RunStatus.SUCCEEDED
    assert sensitivity.drift > 0
    page = as_coordinator.get(reverse("run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "changed after the run" in page.content.decode()
