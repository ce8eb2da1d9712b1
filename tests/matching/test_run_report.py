"""The run reports placed against the most that could be placed, and its gap in words."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from matching.models import Run, RunStatus
from matching.services import runs as services

pytestmark = pytest.mark.django_db


def _run(round_, coordinator, capture) -> Run:
    with capture(execute=True):
        run = services.run_start(round=round_, by=coordinator)
    run.refresh_from_db()
    return run


def test_the_run_stores_the_most_that_could_be_placed_and_its_utilisation(
    small_round, coordinator, django_capture_on_commit_callbacks
):
    run = _run(small_round, coordinator, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.SUCCEEDED
    # HH-D has no compatible municipality: the bound knows it cannot be placed either.
    assert run.placeable_households is not None
    assert run.placeable_persons is not None
    assert run.matched_households <= run.placeable_households <= run.household_count - 1
    assert run.matched_persons <= run.placeable_persons
    # HH-B (accessible flat) goes to Kiel: [used, capacity] per dimension, by municipality.
    assert run.utilisation["kiel"]["accessible"] == [1, 1]
    used = sum(dims["persons"][0] for dims in run.utilisation.values())
    assert used == run.matched_persons


PROVEN = {
    "en": "The total score is the best possible: the solver proved it.",
    "de": "Die Gesamtpunktzahl ist die bestmögliche: Der Solver hat es bewiesen.",
    "uk": "Загальний бал — найкращий можливий: розв’язувач це довів.",
}
GAP = {
    "en": ("The total score is at most 0.27 % below the best possible.", "at most 9 could be"),
    "de": ("Die Gesamtpunktzahl liegt höchstens 0,27 % unter der bestmöglichen.", "höchstens 9"),
    "uk": ("Загальний бал щонайбільше на 0,27 % нижчий за найкращий можливий.", "щонайбільше 9"),
}


@pytest.mark.parametrize("language", ["en", "de", "uk"])
def test_the_run_page_says_how_close_the_score_is_to_the_best_possible(
    small_round,
    coordinator,
    as_coordinator,
    django_capture_on_commit_callbacks,
    language,
):
    run = _run(small_round, coordinator, django_capture_on_commit_callbacks)
    url = reverse("run_detail", args=[run.pk])
    page = as_coordinator.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert PROVEN[language] in page
    Run.objects.filter(pk=run.pk).update(
        engine_status="feasible", objective=99_730, bound=100_000, placeable_households=9
    )
    page = as_coordinator.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    gap, most = GAP[language]
    assert gap in page
    assert most in page
    assert PROVEN[language] not in page


def test_the_run_page_does_not_read_the_result_file_when_figures_are_stored(
    small_round, coordinator, as_coordinator, django_capture_on_commit_callbacks
):
    run = _run(small_round, coordinator, django_capture_on_commit_callbacks)
    run.result_file.save("broken.json", ContentFile(b"not json"), save=True)
    page = as_coordinator.get(reverse("run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Utilisation per municipality" in page.content.decode()


def test_the_utilisation_names_municipalities_not_their_slugs(
    small_round, coordinator, as_coordinator, django_capture_on_commit_callbacks
):
    run = _run(small_round, coordinator, django_capture_on_commit_callbacks)
    assert "goerlitz" in run.utilisation  # the engine's files keep the slug
    page = as_coordinator.get(reverse("run_detail", args=[run.pk])).content.decode()
    table = page[page.index('id="util-heading"') :]
    assert ">Görlitz</th>" in table
    assert ">Troisdorf</th>" in table
    assert ">goerlitz<" not in table
    assert ">troisdorf<" not in table
