"""A round run through a real Celery worker process, with the Redis broker and PostgreSQL.

CI sets DATABASE_URL (PostgreSQL) and REDIS_URL; without them (a laptop on SQLite) the test is
skipped, and in CI a missing service fails it instead."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from matching.models import Run, RunStatus
from matching.services import runs as services
from tests.workers import worker_environment

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_broker(settings):
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the Celery worker test against PostgreSQL and Redis")
        pytest.skip("needs REDIS_URL and a PostgreSQL DATABASE_URL")
    from rematch.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True


@pytest.fixture
def worker(real_broker, tmp_path):
    """A Celery worker in its own process, reading the test database."""
    env = worker_environment(MEDIA_ROOT=str(tmp_path), LOG_LEVEL="WARNING")
    real_broker.control.purge()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "rematch",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(run: Run, seconds: float = 90) -> Run:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if not run.is_active:
            return run
        time.sleep(0.5)
    raise AssertionError(f"run still {run.status} after {seconds} s")


def test_a_round_runs_through_a_real_worker(worker, small_round, coordinator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run = services.run_start(round=small_round, by=coordinator)
    run = wait_for(run)
    output = "" if worker.poll() is None else worker.stdout.read().decode()
    assert run.status == RunStatus.SUCCEEDED, (run.error, output)
    assert run.matched_households == 4
    assert run.proposals.count() == 5


def test_healthz_sees_the_real_broker(real_broker, client):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
