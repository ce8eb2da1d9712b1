"""Sessions read from the shared cache and kept in the database (core.sessions): a signed-in
page does not read its session from the database, signing out ends the session everywhere,
and a cache that fails (Redis down) costs a query, never a page."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import sessions

ROOT = Path(__file__).resolve().parents[2]


class BrokenCache(BaseCache):
    """Redis down: every call fails, as redis-py's ConnectionError does."""

    def __init__(self, location, params):
        super().__init__(params)

    def _fail(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    get = set = add = delete = has_key = touch = clear = _fail


class RecordingCache(LocMemCache):
    """A private cache that remembers the lifetime of each copy it is given."""

    timeouts: list[int] = []

    def set(self, key, value, timeout=None, version=None):
        RecordingCache.timeouts.append(timeout)
        super().set(key, value, timeout, version)


def _use(settings, backend: str) -> None:
    settings.SESSION_ENGINE = "core.sessions"
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {"BACKEND": backend, "LOCATION": "sessions-test"},
    }


@pytest.fixture
def cached_sessions(settings):
    _use(settings, "tests.core.test_sessions.RecordingCache")
    RecordingCache.timeouts = []


@pytest.fixture
def broken_cache(settings):
    _use(settings, "tests.core.test_sessions.BrokenCache")


def _session_queries(client, path: str) -> list[str]:
    """The reads of the session table (a staff session is written once a minute, for its
    idle timeout)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and "django_session" in q["sql"]
    ]


def test_a_signed_in_page_reads_its_session_from_the_cache(cached_sessions, as_caseworker):
    assert _session_queries(as_caseworker, "/") == []
    assert _session_queries(as_caseworker, reverse("household_list")) == []


def test_the_session_is_still_recorded_in_the_database(cached_sessions, as_caseworker):
    key = as_caseworker.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()


def test_a_copy_lives_minutes_not_the_whole_session(cached_sessions, as_caseworker):
    as_caseworker.get("/")
    assert RecordingCache.timeouts
    assert all(0 < t <= sessions.CACHE_SECONDS for t in RecordingCache.timeouts)


def test_signing_out_ends_the_session_for_a_copied_cookie(cached_sessions, as_caseworker):
    key = as_caseworker.cookies["sessionid"].value
    as_caseworker.get("/")  # the session is in the cache now
    as_caseworker.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()
    as_caseworker.cookies["sessionid"] = key  # the old cookie, replayed
    response = as_caseworker.get(reverse("household_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_missing_copy_is_read_from_the_database(cached_sessions, as_caseworker):
    from django.core.cache import caches

    caches["sessions"].clear()  # Redis restarted empty
    assert len(_session_queries(as_caseworker, "/")) == 1
    assert _session_queries(as_caseworker, "/") == []  # copied again


def test_with_the_cache_down_pages_still_work_from_the_database(broken_cache, as_caseworker):
    assert len(_session_queries(as_caseworker, "/")) == 1
    assert as_caseworker.get(reverse("household_list")).status_code == 200


def test_with_the_cache_down_signing_in_and_out_work(broken_cache, client, caseworker):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("account_login"), {"login": caseworker.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    key = client.cookies["sessionid"].value
    assert client.get("/").status_code == 200
    assert Session.objects.filter(session_key=key).exists()
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies["sessionid"] = key
    assert client.get(reverse("household_list")).status_code == 302


def test_the_cache_failure_is_logged_without_the_session_key(broken_cache, as_caseworker, caplog):
    key = as_caseworker.cookies["sessionid"].value
    as_caseworker.get("/")
    assert "session cache unavailable" in caplog.text
    assert key not in caplog.text


def _engine(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    clean.update(DJANGO_SETTINGS_MODULE="rematch.settings", SECRET_KEY="x" * 60, **env)
    show = "import django; django.setup(); from django.conf import settings; "
    show += "print(settings.SESSION_ENGINE)"
    done = subprocess.run(
        [sys.executable, "-c", show], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_sessions_use_the_cache_only_where_it_is_shared():
    assert _engine(REDIS_URL="redis://127.0.0.1:6379/0") == "core.sessions"
    # Per-process memory: a copy in one process would outlive a sign-out in another.
    assert _engine() == "django.contrib.sessions.backends.db"
