"""What a run reads and solves is what the round's records say: the bulk loader against the
records read one by one, and the run's instance (built from arrays) against the instance
document that export_instance and the engine's parser use."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.bulk import json_text
from matching import engine, scoring
from matching.services.instance import (
    SECTORS,
    SETTLEMENTS,
    SPECIALIST,
    STATES,
    build_instance,
    build_run_instance,
    load_round,
)
from municipalities.choices import age_on
from refugees.models import Household, Member


@pytest.fixture
def varied_round(small_round):
    """The small round with wishes, specialist care, therapy, sectors and weights set."""
    a, b, c = (Household.objects.get(reference=r) for r in ("HH-A", "HH-B", "HH-C"))
    a.preferences.settlement_types = ["big_city", "rural", "not-a-type"]
    a.preferences.wished_states = ["SH", "BY"]
    a.preferences.weight_work, a.preferences.weight_community = 5, 0
    a.preferences.save()
    Member.objects.filter(household=a).update(sector=SECTORS[3])
    b.needs.psychotherapy = True
    b.needs.specialist_care = [SPECIALIST[0], SPECIALIST[2]]
    b.needs.save()
    c.preferences.excluded_states = ["BY"]
    c.preferences.weight_housing = 1
    c.preferences.save()
    return small_round


def one_by_one(household: Household, arrival) -> dict:
    """A household's columns read through its records, the way a page shows them."""
    members = list(household.members.all())
    demand = household.demand(arrival)
    workers = [m for m in members if 18 <= age_on(m.date_of_birth, arrival) <= 67]
    prefs, needs = household.preferences, household.needs
    return {
        "demand": [demand[d] for d in scoring.DIMENSIONS],
        "settlement_wished": sorted(
            SETTLEMENTS.index(t) for t in prefs.settlement_types if t in SETTLEMENTS
        ),
        "state_wished": sorted(STATES.index(s) for s in prefs.wished_states),
        "state_excluded": sorted(STATES.index(s) for s in prefs.excluded_states),
        "specialist_needed": sorted(SPECIALIST.index(c) for c in needs.specialist_care),
        "has_pets": prefs.has_pets,
        "workers": len(workers),
        "sectors": sorted(SECTORS.index(m.sector) for m in workers if m.sector),
        "weights": [getattr(prefs, f"weight_{w}") for w in scoring.HOUSEHOLD_WEIGHTS],
    }


def test_the_loaded_table_says_what_each_households_records_say(varied_round):
    data = load_round(varied_round)
    hh = data.households
    assert len(hh) == 5
    for i, reference in enumerate(hh.ids):
        household = Household.objects.get(reference=reference)
        expected = one_by_one(household, varied_round.arrival_date)
        sectors = np.repeat(np.arange(len(SECTORS)), hh.workers_by_sector[i].astype(int))
        assert {
            "demand": hh.demand[i].tolist(),
            "settlement_wished": np.flatnonzero(hh.settlement_wished[i]).tolist(),
            "state_wished": np.flatnonzero(hh.state_wished[i]).tolist(),
            "state_excluded": np.flatnonzero(hh.state_excluded[i]).tolist(),
            "specialist_needed": np.flatnonzero(hh.specialist_needed[i]).tolist(),
            "has_pets": bool(hh.has_pets[i]),
            "workers": int(hh.workers[i]),
            "sectors": sectors.tolist(),
            "weights": hh.weights[i].tolist(),
        } == expected, reference


def test_the_run_instance_is_the_instance_document_parsed_and_encoded(varied_round):
    data = load_round(varied_round)
    weights = scoring.normalised_weights({"labour": 33.3})
    document, scored = build_instance(data, weights)
    built = build_run_instance(data, weights)
    assert built.content == json_text(document).encode()
    assert json.loads(built.content) == document
    parsed = engine.parse_instance(document)
    assert built.instance == parsed
    for key in ("integral", "pair_index"):
        mine, theirs = built.instance.cached(key), parsed.cached(key)
        assert mine is not None, key
        assert theirs is not None, key
        if key == "pair_index":
            for a, b in zip(mine, theirs, strict=True):
                assert a.dtype == b.dtype
                np.testing.assert_array_equal(a, b)
        else:
            assert mine == theirs
    assert [p.score for p in built.instance.scores] == [p.score for p in parsed.scores]
    assert all(type(p.score) is int for p in built.instance.scores)
    np.testing.assert_array_equal(built.scored.score, scored.score)
    result = engine.solve(built.instance, time_limit=5)
    assert result.to_dict() | {"seconds": 0} == engine.solve(parsed, time_limit=5).to_dict() | {
        "seconds": 0
    }
