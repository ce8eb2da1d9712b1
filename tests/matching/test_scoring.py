"""Scoring rules one by one: each hard constraint, each criterion, the weights."""

from __future__ import annotations

import numpy as np
import pytest

from matching import scoring
from matching.services.instance import SECTORS, SPECIALIST, STATES
from tests.matching.tables import households, municipalities

H0 = np.array([0])


def pairs(hh, mu):
    scored = scoring.score_round(hh, mu)
    return {
        (int(h), int(m)): int(s)
        for h, m, s in zip(scored.household, scored.municipality, scored.score, strict=True)
    }


def test_a_plain_pair_is_compatible_and_scores_the_base():
    assert pairs(households(), municipalities(1)) == {(0, 0): scoring.BASE_SCORE}


def test_an_excluded_state_makes_the_pair_incompatible():
    excluded = np.zeros((1, len(STATES)), dtype=bool)
    excluded[0, STATES.index("BY")] = True
    mu = municipalities(2, state=np.array([STATES.index("BY"), STATES.index("SH")]))
    assert set(pairs(households(state_excluded=excluded), mu)) == {(0, 1)}


def test_unreachable_specialist_care_makes_the_pair_incompatible():
    need = np.zeros((1, len(SPECIALIST)), dtype=bool)
    need[0, SPECIALIST.index("dialysis")] = True
    reach = np.zeros((2, len(SPECIALIST)), dtype=bool)
    reach[1, SPECIALIST.index("dialysis")] = True
    mu = municipalities(2, specialist_reachable=reach)
    assert set(pairs(households(specialist_needed=need), mu)) == {(0, 1)}


def test_no_unit_big_enough_makes_the_pair_incompatible_when_only_units_are_listed():
    hh = households(demand=np.array([[5, 2, 0, 0, 0]]))
    mu = municipalities(3, largest_unit=np.array([4, 5, 4]), aggregate_places=np.array([0, 0, 10]))
    # m0: units too small; m1: a unit of 5 beds; m2: small units but shared places too.
    assert set(pairs(hh, mu)) == {(0, 1), (0, 2)}


def test_pets_need_pet_friendly_housing():
    hh = households(has_pets=np.array([True]))
    mu = municipalities(2, pet_friendly=np.array([False, True]))
    assert set(pairs(hh, mu)) == {(0, 1)}


def test_a_demand_beyond_the_whole_capacity_is_incompatible():
    hh = households(demand=np.array([[2, 0, 0, 1, 0]]))
    mu = municipalities(2, capacity=np.array([[20, 5, 5, 0, 1], [20, 5, 5, 1, 1]]))
    assert set(pairs(hh, mu)) == {(0, 1)}


def test_a_coordinators_ban_removes_the_pair_and_a_pin_keeps_only_that_pair():
    hh, mu = households(2), municipalities(3)
    scored = scoring.score_round(hh, mu, bans={(0, 1)}, pins={1: 2})
    got = set(zip(scored.household.tolist(), scored.municipality.tolist(), strict=True))
    assert got == {(0, 0), (0, 2), (1, 2)}


def points(code, hh, mu, m=0, weights=None):
    values = scoring.criterion_points(
        H0, np.array([m]), hh, mu, scoring.normalised_weights(weights)
    )
    return float(values[code][0])


def test_relatives_in_the_municipality_count_fully_and_nearby_half():
    hh = households(relative_municipality={(0, 0)}, relative_state={(0, 3)})
    mu = municipalities(3, state=np.array([0, 3, 5]))
    full = scoring.DEFAULT_WEIGHTS["relatives"]
    assert points("relatives", hh, mu, 0) == full
    assert points("relatives", hh, mu, 1) == full / 2
    assert points("relatives", hh, mu, 2) == 0


def test_the_wished_settlement_type_and_state_add_points():
    wished = np.zeros((1, 4), dtype=bool)
    wished[0, 0] = True
    states = np.zeros((1, len(STATES)), dtype=bool)
    states[0, 2] = True
    hh = households(settlement_wished=wished, state_wished=states)
    mu = municipalities(2, settlement=np.array([0, 3]), state=np.array([2, 4]))
    assert points("settlement", hh, mu, 0) == scoring.DEFAULT_WEIGHTS["settlement"]
    assert points("settlement", hh, mu, 1) == 0
    assert points("state", hh, mu, 0) == scoring.DEFAULT_WEIGHTS["state"]
    assert points("state", hh, mu, 1) == 0


