"""Round metrics: what an allocation achieves for the households and the municipalities.

One function, :func:`placement_metrics`, measures any allocation of a round's households
(a run's proposals, the offers the households accepted, or a comparison method's result), so
every figure means the same on every page. The results are plain dicts of numbers (stored as
JSON with a comparison, rendered by the templates)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import numpy as np

from evaluation import koenigstein
from evaluation.services.data import Frame
from matching import scoring
from matching.models import Answer, OfferStatus, RunStatus
from rounds.models import Round

NEEDS = ("accessible", "psychotherapy", "specialist", "school", "kita")


def rate(hits: float, eligible: float) -> float | None:
    return hits / eligible if eligible else None


def placement_metrics(
    frame: Frame,
    placed: Mapping[int, int],
    scores: Mapping[int, float],
    scope: Iterable[int] | None = None,
) -> dict[str, Any]:
    """Metrics of ``placed`` (household row -> municipality row) over the households ``scope``
    (rows; default all). ``scores`` gives the score of each placed household."""
    hh = frame.households
    rows = list(range(len(hh))) if scope is None else list(scope)
    in_scope = set(rows)
    placed = {h: m for h, m in placed.items() if h in in_scope}
    persons = hh.demand[:, 0]
    matched_persons = int(sum(int(persons[h]) for h in placed))
    total = float(sum(scores.get(h, 0) for h in placed))
    return {
        "households": len(rows),
        "persons": int(sum(int(persons[h]) for h in rows)),
        "matched_households": len(placed),
        "matched_persons": matched_persons,
        "matched_share": rate(len(placed), len(rows)),
        "total_score": total,
        "mean_score": total / len(placed) if placed else None,
        "scores": sorted(int(scores.get(h, 0)) for h in placed),
        **_wishes(frame, placed, rows),
        "needs": _needs(frame, placed, rows),
        "utilisation": _utilisation(frame, placed),
        "states": _states(frame, placed),
    }


def _wishes(frame: Frame, placed: Mapping[int, int], rows: list[int]) -> dict[str, Any]:
    hh, mu = frame.households, frame.municipalities
    settlement = [h for h in rows if hh.settlement_wished[h].any()]
    state = [h for h in rows if hh.state_wished[h].any()]
    relatives = {h for h, _m in hh.relative_municipality} | {h for h, _s in hh.relative_state}
    with_relatives = [h for h in rows if h in relatives]
    here = [h for h in with_relatives if (h, placed.get(h)) in hh.relative_municipality]
    near = [
        h
        for h in with_relatives
        if h in placed and h not in here and (h, int(mu.state[placed[h]])) in hh.relative_state
    ]
    settlement_hits = sum(
        1 for h in settlement if h in placed and hh.settlement_wished[h, mu.settlement[placed[h]]]
    )
    state_hits = sum(1 for h in state if h in placed and hh.state_wished[h, mu.state[placed[h]]])
    return {
        "settlement": _share(len(settlement), settlement_hits),
        "state": _share(len(state), state_hits),
        "relatives": {
            **_share(len(with_relatives), len(here) + len(near)),
            "with": len(here),
            "near": len(near),
        },
    }


def _share(eligible: int, hits: int) -> dict[str, Any]:
    return {"eligible": eligible, "hits": hits, "share": rate(hits, eligible)}


def _needs(frame: Frame, placed: Mapping[int, int], rows: list[int]) -> dict[str, Any]:
    """Needs coverage: of those who need it, how many (persons for school and Kita) are placed
    in a municipality that provides it (the hard constraints make placed the same as covered)."""
    hh = frame.households
    amount = {
        "accessible": hh.demand[:, 3],
        "psychotherapy": hh.demand[:, 4],
        "specialist": hh.specialist_needed.any(axis=1).astype(np.int64),
        "school": hh.demand[:, 1],
        "kita": hh.demand[:, 2],
    }
    result = {}
    for need in NEEDS:
        eligible = int(sum(int(amount[need][h]) for h in rows))
        covered = int(sum(int(amount[need][h]) for h in rows if h in placed))
        result[need] = _share(eligible, covered)
    return result


def _utilisation(frame: Frame, placed: Mapping[int, int]) -> list[dict[str, Any]]:
    hh, mu = frame.households, frame.municipalities
    used = np.zeros_like(mu.capacity)
    for h, m in placed.items():
        used[m] += hh.demand[h]
    return [
        {
            "municipality": frame.municipality_names[j],
            "state": frame.municipality_states[j],
            "pledged": frame.pledged[j],
            "persons": int(used[j, 0]),
            "pledge_share": rate(int(used[j, 0]), frame.pledged[j] or 0),
            "dims": {
                d: {
                    "used": int(used[j, k]),
                    "capacity": int(mu.capacity[j, k]),
                    "share": rate(int(used[j, k]), int(mu.capacity[j, k])),
                }
                for k, d in enumerate(scoring.DIMENSIONS)
            },
        }
        for j in range(len(mu))
    ]


def _states(frame: Frame, placed: Mapping[int, int]) -> list[dict[str, Any]]:
    """Persons per federal state, against the pledges and the Königsteiner Schlüssel."""
    hh = frame.households
    persons: Counter[str] = Counter()
    for h, m in placed.items():
        persons[frame.municipality_states[m]] += int(hh.demand[h, 0])
    pledged: Counter[str] = Counter()
    for j, state in enumerate(frame.municipality_states):
        pledged[state] += frame.pledged[j] or 0
    states = sorted(set(frame.municipality_states))
    key = koenigstein.shares(states)
    total, total_pledged = sum(persons.values()), sum(pledged.values())
    return [
        {
            "state": s,
            "persons": persons[s],
            "share": rate(persons[s], total),
            "pledged": pledged[s],
            "pledged_share": rate(pledged[s], total_pledged),
            "key_share": key.get(s),
        }
        for s in states
    ]


# --- runs and the round ----------------------------------------------------------------------


def run_metrics(frame: Frame, run) -> dict[str, Any]:
    """A run's proposals, over the households that run considered."""
    rows = run.proposals.values_list("household_id", "municipality_id", "score")
    scope, placed, scores = [], {}, {}
    for household_id, municipality_id, score in rows:
        h = frame.h_index.get(household_id)
        if h is None:
            continue
        scope.append(h)
        if municipality_id in frame.m_index:
            placed[h] = frame.m_index[municipality_id]
            scores[h] = score or 0
    return placement_metrics(frame, placed, scores, scope)


