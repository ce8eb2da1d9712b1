"""A round's evaluation figures, stored with a fingerprint of their inputs.

Measuring a round loads every household and every run's proposals (35 s for a national round);
the pages, the report and the API read the stored figures instead. Each state of the inputs has
one fingerprint (a few aggregate queries: offers and their answers, runs, the round's
households and their last change, questionnaires, pledges, pair rules), so the stored figures
are shown only while they are the figures of the current data. A stale or missing set is
recomputed: small rounds at once, large ones by a task (``evaluation.tasks.refresh_round_metrics``,
also every minute from beat, so a finished run or an answered offer is measured without anyone
opening the page)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from evaluation.models import RoundMetrics
from evaluation.services import metrics as metric_services
from evaluation.services.data import load_frame
from rounds.models import Round

# Rounds up to this many households are measured while the page waits (well under a second).
SYNC_HOUSEHOLDS = 2_000
QUEUED_SECONDS = 900  # one queued refresh per round at a time


@dataclass
class StoredFigures:
    figures: dict[str, Any] | None  # None: not computed yet
    computed_at: datetime | None
    fresh: bool


def metrics_fingerprint(round_: Round) -> str:
    from matching.models import PairRule, RunStatus
    from municipalities.models import Questionnaire
    from refugees.models import Household, HouseholdStatus

    offers = round_.offers.aggregate(
        n=Count("pk"),
        last=Max("pk"),
        household=Max("household_answered_at"),
        municipality=Max("municipality_answered_at"),
        closed=Max("closed_at"),
        arrived=Max("arrived_at"),
    )
    statuses = sorted(round_.offers.order_by().values_list("status").annotate(n=Count("pk")))
    runs = list(
        round_.runs.filter(status=RunStatus.SUCCEEDED)
        .order_by("pk")
        .values_list("pk", "finished_at", "variant")
    )
    households = Household.objects.filter(round_entries__round=round_).aggregate(
        n=Count("pk"),
        last=Max("updated_at"),
        withdrawn=Count("pk", filter=Q(status=HouseholdStatus.WITHDRAWN)),
        added=Max("round_entries__added_at"),
    )
    questionnaires = Questionnaire.objects.filter(round=round_).aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    pledges = round_.participations.aggregate(
        n=Count("pk"), persons=Sum("pledged_persons"), last=Max("pledged_at")
    )
    rules = PairRule.objects.filter(round=round_).aggregate(n=Count("pk"), last=Max("pk"))
    state = [
        round_.arrival_date,
        offers,
        statuses,
        runs,
        households,
        questionnaires,
        pledges,
        rules,
    ]
    return hashlib.sha256(json.dumps(state, default=str, sort_keys=True).encode()).hexdigest()


def round_figures(round_: Round) -> dict[str, Any]:
    """The figures computed now, as JSON (offer states as codes; the page adds the labels)."""
    frame = load_frame(round_)
    offers = metric_services.offer_statistics(round_)
    offers["by_status"] = [[code, count] for code, _label, count in offers["by_status"]]
    figures = {
        "overall": metric_services.round_metrics(frame, round_),
        "runs": [
            [run.pk, metrics] for run, metrics in metric_services.runs_with_metrics(frame, round_)
        ],
        "offers": offers,
    }
    return json.loads(json.dumps(figures))  # exactly what the database gives back


def metrics_refresh(*, round: Round) -> RoundMetrics:  # noqa: A002 - the services' keyword
    """Measure the round and store the figures with the fingerprint taken before measuring: a
    change while measuring leaves them stale, so the next look measures again."""
    fingerprint = metrics_fingerprint(round)
    figures = round_figures(round)
    stored, _ = RoundMetrics.objects.update_or_create(
        round=round,
        defaults={"fingerprint": fingerprint, "figures": figures, "computed_at": timezone.now()},
    )
    cache.delete(_queued_key(round))
    return stored


def stored_figures(round_: Round) -> StoredFigures:
    """The stored figures and whether they are current; stale ones are recomputed (at once
    for a small round, otherwise queued once and shown, marked, until the task has run)."""
    stored = RoundMetrics.objects.filter(round=round_).first()
    if stored is not None and stored.fingerprint == metrics_fingerprint(round_):
        return StoredFigures(stored.figures, stored.computed_at, fresh=True)
    if round_.entries.count() <= SYNC_HOUSEHOLDS:
        stored = metrics_refresh(round=round_)
        return StoredFigures(stored.figures, stored.computed_at, fresh=True)
    metrics_refresh_queue(round_)
    if stored is None:
        return StoredFigures(None, None, fresh=False)
    return StoredFigures(stored.figures, stored.computed_at, fresh=False)


def metrics_refresh_queue(round_: Round) -> None:
    from evaluation.tasks import refresh_round_metrics

    if cache.add(_queued_key(round_), True, QUEUED_SECONDS):
        transaction.on_commit(lambda: refresh_round_metrics.delay(round_.pk))


def metrics_refresh_stale() -> int:
    """Beat: queue a refresh for every round with a finished run whose figures are stale."""
    from matching.models import RunStatus

    queued = 0
    rounds = Round.objects.filter(runs__status=RunStatus.SUCCEEDED).distinct().order_by("pk")
    for round_ in rounds:
        stored = RoundMetrics.objects.filter(round=round_).values_list("fingerprint", flat=True)
        if stored.first() != metrics_fingerprint(round_):
            metrics_refresh_queue(round_)
            queued += 1
    return queued


def _queued_key(round_: Round) -> str:
    return f"evaluation:metrics-queued:{round_.pk}"
