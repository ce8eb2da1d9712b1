"""Faults and headers: Redis down is a 503 (sign-in and API), pages and API responses with
personal data are never cached, a persistent database connection is health-checked."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from api.services.tokens import token_create
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(monkeypatch):
    from django.core.cache.backends.locmem import LocMemCache

    def broken(*args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    for name in ("get", "set", "add", "incr", "delete", "get_many", "set_many", "has_key"):
        monkeypatch.setattr(LocMemCache, name, broken)


def test_sign_in_with_redis_down_is_503_not_500(caseworker, redis_down):
    client = Client(raise_request_exception=False)
    response = client.post(
        reverse("account_login"),
        {"login": caseworker.email, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Service unavailable" in response.content.decode()


def test_the_api_with_redis_down_is_503_in_the_error_shape(caseworker, redis_down):
    _token, clear = token_create(by=caseworker, name="x")
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {clear}")
    response = client.get("/api/v1/households/")
    assert response.status_code == 503
    assert response.json()["type"] == "urn:rematch:problem:unavailable"


def test_a_real_bug_is_still_a_500(monkeypatch, as_caseworker):
    import refugees.views.households

    def bug(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(refugees.views.households, "household_list", bug)
    as_caseworker.raise_request_exception = False
    response = as_caseworker.get(reverse("household_list"))
    assert response.status_code == 500


def test_pages_with_personal_data_are_not_cached(as_caseworker, household):
    response = as_caseworker.get(reverse("household_detail", args=[household.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_api_responses_are_not_cached(caseworker, household):
    _token, clear = token_create(by=caseworker, name="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {clear}")
    response = client.get(f"/api/v1/households/{household.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_persistent_database_connections_are_health_checked(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
