"""Races and faults on PostgreSQL with a real Celery worker: closing a round while both sides
answer its offers, and the whole worker killed in the middle of a run.

CI sets DATABASE_URL (PostgreSQL) and REDIS_URL; on a laptop with SQLite these tests are
skipped, in CI (CI=true) a missing service fails them instead."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from matching.models import Offer, OfferStatus, Run, RunStatus
from matching.services import offers as offer_services
from matching.services import runs as run_services
from refugees.services import _common as common_services
from refugees.services import consent as consent_services
from rounds.lifecycle import Phase
from rounds.services import rounds as round_services
from tests.workers import worker_environment

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the round races against PostgreSQL")
        pytest.skip("the races are checked on PostgreSQL")


def test_closing_a_round_while_both_sides_answer_gives_no_error_and_no_late_answer(
    small_round, coordinator, refugee, caseworker, staff, other_staff
):
    """15 people at one barrier: the coordinator closes, everybody else answers. Each either
    gets through or gets a clear refusal; nobody a deadlock (which was a 500)."""
    _needs_postgresql()
    run = run_services.run_start(round=small_round, by=coordinator)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    offers = offer_services.run_publish(run=run, by=coordinator)
    assert offers
    jobs: list[tuple[Callable[..., object], dict[str, object]]] = [
        (round_services.round_close, {"round": small_round, "by": coordinator})
    ]
    for offer in offers:
        jobs.append((offer_services.offer_answer_household, {"offer": offer, "by": caseworker}))
        municipal = (
            staff if offer.municipality.staff_memberships.filter(user=staff) else other_staff
        )
        jobs.append((offer_services.offer_answer_municipality, {"offer": offer, "by": municipal}))
    barrier = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def act(service, kwargs) -> None:
        barrier.wait()
        try:
            with translation.override("en"):
                if "offer" in kwargs:
                    service(accept=True, **kwargs)
                else:
                    service(**kwargs)
        except (ValidationError, PermissionDenied):
            pass  # a clear refusal (closed, answered already, not theirs)
        except BaseException as error:  # a deadlock or anything else would be a 500
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    small_round.refresh_from_db()
    assert small_round.status == Phase.CLOSED
    assert not Offer.objects.filter(round=small_round, status=OfferStatus.PENDING).exists()
    for offer in Offer.objects.filter(round=small_round):
        for answered in (offer.household_answered_at, offer.municipality_answered_at):
            assert answered is None or answered <= small_round.closed_at


def _run_at_once(
    jobs: list[tuple[Callable[..., object], dict[str, object]]],
) -> list[BaseException]:
    """Every job in its own thread and connection, released together; what is neither done
    nor a clear refusal is returned (a deadlock would be a 500)."""
    barrier = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def act(service, kwargs) -> None:
        barrier.wait()
        try:
            with translation.override("en"):
                service(**kwargs)
        except (ValidationError, PermissionDenied):
            pass
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return failures


def _published(small_round, coordinator) -> list[Offer]:
    run = run_services.run_start(round=small_round, by=coordinator)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    offers = offer_services.run_publish(run=run, by=coordinator)
    assert offers
    return offers


def _staff_of(offer: Offer, staff, other_staff):
    return staff if offer.municipality.staff_memberships.filter(user=staff) else other_staff


def test_withdrawing_consent_while_the_household_accepts_its_offer_does_not_deadlock(
    small_round, coordinator, caseworker, staff, other_staff, monkeypatch
):
    """The answer holds the round and the offer and then marks the household matched. A
    withdrawal that locked the household first and its round second deadlocked with it; it
    takes the round first now and waits for the answer."""
    _needs_postgresql()
    offer = _published(small_round, coordinator)[0]
    offer_services.offer_answer_municipality(
        offer=offer, by=_staff_of(offer, staff, other_staff), accept=True
    )
    answering, household_locked = threading.Event(), threading.Event()
    after_answer = offer_services._after_answer

    def answer_slowly(answered: Offer, by) -> None:  # round and offer locked, household not yet
        answering.set()
        household_locked.wait(timeout=3)
        after_answer(answered, by)

    def lock_and_tell(*args, **kwargs):
        locked = lock_editable(*args, **kwargs)
        household_locked.set()
        return locked

    lock_editable = common_services.lock_editable
    monkeypatch.setattr(offer_services, "_after_answer", answer_slowly)
    monkeypatch.setattr(common_services, "lock_editable", lock_and_tell)
    monkeypatch.setattr(consent_services, "lock_editable", lock_and_tell)

    def withdraw(**kwargs) -> None:
        assert answering.wait(timeout=20)
        consent_services.consent_withdraw(**kwargs)

    def accept(**kwargs) -> None:
        offer_services.offer_answer_household(accept=True, **kwargs)

    failures = _run_at_once(
        [
            (accept, {"offer": offer, "by": caseworker}),
            (withdraw, {"household": offer.household, "by": caseworker}),
        ]
    )
    assert failures == []
    offer.refresh_from_db()
    offer.household.refresh_from_db()
    assert not offer.household.has_valid_consent
    assert offer.household_answer == "yes"  # the answer came first and held


def test_withdrawals_answers_and_the_close_at_one_barrier_give_no_error(
    small_round, coordinator, caseworker, staff, other_staff
):
    """Every household withdraws while both sides answer and the coordinator closes."""
    _needs_postgresql()
    offers = _published(small_round, coordinator)
    jobs: list[tuple[Callable[..., object], dict[str, object]]] = [
        (round_services.round_close, {"round": small_round, "by": coordinator})
    ]
    for offer in offers:
        answer = {"offer": offer, "accept": True}
        jobs += [
            (offer_services.offer_answer_household, {**answer, "by": caseworker}),
            (
                offer_services.offer_answer_municipality,
                {**answer, "by": _staff_of(offer, staff, other_staff)},
            ),
            (consent_services.consent_withdraw, {"household": offer.household, "by": caseworker}),
        ]
    assert _run_at_once(jobs) == []
    small_round.refresh_from_db()
    assert small_round.status == Phase.CLOSED
    assert not Offer.objects.filter(round=small_round, status=OfferStatus.PENDING).exists()


def test_erasing_a_household_while_its_run_is_published_leaves_it_without_an_offer(
    small_round, coordinator, monkeypatch
):
    """The erasure held only the household: publishing, which locks the round, read the
    household as still in the round, waited for the household row to insert its offer and then
    offered a place to the erased household. The erasure takes the household's rounds first now,
    so publishing waits for it and then sees the household gone."""
    _needs_postgresql()
    from portal.gdpr import erasure
    from refugees.models import ErasureReason, Household

    run = run_services.run_start(round=small_round, by=coordinator)
    run.refresh_from_db()
    household = Household.objects.get(reference="HH-00042")
    assert run.proposals.filter(household=household, municipality__isnull=False).exists()
    erasing = threading.Event()
    anonymise_members = erasure._anonymise_members

    def slowly(locked) -> None:  # the household (and with the fix its rounds) locked
        erasing.set()
        time.sleep(2)  # publishing gets as far as it can meanwhile
        anonymise_members(locked)

    monkeypatch.setattr(erasure, "_anonymise_members", slowly)

    def erase(**kwargs) -> None:
        erasure.household_anonymise(**kwargs)

    def publish(**kwargs) -> None:
        assert erasing.wait(timeout=20)
        offer_services.run_publish(**kwargs)

    failures = _run_at_once(
        [
            (erase, {"household": household, "by": coordinator, "reason": ErasureReason.REQUEST}),
            (publish, {"run": run, "by": coordinator}),
        ]
    )
    assert failures == []
    household.refresh_from_db()
    assert household.anonymised_at is not None
    assert Offer.objects.filter(run=run).exists()
    assert not Offer.objects.filter(household=household).exists()


WORKER = """
import time, django
django.setup()
from matching.services import runs
real = runs.load_round
def slow(round_):  # long enough to kill the worker in the middle of the run
    time.sleep(60)
    return real(round_)
