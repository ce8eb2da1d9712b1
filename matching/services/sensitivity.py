"""Sensitivity of a run to its weights and the score its rules gave up, computed in the
background with progress.

The run's own instance file fixes households, groups, capacities and compatible pairs; only the
scores are computed again (from the round's profiles and questionnaires, with the run's
capacities) with one weight moved by ±25 %. If the data changed since the run, scoring with the
run's own weights no longer gives the run's scores: those pairs are counted (``drift``) and
shown, never silently mixed in."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import User
from matching import engine, scoring
from matching.engine.stability import repair
from matching.models import Run, RunSensitivity, RunStatus, RunVariant
from matching.run_files import run_file_document
from matching.sensitivity import Perturbation, perturbations, weight_sensitivity
from matching.services.instance import RoundData, load_round
from matching.services.overrides import MAX_COSTED_RULES, rule_costs
from matching.services.stability import repair_time_limit

logger = logging.getLogger(__name__)
# Pilot and regional rounds get their sensitivity after every run; national rounds (18 more
# solves of 40,000 households) only when a coordinator asks for it.
AUTO_MAX_HOUSEHOLDS = 2_000


def sensitivity_is_automatic(run: Run) -> bool:
    return run.household_count <= AUTO_MAX_HOUSEHOLDS


@transaction.atomic
def sensitivity_start(*, run: Run, by: User) -> RunSensitivity:
    """Queue a computation on request (the button on the run page)."""
    if not by.is_coordinator:
        raise PermissionDenied
    run = Run.objects.select_for_update().get(pk=run.pk)
    return _create(run, by)


def sensitivity_queue_after_run(*, run_id: int) -> RunSensitivity | None:
    """Called when a run has stored its result: small rounds get their sensitivity at once.
    A failure to queue never touches the run itself."""
    run = Run.objects.get(pk=run_id)
    if not sensitivity_is_automatic(run):
        return None
    try:
        with transaction.atomic():
            return _create(Run.objects.select_for_update().get(pk=run.pk), None)
    except ValidationError:
        return None


def _create(run: Run, by: User | None) -> RunSensitivity:
    if run.status != RunStatus.SUCCEEDED or not run.instance_file or not run.result_file:
        raise ValidationError(_("The sensitivity can be computed only for a finished run."))
    if run.sensitivities.active().exists():
        raise ValidationError(_("The sensitivity of this run is being computed already."))
    try:
        with transaction.atomic():
            sensitivity = RunSensitivity.objects.create(
                run=run, requested_by=by, variant=run.variant
            )
    except IntegrityError:
        raise ValidationError(_("The sensitivity of this run is being computed already.")) from None
    audit_log(actor=by, action="matching.run.sensitivity_started", target=run)
    transaction.on_commit(lambda: _enqueue(sensitivity.pk))
    return sensitivity


def _enqueue(sensitivity_id: int) -> None:
    from matching.tasks import execute_sensitivity

    try:
        execute_sensitivity.delay(sensitivity_id)
    except Exception as error:  # broker down: say so on the page instead of waiting forever
        logger.exception("matching.sensitivity.queue_failed", extra={"sensitivity": sensitivity_id})
        sensitivity_fail(
            sensitivity_id=sensitivity_id,
            error=_("The task queue could not be reached (%(error)s). Please try again later.")
            % {"error": type(error).__name__},
        )


def _claim(sensitivity_id: int) -> RunSensitivity | None:
    """Mark it running; one that ended already (a redelivered task) is left alone."""
    with transaction.atomic():
        sensitivity = (
            RunSensitivity.objects.select_for_update()
            .select_related("run", "run__round")
            .get(pk=sensitivity_id)
        )
        if not sensitivity.is_active:
            return None
        sensitivity.status, sensitivity.started_at = RunStatus.RUNNING, timezone.now()
        sensitivity.save(update_fields=["status", "started_at"])
        return sensitivity


def sensitivity_execute(*, sensitivity_id: int) -> RunSensitivity | None:
    sensitivity = _claim(sensitivity_id)
    if sensitivity is None:
        return None
    try:
        rows, rule_rows, drift = _compute(sensitivity)
    except Exception as error:  # any failure leaves this computation failed, the run unchanged
        logger.exception("matching.sensitivity.failed", extra={"sensitivity": sensitivity.pk})
        sensitivity_fail(sensitivity_id=sensitivity.pk, error=f"{type(error).__name__}: {error}")
        return RunSensitivity.objects.get(pk=sensitivity.pk)
    _finish(sensitivity.pk, rows, rule_rows, drift)
    return RunSensitivity.objects.get(pk=sensitivity.pk)


@transaction.atomic
def _finish(
    sensitivity_id: int, rows: list[dict[str, Any]], rule_rows: list[dict[str, Any]], drift: int
) -> None:
    sensitivity = RunSensitivity.objects.select_for_update().get(pk=sensitivity_id)
    if sensitivity.status != RunStatus.RUNNING:
        return
    sensitivity.status, sensitivity.progress, sensitivity.step = RunStatus.SUCCEEDED, 100, ""
    sensitivity.rows, sensitivity.rule_rows = rows, rule_rows
    sensitivity.drift, sensitivity.finished_at = drift, timezone.now()
    sensitivity.save()
    audit_log(actor=None, action="matching.run.sensitivity_succeeded", target=sensitivity.run)


@transaction.atomic
def sensitivity_fail(*, sensitivity_id: int, error: str) -> None:
    sensitivity = RunSensitivity.objects.select_for_update().get(pk=sensitivity_id)
    if not sensitivity.is_active:
        return
    sensitivity.status, sensitivity.finished_at = RunStatus.FAILED, timezone.now()
    sensitivity.error = error[:2000]
    sensitivity.save(update_fields=["status", "finished_at", "error"])
    audit_log(actor=None, action="matching.run.sensitivity_failed", target=sensitivity.run)


# --- the computation ------------------------------------------------------------------------


def _read(run: Run, kind: str) -> dict[str, Any]:
    # Run files are encrypted at rest (matching.run_files).
    return dict(run_file_document(run=run, kind=kind) or {})


def _compute(
    sensitivity: RunSensitivity,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    run = sensitivity.run
    document = _read(run, "instance")
    baseline = {a["household"]: a["municipality"] for a in _read(run, "result")["assignment"]}
    weights = scoring.normalised_weights(run.weights)
    data = run_round_data(run, document)
    rescore, drift = _rescorer(data, run, document)
    steps = len(perturbations(weights)) + len(_costed_rules(run))

    def solve(changed: dict[str, Any]) -> dict[str, str]:
        instance = engine.parse_instance(changed)
        result = engine.solve(instance, time_limit=run.time_limit, method=run.method)
        # The same pipeline as the run: a heuristic result is repaired before it counts.
        fixed = repair(instance, result, time_limit=repair_time_limit(run.time_limit))
        if sensitivity.variant == RunVariant.FAIR:
            # The chosen variant is the one with fair shares: solved again with its floors,
            # so the comparison is with what the proposals hold.
            from matching.services.fairshare import fair_share_run_solve, run_floors

            floors = run_floors(run)
            return fair_share_run_solve(run, instance, floors, fixed.result).fair.assignment
        return fixed.result.assignment

    def on_step(index: int, _total: int, step: Perturbation) -> None:
        _progress(sensitivity.pk, index, steps, step.criterion)

    rows = weight_sensitivity(
        document, baseline, weights, rescore=rescore, solve=solve, on_step=on_step
    )
    done = len(rows)
    rule_rows = rule_costs(
        run, data, on_step=lambda i, _n: _progress(sensitivity.pk, done + i, steps, "rules")
    )
    return rows, rule_rows, drift


def _costed_rules(run: Run) -> list[dict[str, Any]]:
    return run.rules[:MAX_COSTED_RULES]


def _progress(sensitivity_id: int, index: int, total: int, step: str) -> None:
    RunSensitivity.objects.filter(pk=sensitivity_id).update(
        progress=int(100 * index / max(total, 1)), step=step
    )


class _Rescorer:
    """Scores of the instance's pairs for other weights, from the round's current data."""

    def __init__(self, data: RoundData, document: dict[str, Any]) -> None:
        self.households, self.municipalities = data.households, data.municipalities
        h_index = {ref: i for i, ref in enumerate(self.households.ids)}
        m_index = {slug: j for j, slug in enumerate(self.municipalities.ids)}
        pairs = document["scores"]
        self.original = np.array([p["score"] for p in pairs])
        self.loadable = np.array(
            [p["household"] in h_index and p["municipality"] in m_index for p in pairs], bool
        )
        chosen = [p for p, ok in zip(pairs, self.loadable.tolist(), strict=True) if ok]
        self.h = np.array([h_index[p["household"]] for p in chosen], np.int64)
        self.m = np.array([m_index[p["municipality"]] for p in chosen], np.int64)

    def __call__(self, weights: Mapping[str, float]) -> Sequence[float]:
        scores = self.original.copy()
        if len(self.h):
            scores[self.loadable] = scoring.pair_scores(
                self.h, self.m, self.households, self.municipalities, dict(weights)
            )
        return [int(s) if float(s).is_integer() else float(s) for s in scores.tolist()]


def run_round_data(run: Run, document: dict[str, Any]) -> RoundData:
    """The run's households as they are today, with the run's capacities (capacities enter
    some criteria, such as spare school places; they also decide what fits)."""
    references = [h["id"] for h in document["households"]]
    pks = dict(run.proposals.values_list("household__reference", "household_id"))
    known = [pks[r] for r in references if r in pks]
    data = load_round(run.round, household_pks=known, reserve_offers=False)
    capacity = {m["id"]: m.get("capacity", {}) for m in document["municipalities"]}
    for j, slug in enumerate(data.municipalities.ids):
        if slug in capacity:
            data.municipalities.capacity[j] = [capacity[slug].get(d, 0) for d in scoring.DIMENSIONS]
    return data


def _rescorer(data: RoundData, run: Run, document: dict[str, Any]) -> tuple[_Rescorer, int]:
    rescore = _Rescorer(data, document)
    again = np.array(rescore(scoring.normalised_weights(run.weights)))
    drift = int(np.count_nonzero(again != rescore.original)) + int(
        np.count_nonzero(~rescore.loadable)
    )
    return rescore, drift


def sensitivities_reap_stale(*, older_than_seconds: float) -> int:
    """Computations whose worker died without a trace are marked failed, so they can be
    started again."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stale = RunSensitivity.objects.filter(status=RunStatus.RUNNING, started_at__lt=cutoff)
    stale |= RunSensitivity.objects.filter(status=RunStatus.QUEUED, created_at__lt=cutoff)
    count = 0
    for sensitivity_id in stale.values_list("pk", flat=True):
        sensitivity_fail(
            sensitivity_id=sensitivity_id,
            error=_("The worker stopped before the computation finished."),
        )
        count += 1
    return count
