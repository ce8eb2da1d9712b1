"""The API against its own OpenAPI schema (schemathesis): for each role, generated requests to
every operation must never cause a server error, and every response must match the schema
(status code documented, body valid). Runs in `make test`, so in CI."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from api.services.tokens import token_create
from matching.models import Offer

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

ROLES = ("coordinator", "staff", "caseworker", "refugee")
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture
def keep_connection():
    """Like Django's test client: the WSGI handler must not close the test's database connection
    after each request (on PostgreSQL that would end the test's transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(published_run, settings, request):
    """Real objects for the path parameters, so generated requests reach real code paths."""
    settings.REMATCH_API_USER_PER_MINUTE = 100_000
    settings.REMATCH_API_ANON_PER_MINUTE = 100_000
    offer = Offer.objects.order_by("pk").first()
    tokens = {}
    for role in ROLES:
        _token, clear = token_create(by=request.getfixturevalue(role), name="schemathesis")
        tokens[role] = clear
    from municipalities.models import Questionnaire

    return {
        "tokens": tokens,
        "ids": {
            "rounds": published_run.round_id,
            "runs": published_run.pk,
            "offers": offer.pk,
            "households": request.getfixturevalue("household").pk,
            "municipalities": request.getfixturevalue("municipality").pk,
            "questionnaires": Questionnaire.objects.order_by("pk").first().pk,
        },
    }


def _real_ids(case, ids: dict[str, int]) -> None:
    resource = case.path.split("/")[3] if case.path.count("/") >= 3 else ""
    if case.path_parameters and "id" in case.path_parameters and resource in ids:
        case.path_parameters["id"] = ids[resource]


# Bounded so that the whole run stays within a few minutes on two cores.
SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def test_the_api_matches_its_schema_for_every_role(world, keep_connection):
    from rematch.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:

        @SETTINGS
        @given(case=operation.as_strategy())
        def check(case):
            _real_ids(case, world["ids"])
            for role in ROLES:  # every generated request, sent once with each role's token
                headers = {
                    "Authorization": f"Bearer {world['tokens'][role]}",
                    "Accept-Language": "en",
                }
                case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as error:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
