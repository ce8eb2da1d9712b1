"""Every metric on the small hand-checked round of conftest.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from evaluation import koenigstein
from evaluation.services.data import load_frame
from evaluation.services.metrics import (
    offer_statistics,
    placement_metrics,
    round_metrics,
    run_metrics,
)
from tests.evaluation.conftest import make_offer, make_run

pytestmark = pytest.mark.django_db


def test_the_koenigstein_key_is_complete_and_normalised():
    assert len(koenigstein.PERCENT) == 16
    assert sum(koenigstein.PERCENT.values()) == pytest.approx(100, abs=0.1)
    assert sum(koenigstein.shares().values()) == pytest.approx(1.0)
    two = koenigstein.shares(["SH", "NW"])
    assert two["SH"] == pytest.approx(3.4127 / (3.4127 + 21.0776))


def test_the_frame_holds_every_household_in_order_of_registration(eval_round):
    frame = load_frame(eval_round)
    assert frame.households.ids == ["EV-1", "EV-2", "EV-3", "EV-4"]
    assert frame.municipality_names == ["Kiel", "Troisdorf"]
    assert frame.pledged == [6, 4]
    assert frame.households.demand.tolist() == [
        [2, 1, 0, 0, 0],
        [1, 0, 0, 0, 1],
        [3, 0, 1, 0, 0],
        [4, 2, 0, 0, 0],
    ]


def _hand_checked(frame):
    kiel, troisdorf = 0, 1
    placed = {0: kiel, 1: kiel, 2: troisdorf}  # EV-4 stays unplaced
    return placement_metrics(frame, placed, {0: 150, 1: 120, 2: 130})


def test_households_persons_and_scores(eval_round):
    m = _hand_checked(load_frame(eval_round))
    assert (m["households"], m["persons"]) == (4, 10)
    assert (m["matched_households"], m["matched_persons"]) == (3, 6)
    assert m["matched_share"] == 0.75
    assert m["total_score"] == 400
    assert m["mean_score"] == pytest.approx(400 / 3)
    assert m["scores"] == [120, 130, 150]


def test_wished_settlement_type_and_state(eval_round):
    m = _hand_checked(load_frame(eval_round))
    # EV-1 wished a big city (Kiel: yes), EV-2 a medium town (Kiel: no), EV-4 is unplaced.
    assert m["settlement"] == {"eligible": 3, "hits": 1, "share": pytest.approx(1 / 3)}
    # EV-1 wished SH (Kiel), EV-3 wished NW (Troisdorf).
    assert m["state"] == {"eligible": 2, "hits": 2, "share": 1.0}


def test_relatives(eval_round):
    m = _hand_checked(load_frame(eval_round))
    assert m["relatives"] == {"eligible": 1, "hits": 1, "share": 1.0, "with": 1, "near": 0}


def test_needs_coverage(eval_round):
    needs = _hand_checked(load_frame(eval_round))["needs"]
    assert needs["psychotherapy"] == {"eligible": 1, "hits": 1, "share": 1.0}
    assert needs["school"] == {"eligible": 3, "hits": 1, "share": pytest.approx(1 / 3)}
    assert needs["kita"] == {"eligible": 1, "hits": 1, "share": 1.0}
    assert needs["accessible"] == {"eligible": 0, "hits": 0, "share": None}


def test_capacity_utilisation_per_municipality_and_dimension(eval_round):
    kiel, troisdorf = _hand_checked(load_frame(eval_round))["utilisation"]
    assert kiel["municipality"] == "Kiel"
    assert kiel["dims"]["persons"] == {"used": 3, "capacity": 6, "share": 0.5}
    assert kiel["dims"]["school"] == {"used": 1, "capacity": 2, "share": 0.5}
    assert kiel["dims"]["psychotherapy"] == {"used": 1, "capacity": 1, "share": 1.0}
    assert kiel["dims"]["accessible"]["share"] is None
    assert (kiel["pledged"], kiel["persons"], kiel["pledge_share"]) == (6, 3, 0.5)
    assert troisdorf["dims"]["persons"] == {"used": 3, "capacity": 4, "share": 0.75}
    assert troisdorf["dims"]["kita"] == {"used": 1, "capacity": 1, "share": 1.0}


def test_distribution_across_states_against_pledges_and_the_key(eval_round):
    states = {row["state"]: row for row in _hand_checked(load_frame(eval_round))["states"]}
    assert set(states) == {"SH", "NW"}
    assert states["SH"]["persons"] == 3
    assert states["SH"]["share"] == 0.5
    assert states["SH"]["pledged_share"] == pytest.approx(0.6)
    assert states["NW"]["pledged_share"] == pytest.approx(0.4)
    assert states["NW"]["key_share"] == pytest.approx(21.0776 / (21.0776 + 3.4127))


def test_a_run_is_measured_over_the_households_it_considered(eval_round):
    run = make_run(eval_round, {"EV-1": (eval_round.kiel, 150), "EV-4": (None, None)})
    m = run_metrics(load_frame(eval_round), run)
    assert (m["households"], m["matched_households"], m["total_score"]) == (2, 1, 150)
    assert m["settlement"] == {"eligible": 2, "hits": 1, "share": 0.5}


def test_the_round_counts_only_placements_both_sides_accepted(eval_round):
    run = make_run(eval_round, {})
    make_offer(eval_round, run, "EV-1", eval_round.kiel, status="arrived", score=150)
    make_offer(eval_round, run, "EV-3", eval_round.troisdorf, status="accepted", score=130)
    make_offer(eval_round, run, "EV-2", eval_round.kiel, status="pending", score=120)
    m = round_metrics(load_frame(eval_round), eval_round)
    assert (m["households"], m["matched_households"], m["matched_persons"]) == (4, 2, 5)
    assert m["total_score"] == 280


def test_acceptance_decline_objection_rates_reasons_and_time_to_answer(eval_round):
    run = make_run(eval_round, {})
    created = timezone.now() - timedelta(hours=48)
    answers = [
        ("EV-1", "accepted", "yes", "", "yes", "", 10),
        ("EV-2", "declined", "no", "Too far from  my sister", "", "", 20),
        ("EV-3", "objected", "yes", "", "no", "No Kita place after all", 30),
        ("EV-4", "declined", "no", "Too far from my sister", "", "", 40),
    ]
    for ref, status, h_answer, h_reason, m_answer, m_reason, hours in answers:
        offer = make_offer(
            eval_round,
            run,
            ref,
            eval_round.kiel,
            status=status,
            household_answer=h_answer,
            household_reason=h_reason,
            municipality_answer=m_answer,
            municipality_reason=m_reason,
        )
        when = created + timedelta(hours=hours)
        type(offer).objects.filter(pk=offer.pk).update(
            created_at=created,
            household_answered_at=when,
            municipality_answered_at=when if m_answer else None,
        )
    stats = offer_statistics(eval_round)
    assert stats["offers"] == 4
    assert stats["acceptance_rate"] == 0.5
    assert stats["decline_rate"] == 0.5
    assert stats["objection_rate"] == 0.5  # of the two municipal answers
    assert stats["decline_reasons"] == [("Too far from my sister", 2)]
    assert stats["objection_reasons"] == [("No Kita place after all", 1)]
    assert stats["household_hours"]["median"] == pytest.approx(25)
    assert stats["municipality_hours"]["median"] == pytest.approx(20)
    assert dict((code, n) for code, _label, n in stats["by_status"])["declined"] == 2
