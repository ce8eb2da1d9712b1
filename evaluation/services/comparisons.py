"""Comparison of allocation methods on a round's data: start, execute (Celery), read."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import User
from evaluation import comparison, koenigstein
from evaluation.models import Comparison, ComparisonStatus
from evaluation.services.data import Frame, build_full_instance, load_frame
from evaluation.services.metrics import placement_metrics
from matching import engine, scoring
from rounds.models import Round

logger = logging.getLogger(__name__)
DEFAULT_TIME_LIMIT = 60.0


@transaction.atomic
def comparison_start(*, round: Round, by: User, seed: int = 2026) -> Comparison:
    """Queue a comparison. One at a time per round: the round's row lock orders two clicks and
    the partial unique index catches anything that slips past it."""
    if not by.is_coordinator:
        raise PermissionDenied
    round = Round.objects.select_for_update().get(pk=round.pk)
    if round.comparisons.active().exists():
        raise ValidationError(_("A comparison of this round is being computed already."))
    if not round.entries.exists():
        raise ValidationError(_("The round has no households to compare allocations for."))
    try:
        with transaction.atomic():
            item = Comparison.objects.create(
                round=round,
                weights=scoring.normalised_weights(round.weights),
                seed=seed,
                started_by=by,
            )
    except IntegrityError:
        raise ValidationError(_("A comparison of this round is being computed already.")) from None
    audit_log(actor=by, action="evaluation.comparison.started", target=item)
    from evaluation.tasks import execute_comparison

    transaction.on_commit(lambda: execute_comparison.delay(item.pk))
    return item


def _claim(comparison_id: int) -> Comparison | None:
    with transaction.atomic():
        item = Comparison.objects.select_for_update().select_related("round").get(pk=comparison_id)
        if item.status != ComparisonStatus.QUEUED:
            return None  # a redelivered task does nothing twice
        item.status = ComparisonStatus.RUNNING
        item.save(update_fields=["status"])
        return item


def comparison_execute(
    *, comparison_id: int, time_limit: float = DEFAULT_TIME_LIMIT
) -> Comparison | None:
    item = _claim(comparison_id)
    if item is None:
        return None
    started = time.perf_counter()
    try:
        frame = load_frame(item.round)
        instance = build_full_instance(frame, item.weights)
        results = compare(frame, instance, seed=item.seed, time_limit=time_limit)
    except Exception as error:  # the comparison fails visibly; nothing else changes
        logger.exception("evaluation.comparison.failed", extra={"comparison": item.pk})
        Comparison.objects.filter(pk=item.pk).update(
            status=ComparisonStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        return Comparison.objects.get(pk=item.pk)
    Comparison.objects.filter(pk=item.pk).update(
        status=ComparisonStatus.SUCCEEDED,
        finished_at=timezone.now(),
        results=results,
        household_count=len(instance.households),
        municipality_count=len(instance.municipalities),
        pair_count=len(instance.scores),
        seconds=round(time.perf_counter() - started, 3),
    )
    return Comparison.objects.get(pk=item.pk)


def compare(
    frame: Frame, instance: engine.Instance, *, seed: int, time_limit: float
) -> dict[str, Any]:
    """Every method on the same instance, each checked by the engine's feasibility checker."""
    context = comparison.Context(
        municipality_state=dict(
            zip(frame.municipalities.ids, frame.municipality_states, strict=True)
        ),
        state_shares=koenigstein.shares(sorted(set(frame.municipality_states))),
        seed=seed,
        time_limit=time_limit,
    )
    h_row = {ref: i for i, ref in enumerate(frame.households.ids)}
    m_row = {slug: j for j, slug in enumerate(frame.municipalities.ids)}
    score = {(p.household, p.municipality): p.score for p in instance.scores}
    methods = []
    for method, result in comparison.allocate_all(instance, context).items():
        placed = {h_row[h]: m_row[m] for h, m in result.assignment.items()}
        scores = {h_row[h]: score[(h, m)] for h, m in result.assignment.items()}
        methods.append(
            {
                "method": method,
                "objective": float(result.objective),
                "status": result.status,
                "engine_method": result.method,
                "seconds": round(result.seconds, 3),
                "violations": engine.check_feasible(instance, result.assignment)[:20],
                "metrics": placement_metrics(frame, placed, scores),
            }
        )
    return {"methods": methods, "key_year": koenigstein.KEY_YEAR}


def latest_comparison(round_: Round) -> Comparison | None:
    return round_.comparisons.order_by("-created_at", "-id").first()


def comparisons_reap_stale(*, older_than_seconds: float) -> int:
    """Comparisons whose worker died are marked failed, so the round can be compared again."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return (
        Comparison.objects.active()
        .filter(created_at__lt=cutoff)
        .update(
            status=ComparisonStatus.FAILED,
            finished_at=timezone.now(),
            error=_("The worker stopped before the comparison finished."),
        )
    )
