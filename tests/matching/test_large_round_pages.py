"""The run page and the offer list of a large round: paginated, with a number of queries that
does not grow with the number of proposals or offers (timings live in benchmarks/pages.py)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matching.forms import PairRuleForm
from matching.models import Offer, PairRule, Proposal, Run, UnmatchedReason
from matching.services import runs as services
from refugees.models import Household, RoundHousehold
from tests.factories import HouseholdFactory

_numbers = itertools.count(1)


def _households(n: int) -> list[Household]:
    return [HouseholdFactory(reference=f"BIG-{next(_numbers):05d}") for _ in range(n)]


def _offers_of(organisation, run: Run, municipality, n: int, **per_offer) -> list[Household]:
    """``n`` new households of ``organisation``, each with an offer of ``run`` at
    ``municipality``; ``per_offer``: a field's value for the i-th offer, as a function of i
    (the deadline is a week away unless given)."""
    households = _households(n)
    Household.objects.filter(pk__in=[h.pk for h in households]).update(organisation=organisation)
    week = timezone.now() + timedelta(days=7)
    Offer.objects.bulk_create(
        Offer(
            round=run.round,
            run=run,
            household=h,
            municipality=municipality,
            score=1.0,
            **{"deadline": week} | {name: value(i) for name, value in per_offer.items()},
        )
        for i, h in enumerate(households)
    )
    return households


def _start(round_, coordinator, capture, **kwargs) -> Run:
    with capture(execute=True):
        run = services.run_start(round=round_, by=coordinator, **kwargs)
    run.refresh_from_db()
    return run


def _more_proposals(run: Run, previous: Run, municipality, other, n: int) -> None:
    """``n`` more households, moved from ``other`` to ``municipality`` between the runs, and
    ``n`` more that the run leaves unplaced."""
    households = _households(2 * n)
    placed, unplaced = households[:n], households[n:]
    rows = []
    for h in placed:
        rows.append(Proposal(run=previous, household=h, municipality=other, score=10.0))
        rows.append(Proposal(run=run, household=h, municipality=municipality, score=20.0))
    for h in unplaced:
        rows.append(Proposal(run=previous, household=h, municipality=other, score=10.0))
        rows.append(Proposal(run=run, household=h, unmatched_reason=UnmatchedReason.CAPACITY))
    Proposal.objects.bulk_create(rows)


def _queries(client, url: str) -> tuple[int, str]:
    client.get(url)  # the first request of a session may write the session
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    return len(queries), page.content.decode()


@pytest.fixture
def two_runs(small_round, coordinator, django_capture_on_commit_callbacks):
    first = _start(small_round, coordinator, django_capture_on_commit_callbacks)
    second = _start(
        small_round, coordinator, django_capture_on_commit_callbacks, reason_code="rules_changed"
    )
    return first, second


def test_the_run_page_queries_do_not_grow_with_the_proposals(
    two_runs, as_coordinator, municipality, other_municipality
):
    first, second = two_runs
    url = reverse("run_detail", args=[second.pk])
    _more_proposals(second, first, municipality, other_municipality, 1)
    few, _page = _queries(as_coordinator, url)
    _more_proposals(second, first, municipality, other_municipality, 119)
    many, page = _queries(as_coordinator, url)
    assert many == few
    # 120 + the round's own placed households: two pages of 100; the unplaced too.
    assert "Page 1 of 2" in page
    assert 'href="?page=2"' in page
    assert 'href="?unmatched=2"' in page
    # The changes are counted completely, listed for the first 50.
    assert "120 households move" in page
    assert "the first 50 of each are listed" in page
    assert page.count(" moves from Troisdorf to Kiel") == 50
    second_page = as_coordinator.get(url + "?page=2", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Page 2 of 2" in second_page


def test_the_changes_between_runs_are_counted_in_the_database(
    two_runs, municipality, other_municipality
):
    first, second = two_runs
    _more_proposals(second, first, municipality, other_municipality, 3)
    diff = services.run_diff(second, first)
    assert diff["counts"]["moved"] >= 3
    assert diff["counts"]["unplaced"] >= 3
    moved = {p.household.reference: old for p, old in diff["moved"]}
    assert set(moved.values()) >= {"Troisdorf"}
    assert not diff["truncated"]
    assert services.run_diff(second, None)["counts"] == {"moved": 0, "placed": 0, "unplaced": 0}


def test_the_offer_list_of_a_round_is_paginated_with_bounded_queries(
    two_runs, as_coordinator, municipality
):
    _first, run = two_runs
    round_ = run.round
    url = reverse("round_offers", args=[round_.pk])
    deadline = timezone.now() + timedelta(days=7)

    def offers(n: int) -> None:
        Offer.objects.bulk_create(
            Offer(
                round=round_,
                run=run,
                household=h,
                municipality=municipality,
                score=1.0,
                deadline=deadline,
            )
            for h in _households(n)
        )

    offers(3)
    few, _page = _queries(as_coordinator, url)
    offers(150)
    many, page = _queries(as_coordinator, url)
    assert many == few
    assert "Page 1 of 2" in page
    assert page.count('href="/offers/') == 100
    filtered = as_coordinator.get(url + "?status=pending", HTTP_ACCEPT_LANGUAGE="en")
    assert 'href="?status=pending&amp;page=2"' in filtered.content.decode()


def test_a_large_round_asks_for_the_household_reference_instead_of_a_select(
    small_round, monkeypatch, coordinator, municipality
):
    from matching import forms

    small = PairRuleForm(round=small_round)
    assert "<select" in str(small["household"])
    monkeypatch.setattr(forms, "SELECT_MAX_HOUSEHOLDS", 2)
    large = PairRuleForm(round=small_round)
    assert '<input type="text" name="household"' in str(large["household"])
    assert "<option" not in str(large["household"])
    data = {"household": "HH-A", "municipality": municipality.pk, "kind": "ban"}
    form = PairRuleForm({**data, "reason_code": "medical_care"}, round=small_round)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["household"] == Household.objects.get(reference="HH-A")
    outside = HouseholdFactory(reference="HH-OUT")
    assert not RoundHousehold.objects.filter(household=outside).exists()
    refused = PairRuleForm({**data, "household": "HH-OUT"}, round=small_round)
    assert not refused.is_valid()
    assert not PairRule.objects.exists()


def test_the_caseworkers_offer_list_is_paginated_with_queries_bounded(
    two_runs, as_caseworker, organisation, municipality
):
    _first, run = two_runs
    _offers_of(organisation, run, municipality, 3)
    url = reverse("offer_list")
    few, _page = _queries(as_caseworker, url)
    _offers_of(organisation, run, municipality, 150)
    many, page = _queries(as_caseworker, url)
    # Three offers fit on one page: read in their order, without cutting the keys first.
    assert many == few + 1
    _offers_of(organisation, run, municipality, 100)
    assert _queries(as_caseworker, url)[0] == many
    assert "Page 1 of 2" in page
    context = as_caseworker.get(url).context
    assert sum(len(t.rows) for t in context["tables"]) == 100
    # A row reads what it shows, not the offer's explanation (a JSON document per offer).
    row = context["tables"][0].rows[0]
    assert "explanation" in row.offer.get_deferred_fields()


def test_the_offer_list_counts_its_offers_per_round_in_one_query(
    two_runs, as_caseworker, organisation, municipality
):
    """The rounds of the filter and the paginator's count from one grouped query: each count
    of a national round's organisation joins 35,000 offers with the households."""
    _first, run = two_runs
    soon, later = timezone.now() + timedelta(days=7), timezone.now() + timedelta(days=9)
    households = _offers_of(
        organisation,
        run,
        municipality,
        103,
        deadline=lambda i: soon if i % 2 else later,
        status=lambda i: "pending" if i < 101 else "declined",
    )
    url = reverse("offer_list")
    as_caseworker.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = as_caseworker.get(url, HTTP_ACCEPT_LANGUAGE="en")
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1
    assert "GROUP BY" in counts[0]
    assert not [q for q in queries.captured_queries if "EXISTS" in q["sql"]]
    context = page.context
    assert context["page"].paginator.count == 103
    assert "Page 1 of 2" in page.content.decode()
    assert [(r.pk, r.name) for r in context["rounds"]] == [(run.round.pk, run.round.name)]
    # The rounds of the filter come with the counts, not from a query of their own.
    assert not [q for q in queries.captured_queries if 'FROM "matching_round" ' in q["sql"]]
    # The first row is the first in the order: the earliest deadline, then the reference.
    first = context["tables"][0].rows[0].offer
    assert first.deadline == soon
    assert first.household.reference == min(h.reference for i, h in enumerate(households) if i % 2)
    # The round chosen: its own figure; another round: none; a status: counted with it.
    assert as_caseworker.get(url, {"round": run.round.pk}).context["page"].paginator.count == 103
    assert as_caseworker.get(url, {"round": run.round.pk + 99}).context["page"].paginator.count == 0
    assert as_caseworker.get(url, {"status": "declined"}).context["page"].paginator.count == 2
    assert as_caseworker.get(url, {"status": "open"}).context["page"].paginator.count == 101
    assert as_caseworker.get(url, {"status": "bogus"}).context["page"].paginator.count == 103
    last = as_caseworker.get(url, {"page": "2"}).context
    assert sum(len(t.rows) for t in last["tables"]) == 3


