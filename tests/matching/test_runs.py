"""Run lifecycle: start, stages, stored result, files, one run at a time, failures, review."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from accounts.models import AuditEvent
from matching import engine
from matching.models import PairRuleKind, Proposal, Run, RunStatus, UnmatchedReason
from matching.run_files import run_file_read
from matching.services import runs as services

pytestmark = pytest.mark.django_db


def start(round_, coordinator, django_capture_on_commit_callbacks, **kwargs) -> Run:
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(round=round_, by=coordinator, **kwargs)
    run.refresh_from_db()
    return run


def test_a_run_places_households_where_they_fit(
    small_round, coordinator, django_capture_on_commit_callbacks
):
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.SUCCEEDED
    assert run.engine_status == "optimal"
    placed = dict(run.proposals.values_list("household__reference", "municipality__slug"))
    # HH-B needs the accessible flat (Kiel); HH-C has pets (only Troisdorf allows them);
    # HH-D excluded every state but Troisdorf's... NW is excluded too: no compatible place.
    assert placed["HH-B"] == "kiel"
    assert placed["HH-C"] == "troisdorf"
    assert placed["HH-D"] is None
    unmatched = run.proposals.get(household__reference="HH-D")
    assert unmatched.unmatched_reason == UnmatchedReason.NO_COMPATIBLE
    assert run.matched_households == 4
    assert run.matched_persons == 2 + 2 + 1 + 2
    assert set(run.stage_seconds) == {"load", "score", "solve", "check", "store"}
    assert AuditEvent.objects.filter(action="matching.run.succeeded").exists()


def test_explanations_name_the_reasons(
    small_round, coordinator, django_capture_on_commit_callbacks
):
    from django.utils import translation

    from matching.explain import lines

    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    proposal = run.proposals.get(household__reference="HH-A")
    with translation.override("en"):
        text = lines(proposal.explanation)
    assert proposal.municipality.slug == "kiel"  # where HH-A's relatives live
    assert any(line.startswith("Relatives or friends in Kiel: +") for line in text)
    with translation.override("de"):
        assert all(": +" in line for line in lines(proposal.explanation))


def test_the_instance_file_re_solves_to_the_same_assignment(
    small_round, coordinator, django_capture_on_commit_callbacks, tmp_path
):
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    instance_path = tmp_path / "instance.json"
    instance_path.write_bytes(run_file_read(run=run, kind="instance") or b"")
    out = subprocess.run(
        [sys.executable, "-m", "matching.engine", "solve", str(instance_path), "-o", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    again = {a["household"]: a["municipality"] for a in json.loads(out.stdout)["assignment"]}
    stored = json.loads(run_file_read(run=run, kind="result") or b"{}")
    assert again == {a["household"]: a["municipality"] for a in stored["assignment"]}
    instance = engine.load_instance(instance_path)
    assert engine.check_feasible(instance, again) == []


def test_the_files_can_be_downloaded_by_coordinators_only(
    small_round, coordinator, as_coordinator, as_staff, django_capture_on_commit_callbacks
):
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    for kind in ("instance", "result"):
        response = as_coordinator.get(reverse("run_file", args=[run.pk, kind]))
        assert response.status_code == 200
        assert json.loads(response.content)["format"].startswith("rematch-")
        assert as_staff.get(reverse("run_file", args=[run.pk, kind])).status_code == 403
    assert as_coordinator.get(reverse("run_file", args=[run.pk, "other"])).status_code == 404


def test_only_one_run_per_round_at_a_time(small_round, coordinator):
    services.run_start(round=small_round, by=coordinator)  # queued, not executed
    with pytest.raises(ValidationError, match="in progress"):
        services.run_start(round=small_round, by=coordinator)
    assert Run.objects.filter(round=small_round).count() == 1


def test_the_database_refuses_a_second_active_run_even_past_the_check(small_round, coordinator):
    from django.db import IntegrityError, transaction

    Run.objects.create(round=small_round, iteration=1, status=RunStatus.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.create(round=small_round, iteration=2, status=RunStatus.QUEUED)


@pytest.mark.parametrize("persona", ["staff", "caseworker", "refugee"])
def test_only_coordinators_start_runs(request, small_round, persona):
    with pytest.raises(PermissionDenied):
        services.run_start(round=small_round, by=request.getfixturevalue(persona))
    assert not Run.objects.exists()


def test_bad_run_parameters_are_refused(small_round, coordinator):
    with pytest.raises(ValidationError):
        services.run_start(round=small_round, by=coordinator, method="magic")
    with pytest.raises(ValidationError):
        services.run_start(round=small_round, by=coordinator, time_limit=0)
    assert not Run.objects.exists()


def test_an_engine_error_leaves_the_run_failed_and_the_round_unchanged(
    small_round, coordinator, django_capture_on_commit_callbacks, monkeypatch
):
    def explode(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(engine, "solve", explode)
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.FAILED
    assert "solver crashed" in run.error
    assert not Proposal.objects.exists()
    # The round can be run again.
    monkeypatch.undo()
    assert start(small_round, coordinator, django_capture_on_commit_callbacks).status == "succeeded"


def test_a_crash_while_storing_writes_nothing(
    small_round, coordinator, django_capture_on_commit_callbacks, monkeypatch
):
    from core import bulk

    def half_then_crash(model, columns, rows):
        bulk.copy_rows(model, columns, list(rows)[:2])
        raise OSError("worker killed")

    monkeypatch.setattr(services, "copy_rows", half_then_crash)
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.FAILED
    assert not Proposal.objects.exists()


def test_a_redelivered_task_does_not_run_twice(
    small_round, coordinator, django_capture_on_commit_callbacks
):
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    count = Proposal.objects.count()
    assert services.run_execute(run_id=run.pk) is None
    assert Proposal.objects.count() == count


def test_stale_runs_are_reaped_so_the_round_can_run_again(small_round, coordinator):
    from django.utils import timezone

    run = services.run_start(round=small_round, by=coordinator)
    Run.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=timezone.now() - timedelta(hours=2)
    )
    assert services.runs_reap_stale(queued_older_than_seconds=600) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    services.run_start(round=small_round, by=coordinator)


def test_pins_and_bans_change_the_next_run_and_the_difference_is_shown(
    small_round,
    coordinator,
    as_coordinator,
    django_capture_on_commit_callbacks,
    municipality,
    other_municipality,
):
    first = start(small_round, coordinator, django_capture_on_commit_callbacks)
    hh_a = first.proposals.get(household__reference="HH-A")
    target = other_municipality if hh_a.municipality == municipality else municipality
    services.pair_rule_set(
        round=small_round,
        household=hh_a.household,
        municipality=target,
        kind=PairRuleKind.PIN,
        by=coordinator,
        reason_code="family_reunification",
    )
    second = start(
        small_round, coordinator, django_capture_on_commit_callbacks, reason_code="rules_changed"
    )
    assert second.proposals.get(household__reference="HH-A").municipality == target
    diff = services.run_diff(second, first)
    assert [p.household.reference for p, _old in diff["moved"]] == ["HH-A"]
    page = as_coordinator.get(reverse("run_detail", args=[second.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert f"HH-A moves from {hh_a.municipality.name} to {target.name}" in page.content.decode()
    services.pair_rule_set(
        round=small_round,
        household=hh_a.household,
        municipality=target,
        kind=PairRuleKind.BAN,
        by=coordinator,
        reason_code="medical_care",
    )
    third = start(
        small_round, coordinator, django_capture_on_commit_callbacks, reason_code="rules_changed"
    )
    assert third.proposals.get(household__reference="HH-A").municipality != target


def test_the_run_pages_show_progress_and_result(
    small_round,
    coordinator,
    as_coordinator,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    url = reverse("run_list", args=[small_round.pk])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = as_coordinator.post(url, {"method": "auto", "time_limit": 30})
    run = Run.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("run_detail", args=[run.pk])
    assert len(queued) == 1  # the Celery task, queued after the commit
    page = as_coordinator.get(reverse("run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="run-progress-bar"' in page.content.decode()
    assert as_coordinator.get(reverse("run_status", args=[run.pk])).json()["status"] == "queued"
    queued[0]()
    status = as_coordinator.get(reverse("run_status", args=[run.pk])).json()
    assert status == {**status, "status": "succeeded", "progress": 100, "done": True}
    with django_assert_max_num_queries(25):
        page = as_coordinator.get(reverse("run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Utilisation per municipality" in page.content.decode()


def test_a_second_start_from_the_page_is_refused_clearly(small_round, as_coordinator, coordinator):
    services.run_start(round=small_round, by=coordinator)
    response = as_coordinator.post(
        reverse("run_list", args=[small_round.pk]),
        {"method": "auto", "time_limit": 30},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "in progress already" in response.content.decode()
    assert Run.objects.count() == 1


def test_weights_are_validated_and_saved(small_round, as_coordinator):
    url = reverse("round_weights", args=[small_round.pk])
    from matching.scoring import DEFAULT_WEIGHTS

    bad = {**DEFAULT_WEIGHTS, "relatives": 500}
    as_coordinator.post(url, bad)
    small_round.refresh_from_db()
    assert small_round.weights == {}
    as_coordinator.post(url, {**DEFAULT_WEIGHTS, "relatives": 80})
    small_round.refresh_from_db()
    assert small_round.weights["relatives"] == 80
    assert AuditEvent.objects.filter(action="matching.round.weights_changed").exists()


def test_match_round_and_export_instance_commands(small_round, coordinator, tmp_path):
    out = StringIO()
    call_command("match_round", str(small_round.pk), stdout=out)
    text = out.getvalue()
    assert "households matched: 4 of 5" in text
    assert "persons matched: 7" in text
    assert "method:" in text
    target = tmp_path / "instance.json"
    call_command("export_instance", small_round.name, "-o", str(target), stderr=StringIO())
    document = json.loads(target.read_text())
    assert document["format"] == "rematch-instance/1"
    # After the run nothing was published, so all five households are still open.
    assert len(document["households"]) == 5


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_starting_at_once_get_one_run(small_round, coordinator):
    """Two requests race: one run is queued, the other is refused with a clear message."""
    import threading

    from django.db import connection
    from django.utils import translation

    if connection.vendor != "postgresql":
        # Shared-cache in-memory SQLite (the test database) reports lock conflicts instead of
        # waiting; CI runs this race on PostgreSQL, the production database.
        pytest.skip("the race is checked on PostgreSQL")

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def start_one() -> None:
        barrier.wait()
        try:
            with translation.override("en"):
                services.run_start(round=small_round, by=coordinator)
            outcomes.append("started")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=start_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["A run of this round is in progress already.", "started"]
    assert Run.objects.filter(round=small_round).count() == 1
