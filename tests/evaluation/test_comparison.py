"""Every allocation method respects the hard constraints, capacities and groups (checked by the
engine's own feasibility checker); the optimum is never worse on total score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from evaluation import koenigstein
from evaluation.comparison import METHODS, Context, allocate, allocate_all
from evaluation.models import Comparison, ComparisonStatus
from evaluation.services.comparisons import comparison_execute, comparison_start
from matching.engine import check_feasible, parse_instance
from matching.engine.generate import generate

STATES = list(koenigstein.PERCENT)


def _context(instance, seed=1):
    states = {m.id: STATES[i % 4] for i, m in enumerate(instance.municipalities)}
    return Context(states, koenigstein.shares(STATES[:4]), seed=seed, time_limit=20)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    households=st.integers(1, 40),
    municipalities=st.integers(1, 6),
    density=st.floats(0.2, 1.0),
    seed=st.integers(0, 10_000),
)
def test_every_method_is_feasible_and_the_optimum_is_never_worse(
    households, municipalities, density, seed
):
    instance = parse_instance(
        generate(households, municipalities, density=density, group_share=0.2, seed=seed)
    )
    results = allocate_all(instance, _context(instance, seed))
    assert set(results) == set(METHODS)
    for method, result in results.items():
        assert check_feasible(instance, result.assignment) == [], method
    best_baseline = max(r.objective for m, r in results.items() if m != "optimum")
    assert results["optimum"].objective >= best_baseline


def test_random_allocation_is_reproducible_with_its_seed():
    instance = parse_instance(generate(60, 8, density=0.6, seed=3))
    one = allocate(instance, "random", _context(instance, seed=7))
    two = allocate(instance, "random", _context(instance, seed=7))
    assert one.assignment == two.assignment


def test_the_quota_method_follows_the_key_when_capacity_allows():
    document = {
        "format": "rematch-instance/1",
        "dimensions": ["persons"],
        "municipalities": [
            {"id": "nw", "capacity": {"persons": 100}},
            {"id": "sh", "capacity": {"persons": 100}},
        ],
        "households": [{"id": f"h{i}", "demand": {"persons": 1}} for i in range(20)],
        "scores": [
            {"household": f"h{i}", "municipality": m, "score": 100 + (m == "sh") * 50}
            for i in range(20)
            for m in ("nw", "sh")
        ],
    }
    instance = parse_instance(document)
    context = Context({"nw": "NW", "sh": "SH"}, koenigstein.shares(["NW", "SH"]))
    result = allocate(instance, "quota", context)
    to_sh = sum(1 for m in result.assignment.values() if m == "sh")
    # 3.4127 / (3.4127 + 21.0776) of 20 persons is 2.8: the key, not the scores, decides.
    assert to_sh == 3


def test_first_come_serves_households_in_order_of_registration():
    document = {
        "format": "rematch-instance/1",
        "dimensions": ["persons"],
        "municipalities": [
            {"id": "a", "capacity": {"persons": 1}},
            {"id": "b", "capacity": {"persons": 1}},
        ],
        "households": [
            {"id": "first", "demand": {"persons": 1}},
            {"id": "second", "demand": {"persons": 1}},
        ],
        "scores": [
            {"household": "first", "municipality": "a", "score": 110},
            {"household": "first", "municipality": "b", "score": 100},
            {"household": "second", "municipality": "a", "score": 200},
            {"household": "second", "municipality": "b", "score": 101},
        ],
    }
    instance = parse_instance(document)
    context = Context({"a": "NW", "b": "NW"}, koenigstein.shares(["NW"]))
    assert allocate(instance, "first_come", context).assignment == {"first": "a", "second": "b"}
    # Deferred acceptance: "a" prefers the second household (200 > 110) and keeps it.
    da = allocate(instance, "deferred_acceptance", context).assignment
    assert da == {"first": "b", "second": "a"}
    assert allocate(instance, "optimum", context).objective == 300


def test_an_unknown_method_is_refused():
    instance = parse_instance(generate(3, 2, seed=1))
    with pytest.raises(ValueError, match="unknown method"):
        allocate(instance, "lottery", _context(instance))


# --- the service on the hand-checked round ----------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_compares_the_methods_on_the_round(eval_round, coordinator, on_commit):
    with on_commit():
        item = comparison_start(round=eval_round, by=coordinator)
    item.refresh_from_db()
    assert item.status == ComparisonStatus.SUCCEEDED
    assert item.household_count == 4
    assert item.municipality_count == 2
    methods = {m["method"]: m for m in item.results["methods"]}
    assert set(methods) == set(METHODS)
    assert all(m["violations"] == [] for m in methods.values())
    assert methods["optimum"]["objective"] >= max(m["objective"] for m in methods.values())
    # EV-3 can only go to Troisdorf (excludes SH); EV-2 only to Kiel (psychotherapy).
    assert methods["optimum"]["metrics"]["matched_households"] == 3
    assert AuditEvent.objects.filter(action="evaluation.comparison.started").count() == 1


@pytest.mark.django_db
def test_the_comparison_runs_on_commit(eval_round, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        item = comparison_start(round=eval_round, by=coordinator)
    assert len(callbacks) == 1
    assert Comparison.objects.get(pk=item.pk).status == ComparisonStatus.QUEUED


@pytest.mark.django_db
def test_a_second_comparison_while_one_is_active_is_refused(
    eval_round, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        comparison_start(round=eval_round, by=coordinator)
    with pytest.raises(ValidationError, match="being computed already"):
        comparison_start(round=eval_round, by=coordinator)
    assert Comparison.objects.filter(round=eval_round).count() == 1


@pytest.mark.django_db
def test_a_redelivered_comparison_task_does_nothing_twice(eval_round, coordinator, on_commit):
    with on_commit():
        item = comparison_start(round=eval_round, by=coordinator)
    assert comparison_execute(comparison_id=item.pk) is None


@pytest.mark.django_db
def test_only_coordinators_start_comparisons(eval_round, staff):
    with pytest.raises(PermissionDenied):
        comparison_start(round=eval_round, by=staff)
    assert not Comparison.objects.exists()


@pytest.mark.django_db
def test_a_failing_comparison_is_marked_failed(eval_round, coordinator, monkeypatch, on_commit):
    def boom(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr("evaluation.services.comparisons.compare", boom)
    with on_commit():
        item = comparison_start(round=eval_round, by=coordinator)
    item.refresh_from_db()
    assert item.status == ComparisonStatus.FAILED
    assert "solver exploded" in item.error


@pytest.mark.django_db
def test_a_comparison_whose_worker_died_is_marked_failed(
    eval_round, coordinator, django_capture_on_commit_callbacks
):
    import time_machine
    from django.utils import timezone

    from evaluation.services.comparisons import comparisons_reap_stale

    with django_capture_on_commit_callbacks(execute=False):
        item = comparison_start(round=eval_round, by=coordinator)
    assert comparisons_reap_stale(older_than_seconds=960) == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=17)):
        assert comparisons_reap_stale(older_than_seconds=960) == 1
    item.refresh_from_db()
    assert item.status == ComparisonStatus.FAILED
    comparison_start(round=eval_round, by=coordinator)  # the round can be compared again
