"""Match runs: start one, execute it stage by stage, review it (pins, bans, differences)."""

from __future__ import annotations

import gc
import logging
import time
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, FilteredRelation, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import User
from core.bulk import copy_rows, json_text
from core.crypto import encrypt_values
from matching import engine, scoring
from matching.engine.forecast import without_reserved
from matching.models import (
    PairRule,
    PairRuleKind,
    PairRuleSource,
    Proposal,
    Run,
    RunError,
    RunStage,
    RunStatus,
    RunVariant,
    UnmatchedReason,
)
from matching.reasons import Override, reason_clean
from matching.run_files import run_file_save, run_file_save_json
from matching.services.fairshare import ALTERNATIVE_KEYS as SWAPPED
from matching.services.fairshare import fair_share_compare
from matching.services.fairshare import floors_of_summary as run_floors_of
from matching.services.forecast import kept_for_later, programme_forecast
from matching.services.instance import (
    build_instance,
    build_run_instance,
    explain_pairs,
    load_round,
)
from matching.services.overrides import run_rules_snapshot
from matching.services.programmes import cohort_take_over_waiting
from matching.services.sensitivity import sensitivity_queue_after_run
from matching.services.stability import result_stabilise
from rounds.lifecycle import Action
from rounds.models import Round
from rounds.services.rounds import round_lock, round_start_matching

logger = logging.getLogger(__name__)
METHODS = ("auto", *sorted(m for m in engine.METHODS if m != "auto"))


def engine_version() -> str:
    try:
        return f"rematch {version('rematch')}"
    except PackageNotFoundError:
        return "rematch (source)"


def _require_coordinator(user: User) -> None:
    if not user.is_coordinator:
        raise PermissionDenied


@transaction.atomic
def round_weights_set(*, round: Round, by: User, weights: dict[str, float]) -> Round:
    _require_coordinator(by)
    round = round_lock(round)
    round.require(Action.SET_WEIGHTS)
    before = scoring.normalised_weights(round.weights)
    round.weights = scoring.normalised_weights(weights)
    round.save(update_fields=["weights"])
    changes = {k: [before[k], v] for k, v in round.weights.items() if before[k] != v}
    audit_log(actor=by, action="matching.round.weights_changed", target=round, changes=changes)
    return round


@transaction.atomic
def run_start(
    *,
    round: Round,
    by: User,
    method: str = "auto",
    time_limit: float = 60.0,
    use_forecast: bool = False,
    reason_code: str = "",
    reason: str = "",
) -> Run:
    """Queue a run. Only one run per round at a time: the row lock orders two clicks, and the
    partial unique index catches anything that slips past it. In a programme, households that
    earlier cohorts did not place join this cohort first; ``use_forecast`` keeps places for
    the households expected in later cohorts (only where there are later cohorts). Once a run
    of the round has finished, running it again needs a reason code (matching.reasons)."""
    _require_coordinator(by)
    if method not in METHODS:
        raise ValidationError({"method": _("Unknown method.")})
    if not 1 <= time_limit <= 3600:
        raise ValidationError({"time_limit": _("The time limit must be 1 to 3600 seconds.")})
    round = round_lock(round)
    round.require(Action.START_RUN)
    if round.allows(Action.START_MATCHING):
        round = round_start_matching(round=round, by=by)
    if round.runs.active().exists():
        raise ValidationError(_("A run of this round is in progress already."))
    carried = cohort_take_over_waiting(round=round, by=by) if round.programme_id else 0
    use_forecast = use_forecast and round.later_cohorts().exists()
    iteration = (round.runs.aggregate(n=Max("iteration"))["n"] or 0) + 1
    if round.runs.filter(status=RunStatus.SUCCEEDED).exists():  # a re-run, not a retry
        reason = reason_clean(override=Override.RERUN, code=reason_code, note=reason)
    else:
        reason_code, reason = "", ""
    try:
        with transaction.atomic():
            run = Run.objects.create(
                round=round,
                iteration=iteration,
                method=method,
                time_limit=time_limit,
                weights=scoring.normalised_weights(round.weights),
                use_forecast=use_forecast,
                fair_share_percent=round.programme.fair_share_percent if round.programme else 0,
                started_by=by,
                engine_version=engine_version(),
                reason_code=reason_code,
                reason_note=reason[:300],
            )
    except IntegrityError:
        raise ValidationError(_("A run of this round is in progress already.")) from None
    audit_log(
        actor=by,
        action="matching.run.started",
        target=run,
        changes={
            "method": method,
            "iteration": iteration,
            "reason_code": reason_code,
            **(
                {"use_forecast": use_forecast, "carried_over": carried}
                if round.programme_id
                else {}
            ),
        },
    )
    transaction.on_commit(lambda: run_queue(run_id=run.pk))
    return run


