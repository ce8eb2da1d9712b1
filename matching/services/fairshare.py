"""Fair shares in a programme's cohort runs: the floor per municipality, the second solve
(matching.fairshare), and the coordinator's choice of the variant to publish.

A programme's fair share X % promises every pledged municipality at least X % of its pledge
over the programme year, where the households allow it. Cohort by cohort it is spread by the
cohorts' expected size: by the end of a cohort, a municipality should have received X % of its
pledge times the share of the year's households expected up to and including that cohort
(every cohort counts the same while one has no expected size). What offers of the programme
hold already (pending, accepted, arrived) counts towards it; the rest is this cohort's floor.

The run stores only figures per municipality with the run; where the two variants place a
household differently, its other placement is kept on its proposal (erased with it)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_log
from accounts.models import User
from matching import engine, fairshare
from matching.models import Proposal, Run, RunStatus, RunVariant
from matching.services.instance import programme_offers
from municipalities.models import Municipality
from rounds.models import Round
from rounds.services.rounds import round_lock

# Per solve of the price loop: a share of the run's time limit (pilot cohorts take well
# under a second; the loop solves at most fairshare.MAX_PRICE_ROUNDS times).
SOLVE_SHARE, SOLVE_MIN_SECONDS = 0.1, 1.0

REASON_TEXT = {
    fairshare.NO_QUESTIONNAIRE: gettext_lazy(
        "It takes no part in this run: it has not submitted its questionnaire for this cohort."
    ),
    fairshare.NO_ELIGIBLE: gettext_lazy(
        "No household of this cohort is eligible for it: every household fails one of its"
        " hard requirements there (housing, accessibility, care), or is pinned elsewhere."
    ),
    fairshare.TOO_FEW_ELIGIBLE: gettext_lazy(
        "The households eligible for it bring fewer persons than its share."
    ),
    fairshare.CAPACITY: gettext_lazy(
        "Its own capacity left for this cohort is smaller than its share."
    ),
    fairshare.CONSTRAINTS: gettext_lazy(
        "The eligible households do not fit together into the places it offers (school, Kita"
        " or accessible places, or families that travel together)."
    ),
    fairshare.COMPETING: gettext_lazy(
        "It could reach its share alone, but no placement was found that meets it together"
        " with the other municipalities' shares: the same households are wanted there."
    ),
}


@dataclass(frozen=True)
class CohortFloor:
    municipality_pk: int
    slug: str
    pledge: int
    target: int  # persons by the end of this cohort
    taken: int  # persons held by offers of the programme already
    floor: int  # what this cohort's run has to add


def year_share(round_: Round) -> float:
    """The share of the programme year's households expected up to and including ``round_``."""
    if round_.programme is None:
        return 1.0
    cohorts = list(round_.programme.cohorts())
    position = next(k for k, c in enumerate(cohorts) if c.pk == round_.pk)
    sizes = [c.expected_households or 0 for c in cohorts]
    if all(sizes):
        return sum(sizes[: position + 1]) / sum(sizes)
    return (position + 1) / len(cohorts)


def cohort_floors(round_: Round, percent: int) -> list[CohortFloor]:
    programme = round_.programme
    if programme is None or percent <= 0:
        return []
    share = year_share(round_)
    taken: dict[int, int] = defaultdict(int)
    for municipality_id, demand in programme_offers(programme.pk).values_list(
        "municipality_id", "demand"
    ):
        taken[municipality_id] += int(demand.get("persons", 0))
    floors = []
    for pledge in programme.pledges.select_related("municipality"):
        # "At least X %": round up, but not by float noise (10 x 30 % is 3, not 4).
        target = math.ceil(pledge.persons * percent / 100 * share - 1e-9)
        have = taken[pledge.municipality_id]
        floors.append(
            CohortFloor(
                pledge.municipality_id,
                pledge.municipality.slug,
                pledge.persons,
                target,
                have,
                max(0, target - have),
            )
        )
    return floors


