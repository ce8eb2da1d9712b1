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
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_log
from accounts.models import User
from matching import engine, fairshare
from matching.engine.forecast import without_reserved
from matching.engine.result import utilisation
from matching.fairshare_stability import floor_stability
from matching.models import Proposal, Run, RunStatus, RunVariant
from matching.run_files import run_files_swap_result
from matching.services.forecast import kept_for_later
from matching.services.instance import programme_offers
from matching.services.sensitivity import sensitivity_queue_after_run
from matching.services.stability import repair_time_limit
from municipalities.models import Municipality
from rounds.models import Round
from rounds.services.rounds import round_lock

# Per solve of the price loop: a share of the run's time limit (pilot cohorts take well
# under a second; the loop solves at most fairshare.MAX_PRICE_ROUNDS times).
SOLVE_SHARE, SOLVE_MIN_SECONDS = 0.1, 1.0
# The exact programme with the floors (matching.fairshare_exact): a pilot cohort is proven
# in well under a second; the share also decides up to which size it is tried at all.
EXACT_SHARE, EXACT_MIN_SECONDS = 0.25, 2.0

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
        "It could reach its share on its own, but not together with the other"
        " municipalities' shares: the households it could receive are needed for them."
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
    outcome = fair_share_run_solve(run, instance, {f.slug: f.floor for f in floors}, plain)
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
            "short": by_slug[f.slug].short,
            "competitors": list(by_slug[f.slug].competitors),
        }
        for f in floors
    ]
    summary = {
        "percent": run.fair_share_percent,
        "year_share": round(year_share(run.round), 4),
        "plain_score": outcome.plain_score,
        "fair_score": outcome.fair_score,
        "price": outcome.price,
        # With a forecast both variants also keep places for later cohorts: the price counted
        # over the programme (this cohort and the households expected later).
        "programme_price": _programme_price(outcome, plain),
        "proven": outcome.proven,
        "exact": outcome.exact,
        "solves": outcome.solves,
        "moved": sum(
            1
            for h in instance.households
            if plain.assignment.get(h.id) != outcome.fair.assignment.get(h.id)
        ),
        "rows": rows,
        "other": {
            **other_variant_figures(instance, outcome.fair),
            "stability": fair_stability(run, instance, outcome.fair, rows),
            **(
                {
                    "forecast": _fair_kept(
                        run, instance, outcome.fair, floors_of_summary({"rows": rows})
                    )
                }
                if instance.forecast
                else {}
            ),
        },
    }
    return outcome, summary


def _programme_price(outcome: fairshare.FairShare, plain: engine.Result) -> float | None:
    if plain.forecast_value is None or outcome.fair.forecast_value is None:
        return None
    return (outcome.plain_score + plain.forecast_value) - (
        outcome.fair_score + outcome.fair.forecast_value
    )


def fair_share_run_solve(
    run: Run, instance: engine.Instance, floors: dict[str, int], plain: engine.Result
) -> fairshare.FairShare:
    """The fair variant of ``instance`` with the run's method and time limits (the run and its
    sensitivity analysis solve it the same way)."""
    limit = max(SOLVE_MIN_SECONDS, SOLVE_SHARE * run.time_limit)
    return fairshare.fair_share_solve(
        instance,
        floors,
        plain=plain,
        solve=lambda i: engine.solve(i, time_limit=limit, method=run.method),
        exact_seconds=max(EXACT_MIN_SECONDS, EXACT_SHARE * run.time_limit),
    )


def run_floors(run: Run) -> dict[str, int]:
    """The floors the run's fair variant was solved with, by municipality slug."""
    return floors_of_summary(run.fair_share)


def floors_of_summary(summary: dict[str, Any]) -> dict[str, int]:
    return {row["slug"]: row["floor"] for row in summary.get("rows") or []}


