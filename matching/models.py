"""Runs, proposals and offers of a round. The round itself and its lifecycle live in ``rounds``."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from matching.reasons import Override, ReasonCode, reason_clean
from refugees.fields import EncryptedJSONField

if TYPE_CHECKING:
    from accounts.models import User


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class RunStage(models.TextChoices):
    WAITING = "waiting", _("Waiting for a worker")
    LOAD = "load", _("Loading questionnaires and profiles")
    SCORE = "score", _("Scoring every pair")
    SOLVE = "solve", _("Solving the assignment")
    CHECK = "check", _("Checking the result's stability")
    FAIR_SHARE = "fair_share", _("Solving again with the fair shares")
    STORE = "store", _("Storing the proposals")
    DONE = "done", _("Done")


class RunVariant(models.TextChoices):
    PLAIN = "plain", _("Without fair shares")
    FAIR = "fair", _("With fair shares")


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class RunError(models.TextChoices):
    """Why a run failed, where the platform knows it (stored as a code, shown as words)."""

    NOT_QUEUED = (
        "not_queued",
        _(
            "The run could not be handed to a worker (the task queue is not reachable). Nothing "
            "was changed; please try again in a few minutes."
        ),
    )
    WORKER_LOST = (
        "worker_lost",
        _(
            "The worker stopped before the run finished. Nothing was changed; you can start a new "
            "run."
        ),
    )


class RunQuerySet(models.QuerySet["Run"]):
    def visible_to(self, user: User) -> RunQuerySet:
        return self.all() if user.is_coordinator else self.none()

    def active(self) -> RunQuerySet:
        return self.filter(status__in=ACTIVE_RUN_STATUSES)


class Run(models.Model):
    """One iteration of the matching for a round: its inputs, method and result are kept."""

    round = models.ForeignKey(
        "rounds.Round", on_delete=models.CASCADE, related_name="runs", db_index=False
    )
    iteration = models.PositiveIntegerField(_("iteration"))
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=RunStage.choices, default=RunStage.WAITING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    method = models.CharField(_("method"), max_length=30, default="auto")
    time_limit = models.FloatField(_("time limit (seconds)"), default=60)
    weights = models.JSONField(_("criteria weights used"), default=dict)
    use_forecast = models.BooleanField(
        _("keep places for later cohorts"),
        default=False,
        help_text=_("Place this cohort so that the households expected later still find room."),
    )
    # The programme's fair share when the run started (0: off), the comparison of the two
    # variants (aggregates per municipality only, no personal data: matching.services.fairshare)
    # and which of them the proposals hold now.
    fair_share_percent = models.PositiveSmallIntegerField(_("fair share (percent)"), default=0)
    fair_share = models.JSONField(_("fair shares"), default=dict, blank=True)
    variant = models.CharField(
        _("variant"), max_length=10, choices=RunVariant.choices, default=RunVariant.PLAIN
    )
    # What the forecast was built from (counts only, no personal data), shown on the run page.
    forecast_summary = models.JSONField(_("forecast"), default=dict, blank=True)
    engine_version = models.CharField(_("engine version"), max_length=40, blank=True)
    engine_status = models.CharField(_("result status"), max_length=20, blank=True)
    engine_method = models.CharField(_("method used"), max_length=30, blank=True)
    objective = models.FloatField(_("total score"), null=True, blank=True)
    bound = models.FloatField(_("upper bound"), null=True, blank=True)
    solve_seconds = models.FloatField(_("solver seconds"), null=True, blank=True)
    stage_seconds = models.JSONField(_("seconds per stage"), default=dict, blank=True)
    household_count = models.PositiveIntegerField(_("households"), default=0)
    pair_count = models.PositiveIntegerField(_("compatible pairs"), default=0)
    matched_households = models.PositiveIntegerField(_("matched households"), default=0)
    matched_persons = models.PositiveIntegerField(_("matched persons"), default=0)
    # Upper bounds from the engine's capacity relaxation: no assignment places more.
    placeable_households = models.PositiveIntegerField(
        _("households that could be placed at most"), null=True, blank=True
    )
    placeable_persons = models.PositiveIntegerField(
        _("persons that could be placed at most"), null=True, blank=True
    )
    # Places used per municipality and dimension, {municipality id: {dimension: [used, capacity]}},
    # stored with the run so the run page need not read the (national: 70 MB) result file.
    utilisation = models.JSONField(_("utilisation"), default=dict, blank=True)
    instance_file = models.FileField(_("instance file"), upload_to="runs/", blank=True)
    result_file = models.FileField(_("result file"), upload_to="runs/", blank=True)
    # With fair shares: the result document of the variant the proposals do not hold; swapped
    # with result_file when the coordinator chooses, so the result file is always the chosen one.
    alternative_file = models.FileField(
        _("result file of the other variant"), upload_to="runs/", blank=True
    )
    error = models.TextField(_("error"), blank=True)
    # matching.engine.stability: the improving moves and swaps found, and what the repair
    # pass applied before the proposals were stored ({} for runs from before the check).
    stability = models.JSONField(_("stability check"), default=dict, blank=True)
    # Why a person ran the round again (required from the second run of a round on).
    reason_code = models.CharField(
        _("reason for the re-run"), max_length=30, choices=ReasonCode.choices, blank=True
    )
    reason_note = models.CharField(_("note"), max_length=300, blank=True)
    # The pins and bans in force when the run loaded the round, with their reason codes:
    # [{"kind", "household", "municipality", "code", "source"}] (household/municipality ids).
    rules = models.JSONField(_("pins and bans applied"), default=list, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # Written every few seconds by the worker while it executes the run: a run whose heartbeat
    # stops (worker killed, database gone) is failed by the reaper within about a minute.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")
        ordering = ("-created_at", "-id")
        constraints = [
            # The database itself refuses a second active run of a round, whatever the race.
            models.UniqueConstraint(
                fields=["round"],
                condition=models.Q(status__in=ACTIVE_RUN_STATUSES),
                name="one_active_run_per_round",
            ),
            models.UniqueConstraint(fields=["round", "iteration"], name="unique_run_iteration"),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.iteration}"

    @property
    def gap_percent(self) -> float | None:
        """How far the total score may lie below the best possible, in percent (rounded up)."""
        if self.objective is None or not self.bound:
            return None
        percent = max(self.bound - self.objective, 0.0) / abs(self.bound) * 100
        digits = 2 if percent < 1 else 1
        return math.ceil(percent * 10**digits - 1e-9) / 10**digits

    @property
    def audit_label(self) -> str:
        return f"{self.round.name} #{self.iteration}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def error_message(self) -> str:
        if self.error in RunError.values:
            return str(RunError(self.error).label)
        return self.error


class UnmatchedReason(models.TextChoices):
    NO_COMPATIBLE = "no_compatible", _("No compatible municipality")
    CAPACITY = "capacity", _("Not enough capacity left in the compatible municipalities")
    PINNED_ABSENT = "pinned_absent", _("Pinned to a municipality that takes no part in this run")


class Proposal(models.Model):
    """A run's decision for one household: a municipality with its score, or unmatched."""

    # unique_run_household starts with the run: a run stores 40,000 proposals at national
    # scale, and a second index on the same column only costs writes.
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="proposals", db_index=False)
    household = models.ForeignKey(
        "refugees.Household", on_delete=models.CASCADE, related_name="proposals"
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="proposals",
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    explanation = models.JSONField(_("explanation"), default=list, blank=True)
    unmatched_reason = models.CharField(
        _("reason"), max_length=20, choices=UnmatchedReason.choices, blank=True
    )
    # Places by dimension, including wheelchair-accessible and psychotherapy places: derived from
    # health needs, so encrypted at rest like the needs themselves.
    demand = EncryptedJSONField(_("places needed"), default=dict)
    compatible_count = models.PositiveIntegerField(_("compatible municipalities"), default=0)
    # With fair shares: this household's placement in the variant the run does not show now
    # ({"municipality", "score", "explanation", "unmatched_reason"}; {} where both agree).
    # Kept on the proposal so it is erased with the household.
    alternative = models.JSONField(_("placement in the other variant"), default=dict, blank=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ("run", "household__reference")
        constraints = [
            models.UniqueConstraint(fields=["run", "household"], name="unique_run_household")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} -> {self.municipality_id}"


class PairRuleKind(models.TextChoices):
    PIN = "pin", _("Pinned")
    BAN = "ban", _("Banned")


class PairRuleSource(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    DECLINED = "declined", _("Household's decline")
    OBJECTED = "objected", _("Municipality's objection")
    EXPIRED = "expired", _("Expired offer")


class PairRule(models.Model):
    """A coordinator's pin or ban of a household x municipality pair, or a ban after a decline."""

    round = models.ForeignKey(
        "rounds.Round", on_delete=models.CASCADE, related_name="pair_rules", db_index=False
    )
    household = models.ForeignKey(
        "refugees.Household", on_delete=models.CASCADE, related_name="pair_rules"
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="pair_rules"
    )
    kind = models.CharField(_("rule"), max_length=10, choices=PairRuleKind.choices)
    reason_code = models.CharField(
        _("reason"), max_length=30, choices=ReasonCode.choices, blank=True
    )
    # The note beside the code: shown to coordinators only (the household's own words after a
    # decline stay on the offer, not here).
    reason = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(
        _("set by"), max_length=12, choices=PairRuleSource.choices, default="coordinator"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("pair rule")
        verbose_name_plural = _("pair rules")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "household", "municipality"], name="unique_pair_rule"
            ),
            # A household can be pinned to one municipality at most.
            models.UniqueConstraint(
                fields=["round", "household"],
                condition=models.Q(kind="pin"),
                name="one_pin_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.household_id} {self.municipality_id}"


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for answers")
    ACCEPTED = "accepted", _("Accepted by both sides")
    DECLINED = "declined", _("Declined by the household")
    OBJECTED = "objected", _("Objected by the municipality")
    EXPIRED = "expired", _("Expired")
    ARRIVED = "arrived", _("Arrived")


# The status groups, each spelled out once; the queryset methods and properties below are how
# the rest of the project asks for them.
# Offers that hold capacity: it is released when an offer is declined, objected or expires.
RESERVING_OFFER_STATUSES = (OfferStatus.PENDING, OfferStatus.ACCEPTED, OfferStatus.ARRIVED)
# Both sides said yes (the household may have arrived since): a placement.
AGREED_OFFER_STATUSES = (OfferStatus.ACCEPTED, OfferStatus.ARRIVED)
# Still needs the household: waiting for answers, or accepted and not yet arrived.
UNFINISHED_OFFER_STATUSES = (OfferStatus.PENDING, OfferStatus.ACCEPTED)
# Ended without a placement: the places are free again.
RELEASED_OFFER_STATUSES = (OfferStatus.DECLINED, OfferStatus.OBJECTED, OfferStatus.EXPIRED)


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")


class OfferQuerySet(models.QuerySet["Offer"]):
    def visible_to(self, user: User) -> OfferQuerySet:
        if user.is_coordinator:
            return self.all()
        if user.is_municipal_staff:
            return self.filter(municipality_id__in=user.municipality_ids())
        if user.is_caseworker:
            return self.filter(household__organisation_id=user.organisation_id)
        if user.is_refugee:
            return self.filter(household__contact_user=user)
        return self.none()

    def reserving(self) -> OfferQuerySet:
        return self.filter(status__in=RESERVING_OFFER_STATUSES)

    def agreed(self) -> OfferQuerySet:
        return self.filter(status__in=AGREED_OFFER_STATUSES)

    def unfinished(self) -> OfferQuerySet:
        return self.filter(status__in=UNFINISHED_OFFER_STATUSES)

    def released(self) -> OfferQuerySet:
        return self.filter(status__in=RELEASED_OFFER_STATUSES)

    def awaiting_answer(self, side: str) -> OfferQuerySet:
        return self.filter(awaiting_answer_q(side))

    def travel_date_missing(self) -> OfferQuerySet:
        return self.filter(travel_date_missing_q())

    def arrival_due(self) -> OfferQuerySet:
        return self.filter(arrival_due_q())


# The conditions of the to-do lists, as Q objects: the querysets above filter with them, and a
# dashboard counts all three in one query (Count(..., filter=...)).
def awaiting_answer_q(side: str) -> Q:
    """Open offers that ``side`` ("household" or "municipality") has not answered yet."""
    return Q(status=OfferStatus.PENDING, deadline__gt=timezone.now(), **{f"{side}_answer": ""})


def travel_date_missing_q() -> Q:
    """Both sides agreed and the municipality has not set the travel date yet."""
    return Q(status=OfferStatus.ACCEPTED, travel_date__isnull=True)


def arrival_due_q() -> Q:
    """The travel date has come and the arrival is not confirmed yet."""
    return Q(status=OfferStatus.ACCEPTED, travel_date__lte=timezone.localdate())


class Offer(models.Model):
    """A published proposal. Both sides answer before the deadline; when both say yes, the
    municipality learns the names and the relocation is tracked."""

    round = models.ForeignKey("rounds.Round", on_delete=models.CASCADE, related_name="offers")
    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="offers")
    # offer_household_list starts with the household: no index of its own.
    household = models.ForeignKey(
        "refugees.Household", on_delete=models.CASCADE, related_name="offers", db_index=False
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="offers"
    )
    score = models.FloatField(_("score"))
    explanation = models.JSONField(_("explanation"), default=list)
    demand = EncryptedJSONField(_("places needed"), default=dict)  # as Proposal.demand
    status = models.CharField(
        _("status"), max_length=20, choices=OfferStatus.choices, default=OfferStatus.PENDING
    )
    deadline = models.DateTimeField(_("answer by"))
    household_answer = models.CharField(
        _("household's answer"), max_length=5, choices=Answer.choices, blank=True
    )
    household_reason = models.TextField(
        _("household's reason"),
        max_length=2000,
        blank=True,
        validators=[MaxLengthValidator(2000), ProhibitNullCharactersValidator()],
    )
    household_answered_at = models.DateTimeField(_("household answered"), null=True, blank=True)
    household_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    municipality_answer = models.CharField(
        _("municipality's answer"), max_length=5, choices=Answer.choices, blank=True
    )
    municipality_reason = models.TextField(_("municipality's reason"), max_length=2000, blank=True)
    household_reason_code = models.CharField(
        _("household's reason"), max_length=30, choices=ReasonCode.choices, blank=True
    )
    municipality_reason_code = models.CharField(
        _("municipality's reason"), max_length=30, choices=ReasonCode.choices, blank=True
    )
    expiry_reason_code = models.CharField(
        _("why it expired"), max_length=30, choices=ReasonCode.choices, blank=True
    )
    municipality_answered_at = models.DateTimeField(
        _("municipality answered"), null=True, blank=True
    )
    municipality_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    travel_date = models.DateField(_("travel date"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrival confirmed"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "household"],
                condition=models.Q(status__in=RESERVING_OFFER_STATUSES),
                name="one_open_offer_per_household",
            )
        ]
        indexes = [
            # The caseworker's offer list counts and sorts the offers of the organisation's
            # households (35,000 of a national round) on every view: with the columns it
            # counts, filters and sorts on in the index, PostgreSQL reads the index alone, not
            # the 30 MB of rows with their explanations. Key columns rather than INCLUDE,
            # which SQLite does not know.
            models.Index(
                fields=["household", "id", "round", "deadline", "status"],
                name="offer_household_list",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} -> {self.municipality_id} ({self.status})"

    @property
    def audit_label(self) -> str:
        return f"{self.household.reference} → {self.municipality.name}"

    @property
    def is_open(self) -> bool:
        return self.status == OfferStatus.PENDING and self.deadline > timezone.now()

    @property
    def both_accepted(self) -> bool:
        return self.status in AGREED_OFFER_STATUSES

    @property
    def is_released(self) -> bool:
        return self.status in RELEASED_OFFER_STATUSES

    def _check_open(self) -> None:
        if self.status != OfferStatus.PENDING:
            raise ValidationError(_("This offer has been answered or closed already."))
        if self.deadline <= timezone.now():
            raise ValidationError(_("The deadline for this offer has passed."))

    def answer_as_household(self, *, yes: bool, reason: str, code: str = "") -> None:
        self._check_open()
        if self.household_answer:
            raise ValidationError(_("The household has answered this offer already."))
        note = reason.strip()
        if not yes:  # without a reason chosen: declined without saying why, as promised
            code = code or ReasonCode.NOT_GIVEN
            note = reason_clean(override=Override.DECLINE, code=code, note=reason)
        self.household_answer = Answer.YES if yes else Answer.NO
        self.household_reason, self.household_reason_code = note, "" if yes else code
        self.household_answered_at = timezone.now()
        self._settle()

    def answer_as_municipality(self, *, yes: bool, reason: str, code: str = "") -> None:
        self._check_open()
        if self.municipality_answer:
            raise ValidationError(_("The municipality has answered this offer already."))
        note = reason.strip()
        if not yes:
            note = reason_clean(override=Override.OBJECTION, code=code, note=reason)
        self.municipality_answer = Answer.YES if yes else Answer.NO
        self.municipality_reason, self.municipality_reason_code = note, "" if yes else code
        self.municipality_answered_at = timezone.now()
        self._settle()

    def _settle(self) -> None:
        if self.household_answer == Answer.NO:
            self.status, self.closed_at = OfferStatus.DECLINED, timezone.now()
        elif self.municipality_answer == Answer.NO:
            self.status, self.closed_at = OfferStatus.OBJECTED, timezone.now()
        elif self.household_answer == Answer.YES and self.municipality_answer == Answer.YES:
            self.status = OfferStatus.ACCEPTED

    def expire(self, *, code: str = ReasonCode.NO_ANSWER) -> None:
        if self.status != OfferStatus.PENDING:
            raise ValidationError(_("Only open offers can expire."))
        self.status, self.closed_at = OfferStatus.EXPIRED, timezone.now()
        self.expiry_reason_code = code

    def arrival_blocker(self, today: date | None = None) -> str | None:
        """Why the arrival cannot be confirmed now: it comes after the journey."""
        if self.status != OfferStatus.ACCEPTED:
            return str(_("Arrival can be confirmed only after both sides accepted."))
        if self.travel_date is None:
            return str(_("Set the travel date first; the arrival follows it."))
        if (today or timezone.localdate()) < self.travel_date:
            return _("The arrival can be confirmed on or after the travel date (%(date)s).") % {
                "date": date_format(self.travel_date, "SHORT_DATE_FORMAT")
            }
        return None

    def confirm_arrival(self, *, today: date) -> None:
        reason = self.arrival_blocker(today)
        if reason:
            raise ValidationError(reason)
        self.status, self.arrived_at = OfferStatus.ARRIVED, timezone.now()


class SensitivityQuerySet(models.QuerySet["RunSensitivity"]):
    def active(self) -> SensitivityQuerySet:
        return self.filter(status__in=ACTIVE_RUN_STATUSES)


class RunSensitivity(models.Model):
    """How a run's result depends on its weights: each criterion's weight moved by ±25 %,
    the same instance solved again and compared (matching.sensitivity). Computed in the
    background; a later computation of the same run replaces the page's view of it."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="sensitivities")
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    step = models.CharField(_("criterion being varied"), max_length=40, blank=True)
    rows = models.JSONField(_("results"), default=list, blank=True)
    # The score given up by each pin and ban a coordinator set: the round solved with all
    # rules and without that one (matching.services.overrides).
    rule_rows = models.JSONField(_("score given up per rule"), default=list, blank=True)
    # Pairs whose score, computed again from today's data with the run's own weights,
    # differs from the run's instance: profiles or questionnaires changed since the run.
    drift = models.PositiveIntegerField(_("pairs scored differently than in the run"), default=0)
    # The variant of the run it was computed for (with fair shares: solved with the floors).
    variant = models.CharField(
        _("variant"), max_length=10, choices=RunVariant.choices, default=RunVariant.PLAIN
    )
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = SensitivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("sensitivity analysis")
        verbose_name_plural = _("sensitivity analyses")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["run"],
                condition=models.Q(status__in=ACTIVE_RUN_STATUSES),
                name="one_active_sensitivity_per_run",
            )
        ]

    def __str__(self) -> str:
        return f"{self.run} sensitivity ({self.status})"

    @property
    def audit_label(self) -> str:
        return f"{self.run.audit_label} sensitivity"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def error_message(self) -> str:
        if self.error in RunError.values:
            return str(RunError(self.error).label)
        return self.error