def test_labour_demand_counts_the_share_of_working_age_members_in_demanded_sectors():
    by_sector = np.zeros((1, len(SECTORS)))
    by_sector[0, SECTORS.index("81")] = 1  # nursing
    hh = households(workers_by_sector=by_sector, workers=np.array([2.0]))
    demand = np.zeros((1, len(SECTORS)), dtype=bool)
    demand[0, SECTORS.index("81")] = True
    mu = municipalities(1, sectors_in_demand=demand)
    assert points("labour", hh, mu) == scoring.DEFAULT_WEIGHTS["labour"] / 2


def test_language_course_waiting_time_lowers_the_points_and_no_seats_give_none():
    mu = municipalities(
        3, course_seats=np.array([10, 10, 0]), course_wait_weeks=np.array([0.0, 13.0, 0.0])
    )
    full = scoring.DEFAULT_WEIGHTS["language_course"]
    assert points("language_course", households(), mu, 0) == full
    assert points("language_course", households(), mu, 1) == full / 2
    assert points("language_course", households(), mu, 2) == 0


def test_medical_care_uses_paediatrics_for_children_and_therapy_places_when_needed():
    mu = municipalities(1, gp=np.array([1.0]), paediatrics=np.array([0.0]))
    full = scoring.DEFAULT_WEIGHTS["medical"]
    assert points("medical", households(), mu) == full
    child = households(demand=np.array([[2, 1, 0, 0, 0]]))
    assert points("medical", child, mu) == full / 2
    therapy = households(demand=np.array([[2, 0, 0, 0, 1]]))
    mu.capacity[0, 4] = 0
    assert points("medical", therapy, mu) == full / 2


def test_community_and_education_and_housing():
    mu = municipalities(1, community=np.array([0.5]))
    mu.unit_fit[0, 2] = 1.0
    assert points("community", households(), mu) == scoring.DEFAULT_WEIGHTS["community"] / 2
    assert points("housing", households(), mu) == scoring.DEFAULT_WEIGHTS["housing"]
    assert points("education", households(), mu) == 0  # no children, no points
    child = households(demand=np.array([[2, 1, 0, 0, 0]]))
    assert points("education", child, mu) == scoring.DEFAULT_WEIGHTS["education"]


def test_household_weights_scale_the_round_weights():
    hh = households(relative_municipality={(0, 0)})
    hh.weights[0, scoring.HOUSEHOLD_WEIGHTS.index("community")] = 6.0 / 2  # neutral
    base = points("relatives", hh, municipalities(1))
    hh.weights[0, scoring.HOUSEHOLD_WEIGHTS.index("community")] = 0.0
    assert points("relatives", hh, municipalities(1)) == 0
    hh.weights[0, scoring.HOUSEHOLD_WEIGHTS.index("community")] = 5.0
    assert points("relatives", hh, municipalities(1)) == pytest.approx(base * 5 / 3)


def test_round_weights_change_the_points_and_are_clipped():
    hh = households(relative_municipality={(0, 0)})
    assert points("relatives", hh, municipalities(1), weights={"relatives": 10}) == 10
    assert points("relatives", hh, municipalities(1), weights={"relatives": 500}) == 100
    assert points("relatives", hh, municipalities(1), weights={"relatives": -5}) == 0


def test_explanations_list_the_contributing_criteria_largest_first():
    hh = households(relative_municipality={(0, 0)})
    mu = municipalities(1, community=np.array([1.0]))
    rows = scoring.explain(H0, H0, hh, mu, None)
    assert rows == [
        [{"criterion": "relatives", "points": 40}, {"criterion": "community", "points": 15}]
    ]


def test_only_the_best_candidates_per_household_are_kept():
    mu = municipalities(4, community=np.array([0.1, 0.9, 0.5, 0.7]))
    scored = scoring.score_round(households(2), mu, candidates=2)
    kept = set(zip(scored.household.tolist(), scored.municipality.tolist(), strict=True))
    assert kept == {(0, 1), (0, 3), (1, 1), (1, 3)}
    assert scored.compatible_count.tolist() == [4, 4]


def test_scores_are_positive_integers_for_the_engine():
    mu = municipalities(3, community=np.array([0.3, 0.0, 1.0]))
    scored = scoring.score_round(households(3), mu)
    assert scored.score.dtype.kind == "i"
    assert (scored.score > 0).all()
