"""A round's evaluation figures are stored (a national round took 35 s a view) and must stay
exactly the figures of the current data."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation.models import RoundMetrics
from evaluation.services import stored
from matching.models import Offer

pytestmark = pytest.mark.django_db


def test_the_stored_figures_equal_the_freshly_computed_ones(answered_round):
    saved = stored.metrics_refresh(round=answered_round)
    saved.refresh_from_db()
    assert saved.figures == stored.round_figures(answered_round)
    assert saved.figures["overall"]["matched_households"] == 1
    assert stored.stored_figures(answered_round).fresh


def test_the_page_shows_the_stored_figures_without_measuring_the_round(
    answered_round, client_for, monkeypatch
):
    client = client_for("coordinator")
    client.get(reverse("round_evaluation", args=[answered_round.pk]))
    assert RoundMetrics.objects.filter(round=answered_round).exists()

    def measure(*args, **kwargs):
        raise AssertionError("the round was measured again")

    monkeypatch.setattr(stored, "load_frame", measure)
    response = client.get(reverse("round_evaluation", args=[answered_round.pk]))
    assert response.status_code == 200
    assert "Too far from school" in response.content.decode()


def test_an_offer_answered_after_the_run_refreshes_the_figures(answered_round, client_for):
    client = client_for("coordinator")
    url = reverse("round_evaluation", args=[answered_round.pk])
    before = client.get(url).context["overall"]["matched_households"]
    Offer.objects.filter(round=answered_round, household__reference="EV-3").update(
        status="accepted",
        household_answer="yes",
        household_reason="",
        household_answered_at=timezone.now(),
    )
    response = client.get(url)
    assert response.context["metrics_fresh"]
    assert response.context["overall"]["matched_households"] == before + 1
    assert RoundMetrics.objects.get(round=answered_round).figures == stored.round_figures(
        answered_round
    )


def test_a_changed_household_makes_the_figures_stale(answered_round):
    stored.metrics_refresh(round=answered_round)
    household = answered_round.entries.first().household
    household.save()  # every change of a household's record moves its updated_at
    assert not RoundMetrics.objects.filter(
        round=answered_round, fingerprint=stored.metrics_fingerprint(answered_round)
    ).exists()


def test_a_large_round_is_measured_by_a_task_while_the_page_shows_the_last_figures(
    answered_round, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    stored.metrics_refresh(round=answered_round)
    Offer.objects.filter(round=answered_round, household__reference="EV-3").update(
        status="accepted", household_answer="yes", household_answered_at=timezone.now()
    )
    monkeypatch.setattr(stored, "SYNC_HOUSEHOLDS", 0)
    client = client_for("coordinator")
    url = reverse("round_evaluation", args=[answered_round.pk])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert not response.context["metrics_fresh"]
    assert "the figures are being updated" in response.content.decode()
    assert len(queued) == 1
    with django_capture_on_commit_callbacks(execute=False) as again:
        client.get(url)
    assert again == []  # one queued measurement per round at a time
    queued[0]()  # the worker runs the task
    response = client.get(url)
    assert response.context["metrics_fresh"]
    assert response.context["overall"]["matched_households"] == 2
