"""API clients per role: token clients (machine access) built on the shared personas."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.services.tokens import token_create


@pytest.fixture(autouse=True)
def _fresh_throttles(settings):
    # Throttle counters live in the cache; each test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    _token, clear = token_create(by=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {clear}", HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def api_anonymous():
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def api_coordinator(coordinator):
    return token_client(coordinator)


@pytest.fixture
def api_staff(staff):
    return token_client(staff)


@pytest.fixture
def api_other_staff(other_staff):
    return token_client(other_staff)


@pytest.fixture
def api_caseworker(caseworker):
    return token_client(caseworker)


@pytest.fixture
def api_other_caseworker(other_caseworker):
    return token_client(other_caseworker)


@pytest.fixture
def api_refugee(refugee):
    return token_client(refugee)


ROLES = (
    "anonymous",
    "coordinator",
    "staff",
    "other_staff",
    "caseworker",
    "other_caseworker",
    "refugee",
)


@pytest.fixture
def api_clients(request):
    """Lazily built token clients by role name: api_clients("staff")."""

    def get(role: str) -> APIClient:
        return request.getfixturevalue(f"api_{role}")

    return get


# A round with municipalities, households, a finished and published run (from the matching tests).
from tests.matching.conftest import small_round  # noqa: E402, F401


@pytest.fixture
def published_run(
    request, coordinator, staff, django_capture_on_commit_callbacks, settings, tmp_path
):
    from matching.models import RunStatus
    from matching.services import offers as offer_services
    from matching.services import runs as run_services

    settings.MEDIA_ROOT = tmp_path
    round_ = request.getfixturevalue("small_round")
    with django_capture_on_commit_callbacks(execute=True):
        run = run_services.run_start(round=round_, by=coordinator)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    with django_capture_on_commit_callbacks(execute=True):
        offer_services.run_publish(run=run, by=coordinator)
    run.refresh_from_db()
    return run