def run_queue(*, run_id: int) -> bool:
    """Hand the run to a worker. When the broker cannot take it (Redis down), the run is failed
    at once, in the same request, so the round is free again and the coordinator is told;
    nothing waits for a task that will never come."""
    from matching.tasks import execute_run

    try:
        execute_run.delay(run_id)
    except Exception as error:  # kombu raises OperationalError and friends; any failure counts
        logger.warning(
            "matching.run.not_queued", extra={"run": run_id, "error": type(error).__name__}
        )
        run_fail(run_id=run_id, error=QUEUE_FAILED)
        return False
    return True


QUEUE_FAILED = RunError.NOT_QUEUED
HEARTBEAT_SECONDS = 5.0
HEARTBEAT_TIMEOUT_SECONDS = 60.0


class RunCancelled(Exception):
    """The coordinator cancelled the run while it was executing."""


@transaction.atomic
def run_cancel(*, run: Run, by: User) -> Run:
    """A coordinator stops a queued or running run. The round is free again at once; a worker
    still busy with it stops at its next stage and stores nothing."""
    _require_coordinator(by)
    round_lock(run.round)
    run = Run.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if not run.is_active:
        raise ValidationError(_("Only a queued or running run can be cancelled."))
    before = run.status
    run.status, run.finished_at = RunStatus.CANCELLED, timezone.now()
    run.save(update_fields=["status", "finished_at"])
    audit_log(
        actor=by,
        action="matching.run.cancelled",
        target=run,
        changes={"status": [before, RunStatus.CANCELLED], "stage": run.stage},
    )
    return run


class _Heartbeat:
    """Beats in a thread of its own while the run executes (the solver holds the main thread
    for minutes); stops with the run."""

    def __init__(self, run_id: int) -> None:
        import threading

        self.run_id = run_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name=f"run-{run_id}-beat")

    def _beat(self) -> None:
        from django.db import connection

        try:
            while not self.stop.wait(HEARTBEAT_SECONDS):
                Run.objects.filter(pk=self.run_id, status=RunStatus.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # the database went away: the missing beat says it all
            logger.warning("matching.run.heartbeat_lost", extra={"run": self.run_id})
        finally:
            connection.close()

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=HEARTBEAT_SECONDS * 2)


def _claim(run_id: int) -> Run | None:
    """Mark the run running. A run that ended already is left alone, so a redelivered task
    (worker killed, acks_late) does nothing twice."""
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("round").get(pk=run_id)
        if not run.is_active:
            return None
        run.status, run.started_at = RunStatus.RUNNING, timezone.now()
        run.heartbeat_at = run.started_at
        run.stage, run.progress, run.error = RunStage.LOAD, 5, ""
        run.save(
            update_fields=["status", "started_at", "heartbeat_at", "stage", "progress", "error"]
        )
        return run


