"""Evaluation of a programme: per cohort and in total, against placing each cohort alone,
pledge fulfilment per municipality, and the distribution across the federal states against
the Königsteiner Schlüssel.

"Alone" is the cohort's stored instance solved again without its forecast (done when the
run finished and kept with it; a run without forecast was placed alone already)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evaluation.koenigstein import KEY_YEAR, shares
from matching.models import Run, RunStatus
from matching.services.instance import programme_offers
from matching.services.programmes import PledgeRow, programme_table
from rounds.models import Programme, Round


@dataclass
class CohortFigures:
    cohort: Round
    households: int
    placed_households: int
    placed_persons: int
    run: Run | None
    score: float | None  # the latest finished run's total score
    alone: float | None  # the same cohort placed alone on the same capacity
    forecast: bool

    @property
    def ratio(self) -> float | None:
        if self.score is None or not self.alone:
            return None
        return self.score / self.alone


def _cohort_figures(cohort: Round) -> CohortFigures:
    offers = programme_offers(cohort.programme_id or 0).filter(round=cohort)
    demands = list(offers.values_list("demand", flat=True))
    run = (
        Run.objects.filter(round=cohort, status=RunStatus.SUCCEEDED)
        .order_by("-published_at", "-iteration")
        .first()
    )
    score = run.objective if run else None
    alone = score
    if run is not None and run.use_forecast and "plain_objective" in run.forecast_summary:
        alone = float(run.forecast_summary["plain_objective"])
    return CohortFigures(
        cohort=cohort,
        households=cohort.entries.count(),
        placed_households=len(demands),
        placed_persons=sum(int(d.get("persons", 0)) for d in demands),
        run=run,
        score=score,
        alone=alone,
        forecast=bool(run and run.use_forecast),
    )


def _states(programme: Programme, rows: list[PledgeRow]) -> list[dict[str, Any]]:
    """Persons placed per federal state against the key, over the states taking part."""
    placed: dict[str, int] = {}
    for row in rows:
        state = row.municipality.federal_state
        placed[state] = placed.get(state, 0) + row.taken_total["persons"]
    key = shares(sorted(placed))
    total = sum(placed.values())
    return [
        {
            "state": state,
            "label": row_label(state),
            "persons": placed[state],
            "share": placed[state] / total if total else 0.0,
            "key": key.get(state, 0.0),
        }
        for state in sorted(placed, key=lambda s: -key.get(s, 0.0))
    ]


def row_label(state: str) -> str:
    from municipalities.models import FederalState

    return str(FederalState(state).label)


def programme_evaluation(programme: Programme) -> dict[str, Any]:
    cohorts, rows = programme_table(programme)
    figures = [_cohort_figures(c) for c in cohorts]
    scored = [f for f in figures if f.score is not None]
    return {
        "cohorts": figures,
        "score": sum(f.score or 0 for f in scored),
        "alone": sum(f.alone or 0 for f in scored),
        "rows": rows,
        "states": _states(programme, rows),
        "key_year": KEY_YEAR,
    }
