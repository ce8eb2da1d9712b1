"""The figures on the dashboards are right, and computed in a fixed number of queries however
many households an organisation has (a national round puts 40,000 in one)."""

from __future__ import annotations

import itertools

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import ConsentFactory, HouseholdFactory

_numbers = itertools.count(1)


def _household(organisation, **kwargs):
    return HouseholdFactory(
        reference=f"DASH-{next(_numbers):05d}", organisation=organisation, **kwargs
    )


def _dashboard(client) -> tuple[dict, int]:
    client.get(reverse("dashboard"))  # the first request of a session may write the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.context, len(queries)


def test_the_caseworker_dashboard_counts_the_organisations_households(
    as_caseworker, caseworker, organisation, other_organisation
):
    before, _ = _dashboard(as_caseworker)
    base = (
        before["household_count"],
        before["draft_count"],
        before["without_consent_count"],
    )
    valid = _household(organisation, status="ready")
    ConsentFactory(household=valid)
    _household(organisation, status="draft")  # no consent at all
    withdrawn = _household(organisation, status="ready", caseworker=caseworker)
    ConsentFactory(household=withdrawn, withdrawn_at=timezone.now())
    outdated = _household(organisation, status="draft", caseworker=caseworker)
    ConsentFactory(household=outdated, text_version="2019-1")
    _household(other_organisation, status="draft")  # another organisation's: never counted
    context, _ = _dashboard(as_caseworker)
    assert context["household_count"] == base[0] + 4
    assert context["draft_count"] == base[1] + 2
    assert context["without_consent_count"] == base[2] + 3
    recent = list(context["recent_households"])
    assert recent[:2] == [outdated, withdrawn]  # the caseworker's own, last changed first
    assert all(h.caseworker_id == caseworker.pk for h in recent)


def test_the_caseworker_dashboard_queries_do_not_grow_with_the_households(
    as_caseworker, caseworker, organisation
):
    _context, few = _dashboard(as_caseworker)
    for _ in range(30):
        household = _household(organisation, caseworker=caseworker)
        ConsentFactory(household=household)
    _context, many = _dashboard(as_caseworker)
    assert many == few


def test_the_coordinator_dashboard_queries_do_not_grow_with_the_households(
    as_coordinator, organisation
):
    _context, few = _dashboard(as_coordinator)
    for _ in range(30):
        _household(organisation)
    context, many = _dashboard(as_coordinator)
    assert many == few
    from refugees.models import Household

    assert context["household_count"] == Household.objects.count()


def test_the_caseworker_dashboard_counts_in_one_pass_over_the_households(
    as_caseworker, organisation
):
    """A national round's organisation has 40,000 households: the figures from one scan."""
    ConsentFactory(household=_household(organisation))
    as_caseworker.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as queries:
        as_caseworker.get(reverse("dashboard"))
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1
    assert "refugees_consent" in counts[0]