def fair_stability(
    run: Run, instance: engine.Instance, fair: engine.Result, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """The fair variant checked like the plain one (matching.fairshare_stability); with a
    forecast, the places it keeps for later cohorts are not room left."""
    checked = without_reserved(instance, fair) if instance.forecast else instance
    return floor_stability(
        checked,
        fair.assignment,
        floors_of_summary({"rows": rows}),
        status=fair.status,
        time_limit=repair_time_limit(run.time_limit),
    )


def _fair_kept(
    run: Run, instance: engine.Instance, fair: engine.Result, floors: dict[str, int]
) -> dict[str, Any]:
    """What the fair variant keeps for later cohorts, said the same way as for the plain one:
    compared with the cohort placed alone *with the same floors*, so that households moved
    for a floor are not counted as places kept for later."""
    alone_instance = replace(instance, forecast=())
    alone_plain = engine.solve(alone_instance, time_limit=run.time_limit, method=run.method)
    alone = fair_share_run_solve(run, alone_instance, floors, alone_plain).fair
    kept = kept_for_later(instance, fair, run.time_limit, alone=alone)
    return {key: kept[key] for key in FORECAST_SWAPPED}


def other_variant_figures(instance: engine.Instance, result: engine.Result) -> dict[str, Any]:
    """The run-level figures of the variant not shown, swapped in when it is chosen. The
    utilisation is counted like the plain variant's: with a forecast, against the capacity
    left after the places kept for later cohorts."""
    persons = {h.id: int(h.demand.get("persons", 0)) for h in instance.households}
    checked = without_reserved(instance, result) if instance.forecast else instance
    return {
        "objective": fairshare.true_score(instance, result.assignment),
        "bound": result.bound,
        "engine_status": result.status,
        "engine_method": result.method,
        "matched_households": len(result.assignment),
        "matched_persons": sum(persons[h] for h in result.assignment),
        "utilisation": {
            mun: {dim: [use.used, use.capacity] for dim, use in dims.items()}
            for mun, dims in utilisation(checked, result.assignment).items()
        },
    }


# --- the coordinator's choice ------------------------------------------------------------

SWAPPED = ("municipality_id", "score", "explanation", "unmatched_reason")
RUN_SWAPPED = (
    "objective",
    "bound",
    "engine_status",
    "engine_method",
    "matched_households",
    "matched_persons",
    "utilisation",
    "stability",
)
OLD_RUN_DEFAULTS: dict[str, Any] = {"stability": {}, "bound": None, "engine_status": "feasible"}
FORECAST_SWAPPED = ("kept", "forecast_value", "plain_objective", "plain_matched")


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
    if run.round.runs.filter(iteration__gt=run.iteration).exists():
        # Only the newest run can be published: a variant chosen here would never be sent.
        raise ValidationError(
            _(
                "A newer run of this round exists. Only the newest run can be published, so"
                " choose the variant on that run."
            )
        )
    if run.variant == variant:
        return run
    proposals = list(run.proposals.exclude(alternative={}))
    for proposal in proposals:
        _swap(proposal)
    Proposal.objects.bulk_update(proposals, [*SWAPPED, "alternative"], batch_size=1000)
    _swap_run(run)
    before, run.variant = run.variant, variant
    run.save(
        update_fields=[
            *RUN_SWAPPED,
            "variant",
            "fair_share",
            "forecast_summary",
            "result_file",
            "alternative_file",
        ]
    )
    transaction.on_commit(lambda: sensitivity_queue_after_run(run_id=run.pk))
    audit_log(
        actor=by,
        action="matching.run.variant_chosen",
        target=run,
        changes={"variant": [before, variant], "households_moved": len(proposals)},
    )
    return run


def _swap_run(run: Run) -> None:
    """Everything the run page, the result file and the API say about the result: the
    figures, the stability check, what was kept for later cohorts and the result document."""
    other = run.fair_share["other"]
    mine: dict[str, Any] = {f: getattr(run, f) for f in RUN_SWAPPED}
    for f in RUN_SWAPPED:
        # Runs stored before the fair variant kept these have none for it: "not checked" and
        # "no bound" rather than the other variant's.
        setattr(run, f, other.get(f, OLD_RUN_DEFAULTS.get(f, getattr(run, f))))
    if "forecast" in other:
        summary = run.forecast_summary
        mine["forecast"] = {key: summary.get(key) for key in FORECAST_SWAPPED}
        run.forecast_summary = {**summary, **other["forecast"]}
    run.fair_share["other"] = mine
    if run.alternative_file:
        run_files_swap_result(run)


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
    names = {m.slug: m.name for m in places.values()}
    out = []
    for row in rows:
        municipality = places.get(row["municipality"])
        out.append(
            {
                **row,
                "name": municipality.name if municipality else row["slug"],
                "met": row["fair"] >= row["floor"],
                "short": row.get("short", max(0, row["floor"] - row["fair"])),
                "competitor_names": ", ".join(
                    names.get(slug, slug) for slug in row.get("competitors") or []
                ),
                "reason_text": REASON_TEXT.get(row["reason"], ""),
            }
        )
    return sorted(out, key=lambda r: r["name"])