def round_metrics(frame: Frame, round_: Round) -> dict[str, Any]:
    """The round as a whole: placements the households and municipalities accepted."""
    rows = round_.offers.agreed()
    placed, scores = {}, {}
    for household_id, municipality_id, score in rows.values_list(
        "household_id", "municipality_id", "score"
    ):
        h, m = frame.h_index.get(household_id), frame.m_index.get(municipality_id)
        if h is not None and m is not None:
            placed[h], scores[h] = m, score
    return placement_metrics(frame, placed, scores)


def runs_with_metrics(frame: Frame, round_: Round) -> list[tuple[Any, dict[str, Any]]]:
    runs = round_.runs.filter(status=RunStatus.SUCCEEDED).order_by("iteration")
    return [(run, run_metrics(frame, run)) for run in runs]


def offer_statistics(round_: Round) -> dict[str, Any]:
    """Acceptance, decline and objection rates with their reasons; time to answer."""
    offers = list(
        round_.offers.only(
            "status",
            "household_answer",
            "household_reason",
            "household_answered_at",
            "municipality_answer",
            "municipality_reason",
            "municipality_answered_at",
            "created_at",
        )
    )
    status = Counter(o.status for o in offers)
    household = [o for o in offers if o.household_answer]
    municipality = [o for o in offers if o.municipality_answer]
    return {
        "offers": len(offers),
        "by_status": [(s.value, s.label, status.get(s.value, 0)) for s in OfferStatus],
        "household_answers": len(household),
        "acceptance_rate": rate(
            sum(o.household_answer == Answer.YES for o in household), len(household)
        ),
        "decline_rate": rate(
            sum(o.household_answer == Answer.NO for o in household), len(household)
        ),
        "municipality_answers": len(municipality),
        "objection_rate": rate(
            sum(o.municipality_answer == Answer.NO for o in municipality), len(municipality)
        ),
        "expired_rate": rate(status.get(OfferStatus.EXPIRED, 0), len(offers)),
        "decline_reasons": _reasons(
            o.household_reason for o in household if o.household_answer == Answer.NO
        ),
        "objection_reasons": _reasons(
            o.municipality_reason for o in municipality if o.municipality_answer == Answer.NO
        ),
        "household_hours": _hours(
            o.household_answered_at - o.created_at for o in household if o.household_answered_at
        ),
        "municipality_hours": _hours(
            o.municipality_answered_at - o.created_at
            for o in municipality
            if o.municipality_answered_at
        ),
    }


def _reasons(reasons: Iterable[str]) -> list[tuple[str, int]]:
    """Identical reasons counted together, most frequent first."""
    counted = Counter(" ".join(r.split()) for r in reasons if r.strip())
    return sorted(counted.items(), key=lambda item: (-item[1], item[0].lower()))


def _hours(durations: Iterable[timedelta]) -> dict[str, float | None]:
    hours = [max(0.0, d.total_seconds() / 3600) for d in durations]
    return {
        "count": len(hours),
        "median": statistics.median(hours) if hours else None,
        "mean": statistics.fmean(hours) if hours else None,
        "max": max(hours) if hours else None,
    }
