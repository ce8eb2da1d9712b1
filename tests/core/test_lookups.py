"""``__in`` with a list on PostgreSQL (server-side binding, as the settings deploy it): one
array parameter instead of one parameter a value. The evaluation of a national round filtered
40,000 households on both ends of their links, 80,000 parameters, and PostgreSQL's protocol
takes 65,535 ("number of parameters must be between 0 and 65535")."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from refugees.models import Household, HouseholdStatus, Member
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="server-side binding is PostgreSQL's"
)
MISSING = list(range(10**7, 10**7 + 70_000))  # more values than a query may have parameters


@postgresql_only
def test_a_list_longer_than_the_parameter_limit_is_one_parameter():
    households = HouseholdFactory.create_batch(3)
    MemberFactory(household=households[0])
    pks = [h.pk for h in households]
    assert getattr(connection.features, "uses_server_side_binding", False)
    with CaptureQueriesContext(connection) as queries:
        assert set(
            Household.objects.filter(pk__in=pks + MISSING).values_list("pk", flat=True)
        ) == set(pks)
        both_ends = Member.objects.filter(
            household_id__in=pks + MISSING, household__in=MISSING + pks
        )
        assert both_ends.count() == 1
        assert Household.objects.exclude(pk__in=MISSING + pks[:1]).count() == 2
    assert all("= ANY(" in query["sql"] for query in queries.captured_queries)


@postgresql_only
def test_the_query_text_does_not_depend_on_the_length_of_the_list():
    """A prepared statement serves every length (IN (%s, %s, ...) was a new text a length)."""
    households = HouseholdFactory.create_batch(5)
    texts = set()
    for n in (1, 2, 5):
        query = Household.objects.filter(pk__in=[h.pk for h in households[:n]])
        sql, params = query.query.sql_with_params()
        texts.add(sql)
        assert len(params) == 1
        assert query.count() == n
    assert len(texts) == 1


def test_in_keeps_its_meaning_for_every_kind_of_value():
    first, second = HouseholdFactory.create_batch(2)
    second.status = HouseholdStatus.WITHDRAWN
    second.save()
    member = MemberFactory(household=first)
    assert list(Household.objects.filter(pk__in=[first.pk, None])) == [first]  # NULL never equal
    assert not Household.objects.filter(pk__in=[]).exists()
    assert list(Household.objects.filter(reference__in=[second.reference, "nobody"])) == [second]
    assert list(Household.objects.filter(status__in=[HouseholdStatus.WITHDRAWN])) == [second]
    assert list(Member.objects.filter(household__in=[first, second])) == [member]  # instances
    assert list(Member.objects.filter(household__in=Household.objects.filter(pk=first.pk))) == [
        member
    ]  # a subquery stays a subquery
    assert list(Household.objects.filter(created_at__in=[first.created_at])) == [first]
