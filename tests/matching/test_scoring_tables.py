"""score_round evaluates each rule once per class of alike households (scoring.READS) and
copies the rows; it must give exactly what the rules give pair by pair."""

from __future__ import annotations

import numpy as np
import pytest

from matching import scoring
from matching.services.instance import SECTORS, SETTLEMENTS, SPECIALIST, STATES
from tests.matching.tables import households, municipalities


def random_households(rng: np.random.Generator, n: int) -> scoring.Households:
    persons = rng.integers(1, 10, n)
    school = rng.integers(0, 4, n) * (persons > 1)
    kita = rng.integers(0, 3, n) * (persons > 2)
    demand = np.stack(
        [persons, school, kita, rng.random(n) < 0.2, rng.random(n) < 0.15], axis=1
    ).astype(np.int64)
    workers_by_sector = (rng.random((n, len(SECTORS))) < 0.04) * rng.integers(1, 3, (n, 1))
    workers = workers_by_sector.sum(axis=1) + rng.integers(0, 2, n)
    return households(
        n,
        demand=demand,
        state_wished=rng.random((n, len(STATES))) < 0.1,
        state_excluded=rng.random((n, len(STATES))) < 0.05,
        settlement_wished=rng.random((n, len(SETTLEMENTS))) < 0.3,
        specialist_needed=rng.random((n, len(SPECIALIST))) < 0.03,
        has_pets=rng.random(n) < 0.1,
        workers_by_sector=workers_by_sector.astype(float),
        workers=workers.astype(float),
        # whole weights as households give them, and a few in between
        weights=np.where(
            rng.random((n, 6)) < 0.9, rng.integers(0, 6, (n, 6)), rng.random((n, 6)) * 5
        ),
        relative_municipality={(int(h), int(m)) for h, m in rng.integers(0, [n, 30], (n // 4, 2))},
        relative_state={(int(h), int(s)) for h, s in rng.integers(0, [n, 16], (n // 3, 2))},
    )


def random_municipalities(rng: np.random.Generator, n: int) -> scoring.Municipalities:
    largest = np.where(rng.random(n) < 0.3, -1, rng.integers(1, 9, n))
    return municipalities(
        n,
        state=rng.integers(0, 16, n),
        settlement=rng.integers(0, len(SETTLEMENTS), n),
        capacity=np.stack(
            [rng.integers(0, 60, n), rng.integers(0, 8, n), rng.integers(0, 8, n)]
            + [rng.integers(0, 3, n), rng.integers(0, 3, n)],
            axis=1,
        ),
        specialist_reachable=rng.random((n, len(SPECIALIST))) < 0.7,
        largest_unit=largest,
        aggregate_places=np.where(rng.random(n) < 0.4, 0, rng.integers(0, 40, n)),
        pet_friendly=rng.random(n) < 0.6,
        sectors_in_demand=rng.random((n, len(SECTORS))) < 0.3,
        course_seats=rng.integers(0, 3, n),
        course_wait_weeks=rng.random(n) * 40,
        gp=rng.choice([0.0, 0.5, 1.0], n),
        paediatrics=rng.choice([0.0, 0.5, 1.0], n),
        community=rng.random(n),
        unit_fit=rng.choice([0.0, 0.4, 0.6, 1.0], (n, 9)),
    )


def scored_pair_by_pair(hh, mu, *, weights, bans, pins, candidates):
    """The rules on every pair of the round at once, then each household's best
    ``candidates`` (ties to the lower municipality), as a dict (h, m) -> score."""
    h = np.arange(len(hh))[:, None]
    m = np.arange(len(mu))[None, :]
    ok = scoring.compatible(h, m, hh, mu)
    for i, j in bans:
        ok[i, j] = False
    for i, j in pins.items():
        ok[i] &= np.arange(len(mu)) == j
    scores = scoring.pair_scores(h, m, hh, mu, scoring.normalised_weights(weights))
    kept = {}
    for i in range(len(hh)):
        best = sorted(np.flatnonzero(ok[i]).tolist(), key=lambda j: (-scores[i, j], j))
        for j in best[:candidates] if candidates else best:
            kept[(i, j)] = int(scores[i, j])
    return kept, ok.sum(axis=1)


@pytest.mark.parametrize("seed", range(6))
def test_scores_by_classes_of_households_equal_the_rules_pair_by_pair(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    hh, mu = random_households(rng, 300), random_municipalities(rng, 30)
    weights = {code: float(rng.integers(0, 101)) for code in scoring.CRITERIA}
    weights["labour"] = 33.3  # a weight that is not a whole number
    bans = {(int(h), int(m)) for h, m in rng.integers(0, [300, 30], (40, 2))}
    pins = {int(h): int(m) for h, m in rng.integers(0, [300, 30], (10, 2))}
    candidates = [None, 5, 12][seed % 3]
    monkeypatch.setattr(scoring, "CHUNK_PAIRS", 1000)  # many chunks, one not full
    scored = scoring.score_round(
        hh, mu, weights=weights, bans=bans, pins=pins, candidates=candidates
    )
    expected, counts = scored_pair_by_pair(
        hh, mu, weights=weights, bans=bans, pins=pins, candidates=candidates
    )
    got = {
        (h, m): s
        for h, m, s in zip(
            scored.household.tolist(),
            scored.municipality.tolist(),
            scored.score.tolist(),
            strict=True,
        )
    }
    assert got == expected
    assert scored.compatible_count.tolist() == counts.tolist()
    assert len(expected) > 1000  # most pairs are compatible: the comparison covers them


def test_a_rule_that_reads_an_undeclared_column_is_caught(monkeypatch):
    """The comparison above notices a rule whose READS misses a column it reads."""
    rng = np.random.default_rng(7)
    hh, mu = random_households(rng, 200), random_municipalities(rng, 30)
    monkeypatch.setitem(scoring.READS, "labour", ("workers",))  # workers_by_sector left out
    scored = scoring.score_round(hh, mu)
    expected, _ = scored_pair_by_pair(hh, mu, weights=None, bans=set(), pins={}, candidates=None)
    got = dict(
        zip(
            zip(scored.household.tolist(), scored.municipality.tolist(), strict=True),
            scored.score.tolist(),
            strict=True,
        )
    )
    assert got != expected


def test_a_round_without_municipalities_or_households_scores_nothing():
    empty = scoring.score_round(households(3), municipalities(0))
    assert len(empty.score) == 0
    assert empty.compatible_count.tolist() == [0, 0, 0]
    assert len(scoring.score_round(households(0), municipalities(3)).score) == 0