def test_each_row_shows_the_age_bands_and_the_persons_of_its_household(
    two_runs, as_caseworker, organisation, municipality
):
    """The members' dates of birth are read for the page's households alone, as values."""
    from datetime import date

    from tests.factories import MemberFactory

    _first, run = two_runs
    run.round.arrival_date = date(2026, 6, 1)
    run.round.save(update_fields=["arrival_date"])
    family, single = _offers_of(
        organisation, run, municipality, 2, demand=lambda i: [{}, {"persons": 2}][i]
    )
    for born in (date(1990, 1, 1), date(2016, 3, 1), date(1992, 2, 2)):
        MemberFactory(household=family, date_of_birth=born, relation="other")
    MemberFactory(household=single, date_of_birth=date(1950, 1, 1))
    page = as_caseworker.get(reverse("offer_list"), HTTP_ACCEPT_LANGUAGE="en")
    rows = {r.offer.household_id: r for t in page.context["tables"] for r in t.rows}
    assert rows[family.pk].persons == 3  # no demand stored: its members
    assert rows[family.pk].age_bands == ["30–44 years", "30–44 years", "6–10 years"]
    assert rows[single.pk].persons == 2  # the demand's figure
    assert rows[single.pk].age_bands == ["65 years and older"]
    assert "30–44 years, 30–44 years, 6–10 years" in page.content.decode()


def test_a_households_offer_page_reads_the_run_without_its_large_documents(
    two_runs, refugee, household, municipality
):
    """The page a national round's households open after the e-mail: the run's utilisation of
    400 municipalities and its stability check are not read for it, the queries are few."""
    from tests.conftest import login

    _first, run = two_runs
    Run.objects.filter(pk=run.pk).update(
        utilisation={f"kreis-{i:03d}": {"persons": [i, 400]} for i in range(400)}
    )
    offer = Offer.objects.create(
        round=run.round,
        run=run,
        household=household,
        municipality=municipality,
        score=1.0,
        deadline=timezone.now() + timedelta(days=7),
    )
    client = login(refugee)
    url = reverse("offer_detail", args=[offer.pk])
    count, page = _queries(client, url)
    assert municipality.name in page
    shown = client.get(url).context["offer"]
    assert {"utilisation", "stability"} <= shown.run.get_deferred_fields()
    assert count <= 6