@contextmanager
def _stage(run: Run, stage: str, progress: int, seconds: dict[str, float]):
    updated = Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        stage=stage, progress=progress, heartbeat_at=timezone.now()
    )
    if not updated:  # cancelled (or failed by the reaper) meanwhile
        raise RunCancelled
    started = time.perf_counter()
    yield
    seconds[stage] = round(time.perf_counter() - started, 3)


def run_execute(*, run_id: int) -> Run | None:
    run = _claim(run_id)
    if run is None:
        return None
    seconds: dict[str, float] = {}
    beat = _Heartbeat(run.pk) if not settings.CELERY_TASK_ALWAYS_EAGER else nullcontext()
    try:
        with beat, _cyclic_gc_paused():
            _execute(run, seconds)
    except RunCancelled:
        logger.info("matching.run.stopped", extra={"run": run.pk})
    except Exception as error:  # any failure leaves the run failed and the round unchanged
        logger.exception("matching.run.failed", extra={"run": run.pk})
        run_fail(run_id=run.pk, error=f"{type(error).__name__}: {error}")
    return Run.objects.get(pk=run.pk)


@contextmanager
def _cyclic_gc_paused():
    """No cycle collection while a run executes. A national run keeps a million small objects
    alive (the pairs, the households, the result), and every full collection walks all of
    them: it was a quarter of the CPU outside the solver (explaining 35,000 placements took
    0.72 s instead of 0.17 s). What a run leaves behind is freed by reference counting; the
    few cycles wait for the next collection after the run."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _execute(run: Run, seconds: dict[str, float]) -> None:
    with _stage(run, RunStage.LOAD, 5, seconds):
        data = load_round(run.round)
        run_rules_snapshot(run=run, data=data)
    with _stage(run, RunStage.SCORE, 25, seconds):
        summary: dict = {}
        if run.use_forecast:  # a cohort of a programme: small, and the forecast is a document
            document, scored = build_instance(data, run.weights)
            document["forecast"], summary = programme_forecast(run.round, data, run.weights)
            Run.objects.filter(pk=run.pk).update(forecast_summary=summary)
            instance = engine.parse_instance(document)
            content = json_text(document).encode()
        else:
            built = build_run_instance(data, run.weights)
            instance, content, scored = built.instance, built.content, built.scored
    with _stage(run, RunStage.SOLVE, 50, seconds):
        result = engine.solve(instance, time_limit=run.time_limit, method=run.method)
        if run.use_forecast and instance.forecast:
            summary.update(kept_for_later(instance, result, run.time_limit))
            Run.objects.filter(pk=run.pk).update(forecast_summary=summary)
    with _stage(run, RunStage.CHECK, 85, seconds):
        # With a forecast, "room left" excludes the places kept for later cohorts.
        checked = without_reserved(instance, result) if instance.forecast else instance
        result = result_stabilise(run=run, instance=checked, result=result)
    fair = None
    if run.fair_share_percent:  # both variants, the coordinator chooses (services.fairshare)
        with _stage(run, RunStage.FAIR_SHARE, 88, seconds):
            fair = fair_share_compare(run=run, instance=instance, plain=result)
    with _stage(run, RunStage.STORE, 90, seconds):
        _store(run, data, scored, content, result, seconds, fair)
    Run.objects.filter(pk=run.pk).update(stage_seconds=seconds)


@transaction.atomic
def _store(run, data, scored, instance_json: bytes, result, seconds, fair=None) -> None:
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.RUNNING:
        return
    other = fair[0].fair.assignment if fair else None
    matched_households, matched_persons = _store_proposals(run, data, scored, result, other)
    run_file_save_json(run=run, kind="instance", content=instance_json)
    if fair:
        # Both variants' results are kept; each file says which one it is, and choosing a
        # variant swaps them (services.fairshare), so "the result file" is the chosen one.
        floors = run_floors_of(fair[1])
        plain_doc = {**result.to_dict(), "variant": RunVariant.PLAIN}
        fair_doc = {**fair[0].fair.to_dict(), "variant": RunVariant.FAIR, "floors": floors}
        run_file_save(run=run, kind="result", document=plain_doc)
        run_file_save(run=run, kind="alternative", document=fair_doc)
    else:
        run_file_save(run=run, kind="result", document=result.to_dict())
    run.status, run.stage, run.progress, run.finished_at = (
        RunStatus.SUCCEEDED,
        RunStage.DONE,
        100,
        timezone.now(),
    )
    run.engine_status, run.engine_method = result.status, result.method
    run.objective, run.bound, run.solve_seconds = result.objective, result.bound, result.seconds
    run.household_count, run.pair_count = len(data.households), len(scored.score)
    run.matched_households, run.matched_persons = matched_households, matched_persons
    run.placeable_households = result.placeable_households
    run.placeable_persons = result.placeable_persons
    run.utilisation = {
        mun: {dim: [use.used, use.capacity] for dim, use in dims.items()}
        for mun, dims in result.utilisation.items()
    }
    run.stage_seconds = seconds
    if fair:
        run.fair_share = fair[1]
    run.save()
    transaction.on_commit(lambda: sensitivity_queue_after_run(run_id=run.pk))
    audit_log(
        actor=None,
        action="matching.run.succeeded",
        target=run,
        changes={"matched": run.matched_households, "method": result.method},
    )


PROPOSAL_COLUMNS = (
    "run_id",
    "household_id",
    "municipality_id",
    "score",
    "explanation",
    "unmatched_reason",
    "demand",
    "compatible_count",
    "alternative",
)

# The columns pages filter, join and sort proposals on: their statistics are refreshed after
# a run. Explanations and the encrypted demands are only shown.
PROPOSAL_FILTERED = tuple(c for c in PROPOSAL_COLUMNS if c not in ("explanation", "demand"))


def _store_proposals(run, data, scored, result, other=None) -> tuple[int, int]:
    """One proposal per household, written with COPY (core.bulk): a national run has 40,000,
    their demands encrypted together. ``other`` is the fair-share variant's assignment: where
    it places a household differently, that placement is kept on the proposal (swapped in if
    the coordinator chooses it). Returns the households and persons placed."""
    hh = data.households
    m_index = {mid: j for j, mid in enumerate(data.municipalities.ids)}
    h_index = {hid: i for i, hid in enumerate(hh.ids)}
    placed = {h_index[h]: m_index[m] for h, m in result.assignment.items()}
    elsewhere = {h_index[h]: m_index[m] for h, m in (other or {}).items()}
    moved = (
        set() if other is None else {i for i in range(len(hh)) if placed.get(i) != elsewhere.get(i)}
    )
    pairs = sorted(set(placed.items()) | {(i, elsewhere[i]) for i in moved if i in elsewhere})
    explanations = dict(zip(pairs, explain_pairs(data, pairs, run.weights), strict=True))
    scores = dict(zip(pairs, _pair_scores(scored, pairs, len(data.municipalities)), strict=True))
    demands = [dict(zip(scoring.DIMENSIONS, row, strict=True)) for row in hh.demand.tolist()]
    tokens = encrypt_values(demands)
    compatible = scored.compatible_count.tolist()

    def placement(i: int, j: int | None) -> tuple:
        """municipality, score, explanation, reason of household ``i`` placed at ``j``"""
        if j is None:
            reason = (
                UnmatchedReason.NO_COMPATIBLE if compatible[i] == 0 else UnmatchedReason.CAPACITY
            )
            if i in data.absent_pins:
                reason = UnmatchedReason.PINNED_ABSENT
            return None, None, [], reason
        return data.municipality_pks[j], float(scores[(i, j)]), explanations[(i, j)], ""

    nothing = json_text({})  # no alternative placement: most of the 40,000 rows

    def rows():
        for i, household_pk in enumerate(data.household_pks):
            municipality, score, explanation, reason = placement(i, placed.get(i))
            alternative = nothing
            if i in moved:
                elsewhere_at = placement(i, elsewhere.get(i))
                alternative = json_text(dict(zip(SWAPPED, elsewhere_at, strict=True)))
            yield (
                run.pk,
                household_pk,
                municipality,
                score,
                json_text(explanation),
                reason,
                tokens[i],
                compatible[i],
                alternative,
            )

    copy_rows(Proposal, PROPOSAL_COLUMNS, rows(), planner_columns=PROPOSAL_FILTERED)
    persons = sum(demands[i]["persons"] for i in placed)
    return len(placed), persons


def _pair_scores(scored, pairs: list[tuple[int, int]], n_municipalities: int) -> list[int]:
    """The kept score of each (household, municipality) index pair, by binary search over the
    scored pairs (sorted by household, then municipality, as scoring makes them): a dict of
    800,000 pairs cost a second to build for 30,000 look-ups."""
    if not pairs:
        return []
    keys = scored.household * n_municipalities + scored.municipality
    order = None if (keys[1:] > keys[:-1]).all() else np.argsort(keys, kind="stable")
    ordered = keys if order is None else keys[order]
    wanted = np.array([h * n_municipalities + m for h, m in pairs], dtype=np.int64)
    at = np.minimum(np.searchsorted(ordered, wanted), len(ordered) - 1)
    if (ordered[at] != wanted).any():
        raise ValueError("a placed pair was not among the scored pairs")
    return scored.score[at if order is None else order[at]].tolist()


@transaction.atomic
def run_fail(*, run_id: int, error: str) -> None:
    run = Run.objects.select_for_update().get(pk=run_id)
    if not run.is_active:
        return
    run.status, run.finished_at, run.error = RunStatus.FAILED, timezone.now(), error[:2000]
    run.save(update_fields=["status", "finished_at", "error"])
    audit_log(actor=None, action="matching.run.failed", target=run)


def runs_reap_stale(*, queued_older_than_seconds: float) -> int:
    """Runs whose worker died without a trace are marked failed, so the round can be run
    again: a running run whose heartbeat has been silent for a minute (worker killed, database
    gone), and a queued run no worker took within the time limit (task lost)."""
    now = timezone.now()
    silent = now - timedelta(seconds=HEARTBEAT_TIMEOUT_SECONDS)
    stale = Run.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=silent)
    stale |= Run.objects.filter(
        status=RunStatus.RUNNING, heartbeat_at__isnull=True, started_at__lt=silent
    )
    stale |= Run.objects.filter(
        status=RunStatus.QUEUED, created_at__lt=now - timedelta(seconds=queued_older_than_seconds)
    )
    count = 0
    for run_id in stale.values_list("pk", flat=True):
        run_fail(run_id=run_id, error=RunError.WORKER_LOST)
        count += 1
    return count


# --- review ---------------------------------------------------------------------------------


@transaction.atomic
def pair_rule_set(
    *,
    round: Round,
    household,
    municipality,
    kind: str,
    by: User,
    reason_code: str = "",
    reason: str = "",
) -> PairRule:
    """A pin or ban needs a reason code from the published list; the note is optional
    (required for "other")."""
    _require_coordinator(by)
    round = round_lock(round)
    round.require(Action.SET_RULES)
    if kind not in PairRuleKind.values:
        raise ValidationError({"kind": _("Unknown rule.")})
    reason = reason_clean(override=kind, code=reason_code, note=reason)
    if not round.entries.filter(household=household).exists():
        raise ValidationError(_("The household does not take part in this round."))
    if not round.participations.filter(municipality=municipality).exists():
        raise ValidationError(_("The municipality does not take part in this round."))
    if (
        kind == PairRuleKind.PIN
        and round.offers.agreed()
        .filter(household=household)
        .exclude(municipality=municipality)
        .exists()
    ):
        raise ValidationError(
            _("This household has accepted an offer already; a pin cannot move it.")
        )
    if kind == PairRuleKind.PIN:
        PairRule.objects.filter(round=round, household=household, kind=PairRuleKind.PIN).delete()
    rule, _created = PairRule.objects.update_or_create(
        round=round,
        household=household,
        municipality=municipality,
        defaults={
            "kind": kind,
            "reason": reason[:300],
            "reason_code": reason_code,
            "source": PairRuleSource.COORDINATOR,
            "created_by": by,
        },
    )
    audit_log(
        actor=by,
        action=f"matching.pair.{kind}ned",
        target=rule.household,
        changes={"municipality": municipality.slug, "reason_code": reason_code},
    )
    return rule


@transaction.atomic
def pair_rule_remove(*, rule: PairRule, by: User) -> None:
    _require_coordinator(by)
    audit_log(
        actor=by,
        action="matching.pair.rule_removed",
        target=rule.household,
        changes={"municipality": rule.municipality.slug, "rule": rule.kind},
    )
    rule.delete()


def pin_waits_for(rule: PairRule) -> bool:
    """A pin to a municipality without a submitted questionnaire holds by keeping the household
    unplaced until that municipality submits: said when the pin is saved."""
    from municipalities.models import Questionnaire

    return (
        rule.kind == PairRuleKind.PIN
        and not Questionnaire.objects.filter(round_id=rule.round_id, municipality=rule.municipality)
        .submitted()
        .exists()
    )


def run_unmet_pins(run: Run) -> list[tuple[PairRule, Proposal | None]]:
    """Pins the run could not meet, with the household's proposal (None: the household was not
    in the run because it has an open or accepted offer). Shown on the run page, never hidden."""
    pins = list(
        PairRule.objects.filter(round_id=run.round_id, kind=PairRuleKind.PIN).select_related(
            "household", "municipality"
        )
    )
    proposals = {
        p.household_id: p
        for p in run.proposals.filter(household_id__in=[r.household_id for r in pins])
    }
    unmet = []
    for rule in pins:
        proposal = proposals.get(rule.household_id)
        if proposal is None or proposal.municipality_id != rule.municipality_id:
            unmet.append((rule, proposal))
    return unmet


DIFF_LISTED = 50  # households named per kind of change; the counts are always complete


def run_diff(run: Run, previous: Run | None) -> dict[str, Any]:
    """What changed from the previous run: households moved, newly placed, no longer placed.
    Counted in the database by joining the two runs' proposals (a national run has 40,000);
    the first ``DIFF_LISTED`` of each kind are listed with the previous municipality's name."""
    counts = {"moved": 0, "placed": 0, "unplaced": 0}
    if previous is None:
        return {"moved": [], "placed": [], "unplaced": [], "counts": counts, "truncated": False}
    rows = run.proposals.annotate(
        before=FilteredRelation(
            "household__proposals", condition=Q(household__proposals__run_id=previous.pk)
        )
    ).annotate(before_name=F("before__municipality__name"))
    kinds = {
        "moved": Q(municipality__isnull=False, before__municipality__isnull=False)
        & ~Q(before__municipality=F("municipality")),
        "placed": Q(municipality__isnull=False, before__municipality__isnull=True),
        "unplaced": Q(municipality__isnull=True, before__municipality__isnull=False),
    }
    counts = rows.aggregate(**{kind: Count("pk", filter=q) for kind, q in kinds.items()})
    listed = {
        kind: list(
            rows.filter(q)
            .select_related("household", "municipality")
            .order_by("household__reference")[:DIFF_LISTED]
        )
        if counts[kind]
        else []
        for kind, q in kinds.items()
    }
    return {
        "moved": [(p, p.before_name) for p in listed["moved"]],
        "placed": listed["placed"],
        "unplaced": [(p, p.before_name) for p in listed["unplaced"]],
        "counts": counts,
        "listed": DIFF_LISTED,
        "truncated": any(n > DIFF_LISTED for n in counts.values()),
    }
