"""Personas: one signed-up account per role, as the tests' cast of characters."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import personas
from tests.personas import give_totp  # noqa: F401  (imported from here by other tests)


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.REMATCH_REQUIRE_MFA = True
    # Rate limits live in the cache: each test starts with a fresh, private one (also in CI,
    # where the configured cache is the shared Redis).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _english_messages():
    """Service-level messages in English, so tests can match them; requests still choose their
    own language (German by default) through LocaleMiddleware."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def organisation(db):
    return personas.make_organisation()


@pytest.fixture
def other_organisation(db):
    return personas.make_other_organisation()


@pytest.fixture
def municipality(db):
    return personas.make_municipality()


@pytest.fixture
def other_municipality(db):
    return personas.make_other_municipality()


@pytest.fixture
def coordinator(db):
    return personas.make_coordinator()


@pytest.fixture
def staff(db, municipality):
    return personas.make_staff(municipality)


@pytest.fixture
def other_staff(db, other_municipality):
    return personas.make_other_staff(other_municipality)


@pytest.fixture
def caseworker(db, organisation):
    return personas.make_caseworker(organisation)


@pytest.fixture
def other_caseworker(db, other_organisation):
    return personas.make_other_caseworker(other_organisation)


@pytest.fixture
def household(db, organisation):
    return personas.make_household(organisation)


@pytest.fixture
def refugee(db, household):
    return personas.make_refugee(household)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_coordinator(coordinator):
    return login(coordinator)


@pytest.fixture
def as_staff(staff):
    return login(staff)


@pytest.fixture
def as_caseworker(caseworker):
    return login(caseworker)


@pytest.fixture
def as_refugee(refugee):
    return login(refugee)


@pytest.fixture(params=["anonymous", "coordinator", "staff", "caseworker", "refugee"])
def any_role(request):
    """A client for each role, for permission matrices."""
    if request.param == "anonymous":
        return request.param, Client()
    return request.param, request.getfixturevalue(f"as_{request.param}")
