"""Published results: aggregate figures of closed rounds, never a figure below 5 people."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluation.models import Survey
from matching.models import Offer, Run
from portal import results
from portal.results import Figure, count, mean, share
from tests.evaluation.conftest import add_household, add_questionnaire, make_round

pytestmark = pytest.mark.django_db


def test_counts_below_the_threshold_are_withheld():
    assert count(4).suppressed
    assert count(0).suppressed
    assert count(5) == Figure(5, "count")


def test_a_share_needs_five_people_behind_it_and_on_each_side_or_becomes_a_bound():
    assert share(4, 4).suppressed
    assert share(2, 4).value is None
    assert share(5, 10) == Figure(0.5, "share")
    assert share(20, 20).value == 1.0
    assert share(0, 20).value == 0.0
    assert share(18, 20) == Figure(None, "share", above=75)  # 2 misses: "more than 75 %"
    assert share(2, 20) == Figure(None, "share", below=25)  # 2 hits: "less than 25 %"
    assert share(3, 7).suppressed
    assert share(3, 7).above is None
    assert share(3, 7).below is None


def test_a_mean_needs_five_answers():
    assert mean(4.5, 4).suppressed
    assert mean(4.5, 5).value == 4.5


def _closed_round(
    organisation, municipality, other_municipality, *, accepted, declined=0, persons=1, answers=()
):
    """A closed round: ``accepted`` households of ``persons`` each arrived (half in each
    municipality), ``declined`` declined; ``answers`` are 1-month "good decision" answers."""
    round_ = make_round(name="Runde Ost", status="closed", closed_at=timezone.now())
    add_questionnaire(round_, municipality, pledged=30, aggregate_places=30)
    add_questionnaire(round_, other_municipality, pledged=30, aggregate_places=30)
    run = Run.objects.create(round=round_, iteration=1, status="succeeded")
    households = [
        add_household(round_, organisation, f"R-{i}", ages=(30,) * persons, order=i)
        for i in range(accepted + declined)
    ]
    for i, household in enumerate(households):
        yes = i < accepted
        place = municipality if i % 2 == 0 else other_municipality
        offer = Offer.objects.create(
            round=round_,
            run=run,
            household=household,
            municipality=place,
            score=100,
            demand={"persons": persons},
            status="arrived" if yes else "declined",
            household_answer="yes" if yes else "no",
            municipality_answer="yes",
            deadline=timezone.now(),
            arrived_at=timezone.now() if yes else None,
        )
        if i < len(answers):
            Survey.objects.create(
                round=round_,
                kind="household",
                wave=1,
                household=household,
                municipality=place,
                offer=offer,
                due_on=timezone.localdate(),
                sent_at=timezone.now(),
                answered_at=timezone.now(),
                answers={"good_decision": str(answers[i])},
            )
    return round_


def _figures(html: str) -> list[str]:
    """Every figure about people (not the number of municipalities or federal states)."""
    cells = re.findall(r"data-people>\s*(.*?)</(?:dd|td)>", html, re.S)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in cells if "not shown" not in c]


def test_a_round_with_fewer_than_five_people_matched_publishes_no_figure(
    organisation, municipality, other_municipality
):
    _closed_round(
        organisation, municipality, other_municipality, accepted=2, persons=2, answers=(5, 4)
    )
    html = Client().get(reverse("public_results"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Runde Ost" in html
    assert "figures are not published" in html
    assert _figures(html) == []
    rows = list(csv.reader(io.StringIO(_csv().lstrip("\ufeff")), delimiter=";"))
    assert rows[1][0] == "Runde Ost"
    assert all(cell == "" for cell in rows[1][2:])


def test_a_larger_round_shows_its_figures_and_withholds_the_small_ones(
    organisation, municipality, other_municipality
):
    _closed_round(
        organisation,
        municipality,
        other_municipality,
        accepted=6,
        declined=2,
        answers=(5, 5, 4, 5, 3, 2),
    )
    result = results.round_results(results.closed_rounds().get())
    assert result.matched_persons.value == 6
    assert result.matched_households.value == 6
    assert result.municipalities.value == 2
    assert result.federal_states.value == 2
    assert result.acceptance == Figure(None, "share", above=37)  # 6 of 8, 2 declined
    assert result.survey[0].answers.value == 6
    assert result.survey[0].agree == Figure(None, "share")  # 4 agree, 2 not: both too few
    assert result.survey[0].mean.value == pytest.approx(4.0)
    assert result.survey[1].answers.suppressed  # nobody answered after 6 months
    html = Client().get(reverse("public_results"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _figures(html) == ["6", "6", "more than 37 %", "6", "4.0"]
    for figure in _figures(html):
        number = re.match(r"^\d+", figure)
        assert number is None or int(number.group()) >= 5 or "%" in figure or "." in figure
    assert "more than 37 %" in html


def test_no_figure_below_five_in_the_csv_download(organisation, municipality, other_municipality):
    _closed_round(
        organisation,
        municipality,
        other_municipality,
        accepted=7,
        declined=3,
        answers=(5, 5, 5, 5, 5, 1, 2),
    )
    content = _csv()
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    figures = rows[1][2:]
    counts = [figures[i] for i in (0, 1, 5, 8, 11)]  # persons, households, answers per wave
    assert counts[:3] == ["7", "7", "7"]
    assert all(c == "" or int(c) >= 5 for c in counts)
    assert figures[4] == ">50"  # 7 of 10 accepted, 3 declined


def _csv() -> str:
    response = Client().get(reverse("public_results_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return response.content.decode("utf-8")


def test_results_are_cached_so_visitors_do_not_recompute_the_evaluation(
    organisation, municipality, other_municipality, django_assert_max_num_queries
):
    _closed_round(organisation, municipality, other_municipality, accepted=6)
    client = Client()
    client.get(reverse("public_results"))
    with django_assert_max_num_queries(4):
        client.get(reverse("public_results"))
