"""Personas: one signed-up account per role, as the tests' cast of characters."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from accounts.roles import Role
from tests.factories import (
    HouseholdFactory,
    MunicipalityFactory,
    OrganisationFactory,
    StaffMembershipFactory,
    UserFactory,
)


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


def give_totp(user) -> None:
    """Pretend the user has set up TOTP (the MFA middleware only checks that one exists)."""
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Hilfe e.V.")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Andere Hilfe e.V.")


@pytest.fixture
def municipality(db):
    return MunicipalityFactory(name="Kiel", slug="kiel", ags="01002000", federal_state="SH")


@pytest.fixture
def other_municipality(db):
    return MunicipalityFactory(name="Troisdorf", slug="troisdorf", ags="05382068")


@pytest.fixture
def coordinator(db):
    user = UserFactory(email="clara@example.org", full_name="Clara", role=Role.COORDINATOR)
    give_totp(user)
    return user


@pytest.fixture
def staff(db, municipality):
    membership = StaffMembershipFactory(
        user__email="max@kiel.example", user__full_name="Max", municipality=municipality
    )
    give_totp(membership.user)
    return membership.user


@pytest.fixture
def other_staff(db, other_municipality):
    membership = StaffMembershipFactory(municipality=other_municipality)
    give_totp(membership.user)
    return membership.user


@pytest.fixture
def caseworker(db, organisation):
    return UserFactory(
        email="bernd@hilfe.example",
        full_name="Bernd",
        role=Role.CASEWORKER,
        organisation=organisation,
    )


@pytest.fixture
def other_caseworker(db, other_organisation):
    return UserFactory(role=Role.CASEWORKER, organisation=other_organisation)


@pytest.fixture
def household(db, organisation):
    return HouseholdFactory(reference="HH-00042", organisation=organisation)


@pytest.fixture
def refugee(db, household):
    user = UserFactory(email="olena@example.org", full_name="Olena", role=Role.REFUGEE)
    household.contact_user = user
    household.save()
    return user


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
