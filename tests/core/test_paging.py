"""core.paging: a page cut on the sort keys, then its rows read with the queryset's joins."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.paging import page_of
from municipalities.models import Municipality
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def test_a_page_holds_the_rows_of_its_place_in_the_order():
    for name in ("Essen", "Aachen", "Dortmund", "Bonn", "Celle"):
        MunicipalityFactory(name=name)
    rows = Municipality.objects.order_by("-name")
    page = page_of(rows, 2, "2")
    assert [m.name for m in page] == ["Celle", "Bonn"]
    assert page.paginator.count == 5
    assert page.has_next()
    assert page.has_previous()
    assert [m.name for m in page_of(rows, 2, "no number")] == ["Essen", "Dortmund"]


def test_only_the_keys_are_sorted():
    """Sorting full rows (explanations, demands) of 26,000 offers cost a third of a second."""
    MunicipalityFactory.create_batch(3)
    with CaptureQueriesContext(connection) as queries:
        page_of(Municipality.objects.order_by("name"), 2, 1)
    (cut,) = [q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"]]
    assert '"municipalities_municipality"."name"' not in cut.split(" FROM ")[0]


def test_a_count_given_is_not_counted_again():
    for name in ("Essen", "Aachen", "Dortmund", "Bonn", "Celle"):
        MunicipalityFactory(name=name)
    rows = Municipality.objects.order_by("name")
    with CaptureQueriesContext(connection) as queries:
        page = page_of(rows, 2, "3", count=5)
    assert [m.name for m in page] == ["Essen"]
    assert page.paginator.num_pages == 3
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert len(queries) == 2  # the page's keys, then its rows


def test_rows_that_fit_on_one_page_are_read_in_one_query():
    for name in ("Essen", "Aachen", "Dortmund"):
        MunicipalityFactory(name=name)
    with CaptureQueriesContext(connection) as queries:
        page = page_of(Municipality.objects.order_by("name"), 5, "2", count=3)
    assert [m.name for m in page] == ["Aachen", "Dortmund", "Essen"]
    assert page.number == 1
    assert not page.has_next()
    assert len(queries) == 1