def fair_share_compare(
    *, run: Run, instance: engine.Instance, plain: engine.Result
) -> tuple[fairshare.FairShare, dict[str, Any]] | None:
    """The second solve with the floors, and the figures stored with the run."""
    floors = cohort_floors(run.round, run.fair_share_percent)
    if not floors:
        return None
    limit = max(SOLVE_MIN_SECONDS, SOLVE_SHARE * run.time_limit)
    outcome = fairshare.fair_share_solve(
        instance,
        {f.slug: f.floor for f in floors},
        plain=plain,
        solve=lambda i: engine.solve(i, time_limit=limit, method=run.method),
    )
    by_slug = {row.municipality: row for row in outcome.floors}
    rows = [
        {
            "municipality": f.municipality_pk,
            "slug": f.slug,
            "pledge": f.pledge,
            "target": f.target,
            "taken": f.taken,
            "floor": f.floor,
            "plain": by_slug[f.slug].plain,
            "fair": by_slug[f.slug].fair,
            "reachable": by_slug[f.slug].reachable,
            "reason": by_slug[f.slug].reason,
        }
        for f in floors
    ]
    summary = {
        "percent": run.fair_share_percent,
        "year_share": round(year_share(run.round), 4),
        "plain_score": outcome.plain_score,
        "fair_score": outcome.fair_score,
        "price": outcome.price,
        "proven": outcome.proven,
        "solves": outcome.solves,
        "moved": sum(
            1
            for h in instance.households
            if plain.assignment.get(h.id) != outcome.fair.assignment.get(h.id)
        ),
        "rows": rows,
        "other": other_variant_figures(instance, outcome.fair),
    }
    return outcome, summary


def other_variant_figures(instance: engine.Instance, result: engine.Result) -> dict[str, Any]:
    """The run-level figures of the variant not shown, swapped in when it is chosen."""
    persons = {h.id: int(h.demand.get("persons", 0)) for h in instance.households}
    return {
        "objective": fairshare.true_score(instance, result.assignment),
        "matched_households": len(result.assignment),
        "matched_persons": sum(persons[h] for h in result.assignment),
        "utilisation": {
            mun: {dim: [use.used, use.capacity] for dim, use in dims.items()}
            for mun, dims in result.utilisation.items()
        },
    }


# --- the coordinator's choice ------------------------------------------------------------

SWAPPED = ("municipality_id", "score", "explanation", "unmatched_reason")
RUN_SWAPPED = ("objective", "matched_households", "matched_persons", "utilisation")


@transaction.atomic
def run_variant_choose(*, run: Run, variant: str, by: User) -> Run:
    """Which variant the run's proposals hold, and so which one publishing sends out."""
    if not by.is_coordinator:
        raise PermissionDenied
    if variant not in RunVariant.values:
        raise ValidationError({"variant": _("Unknown variant.")})
    round_lock(run.round)
    run = Run.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if run.status != RunStatus.SUCCEEDED or not run.fair_share.get("other"):
        raise ValidationError(_("This run has no variant with fair shares."))
    if run.published_at:
        raise ValidationError(_("This run has been published already; its variant is fixed."))
    if run.variant == variant:
        return run
    proposals = list(run.proposals.exclude(alternative={}))
    for proposal in proposals:
        _swap(proposal)
    Proposal.objects.bulk_update(proposals, [*SWAPPED, "alternative"], batch_size=1000)
    other = run.fair_share["other"]
    run.fair_share["other"] = {f: getattr(run, f) for f in RUN_SWAPPED}
    for f in RUN_SWAPPED:
        setattr(run, f, other[f])
    before, run.variant = run.variant, variant
    run.save(update_fields=[*RUN_SWAPPED, "variant", "fair_share"])
    audit_log(
        actor=by,
        action="matching.run.variant_chosen",
        target=run,
        changes={"variant": [before, variant], "households_moved": len(proposals)},
    )
    return run


def _swap(proposal: Proposal) -> None:
    other, proposal.alternative = proposal.alternative, alternative_of(proposal)
    for key, f in zip(ALTERNATIVE_KEYS, SWAPPED, strict=True):
        setattr(proposal, f, other[key])


# The keys of Proposal.alternative, in the order of SWAPPED.
ALTERNATIVE_KEYS = ("municipality", "score", "explanation", "unmatched_reason")


def alternative_of(proposal: Proposal) -> dict[str, Any]:
    return {key: getattr(proposal, f) for key, f in zip(ALTERNATIVE_KEYS, SWAPPED, strict=True)}


# --- the run page --------------------------------------------------------------------------


def fair_share_rows(run: Run) -> list[dict[str, Any]]:
    """The stored rows with the municipality and the words for the reason; "plain" and "fair"
    are the persons each variant gives it."""
    rows = run.fair_share.get("rows") or []
    places = Municipality.objects.in_bulk([r["municipality"] for r in rows])
    out = []
    for row in rows:
        municipality = places.get(row["municipality"])
        out.append(
            {
                **row,
                "name": municipality.name if municipality else row["slug"],
                "met": row["fair"] >= row["floor"],
                "reason_text": REASON_TEXT.get(row["reason"], ""),
            }
        )
    return sorted(out, key=lambda r: r["name"])