runs.load_round = slow
from rematch.celery import app
app.worker_main(["worker", "--pool=solo", "--concurrency=1", "--without-gossip",
                 "--without-mingle", "--loglevel=WARNING"])
"""


@pytest.fixture
def slow_worker(small_round, settings, tmp_path):
    """A real worker process whose runs take a minute to load."""
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the worker-kill test against PostgreSQL and Redis")
        pytest.skip("needs REDIS_URL and a PostgreSQL DATABASE_URL")
    from rematch.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    env = worker_environment(
        DJANGO_SETTINGS_MODULE="rematch.settings", MEDIA_ROOT=str(tmp_path), LOG_LEVEL="WARNING"
    )
    app.control.purge()
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=20)
    app.conf.task_always_eager = True


def _wait(predicate, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_a_run_whose_worker_is_killed_is_failed_and_the_round_runs_again(
    slow_worker, small_round, coordinator, monkeypatch
):
    run = run_services.run_start(round=small_round, by=coordinator)

    def running() -> bool:
        run.refresh_from_db()
        return run.status == RunStatus.RUNNING

    _wait(running, 60)
    first_beat = run.heartbeat_at
    time.sleep(run_services.HEARTBEAT_SECONDS + 1.5)
    run.refresh_from_db()
    assert first_beat is not None
    assert run.heartbeat_at is not None
    assert run.heartbeat_at > first_beat  # the worker beats while it works

    os.kill(slow_worker.pid, signal.SIGKILL)  # the whole worker, by its own pid
    slow_worker.wait(timeout=10)
    monkeypatch.setattr(run_services, "HEARTBEAT_TIMEOUT_SECONDS", 3.0)
    assert run_services.runs_reap_stale(queued_older_than_seconds=960) == 0  # it just beat
    time.sleep(3.5)
    assert run_services.runs_reap_stale(queued_older_than_seconds=960) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    again = run_services.run_start(round=small_round, by=coordinator)  # not stuck
    assert Run.objects.get(pk=again.pk).iteration == run.iteration + 1
