"""Read-only queries of the matching app that span models (what a page, the API or an export
shows)."""

from __future__ import annotations

from typing import Any

from matching.models import Run, RunStatus
from rounds.models import Round


def round_results(round_: Round) -> tuple[Run | None, list[dict[str, Any]]]:
    """Per household of the latest finished run: the proposal and the current offer."""
    run = round_.runs.filter(status=RunStatus.SUCCEEDED).order_by("-iteration").first()
    if run is None:
        return None, []
    offers = {
        o.household_id: o
        for o in round_.offers.order_by("created_at", "id").only("id", "household_id", "status")
    }
    proposals = run.proposals.select_related("household", "municipality").order_by(
        "household__reference"
    )
    rows = []
    for p in proposals:
        offer = offers.get(p.household_id)
        rows.append(
            {
                "household": p.household.reference,
                "household_id": p.household_id,
                "persons": int(p.demand.get("persons", 0)),
                "municipality_id": p.municipality_id,
                "municipality": p.municipality.name if p.municipality else "",
                "ags": p.municipality.ags if p.municipality else "",
                "score": p.score,
                "unmatched_reason": p.unmatched_reason,
                "offer_id": offer.pk if offer else None,
                "offer_status": offer.status if offer else "",
            }
        )
    return run, rows
