"""Evaluation: stored comparisons of allocation methods, and follow-up surveys.

Metrics are computed from runs, proposals and offers (:mod:`evaluation.services.metrics`);
what is expensive is stored here: a round's metrics (with a fingerprint of their inputs, so a
change makes them stale) and comparisons (they solve the round five times), and what people
answer (surveys)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import MaxValueValidator

if TYPE_CHECKING:
    from accounts.models import User


class ComparisonStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


ACTIVE_COMPARISON_STATUSES = (ComparisonStatus.QUEUED, ComparisonStatus.RUNNING)


class ComparisonQuerySet(models.QuerySet["Comparison"]):
    def visible_to(self, user: User) -> ComparisonQuerySet:
        return self.all() if user.is_coordinator else self.none()

    def active(self) -> ComparisonQuerySet:
        return self.filter(status__in=ACTIVE_COMPARISON_STATUSES)


class Comparison(models.Model):
    """The round's data allocated by every method, with the metrics of each result."""

    round = models.ForeignKey("rounds.Round", on_delete=models.CASCADE, related_name="comparisons")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ComparisonStatus.choices,
        default=ComparisonStatus.QUEUED,
    )
    weights = models.JSONField(_("criteria weights used"), default=dict)
    seed = models.PositiveIntegerField(_("random seed"), default=2026)
    household_count = models.PositiveIntegerField(_("households"), default=0)
    municipality_count = models.PositiveIntegerField(_("municipalities"), default=0)
    pair_count = models.PositiveIntegerField(_("compatible pairs"), default=0)
    results = models.JSONField(_("results"), default=dict, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ComparisonQuerySet.as_manager()

    class Meta:
        verbose_name = _("comparison of allocation methods")
        verbose_name_plural = _("comparisons of allocation methods")
        ordering = ("-created_at", "-id")
        constraints = [
            # Two clicks on "compare" start one computation, whatever the race.
            models.UniqueConstraint(
                fields=["round"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_comparison_per_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.round} comparison #{self.pk}"

    @property
    def audit_label(self) -> str:
        return f"{self.round.name} / comparison #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_COMPARISON_STATUSES


class SurveyKind(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    MUNICIPALITY = "municipality", _("Municipality")


class Wave(models.IntegerChoices):
    """Months after arrival for households; 0 is the municipalities' survey at the round's end."""

    ROUND_END = 0, _("End of the round")
    ONE_MONTH = 1, _("1 month after arrival")
    SIX_MONTHS = 6, _("6 months after arrival")
    TWELVE_MONTHS = 12, _("12 months after arrival")


HOUSEHOLD_WAVES = (Wave.ONE_MONTH, Wave.SIX_MONTHS, Wave.TWELVE_MONTHS)


class SurveyStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")


class SurveyQuerySet(models.QuerySet["Survey"]):
    def visible_to(self, user: User) -> SurveyQuerySet:
        """Coordinators see every survey; a household only its own; municipal staff only their
        municipality's survey (never the households' answers about it)."""
        if user.is_coordinator:
            return self.all()
        if user.is_municipal_staff:
            return self.filter(
                kind=SurveyKind.MUNICIPALITY, municipality_id__in=user.municipality_ids()
            )
        if user.is_refugee:
            return self.filter(kind=SurveyKind.HOUSEHOLD, household__contact_user=user)
        return self.none()

    def open(self) -> SurveyQuerySet:
        return self.filter(sent_at__isnull=False, answered_at__isnull=True)

    def answered(self) -> SurveyQuerySet:
        return self.filter(answered_at__isnull=False)


class Survey(models.Model):
    """One questionnaire for one household (a wave after its arrival) or one municipality (at
    the end of a round), with its answers once given."""

    round = models.ForeignKey("rounds.Round", on_delete=models.CASCADE, related_name="surveys")
    kind = models.CharField(_("for"), max_length=20, choices=SurveyKind.choices)
    wave = models.PositiveSmallIntegerField(_("wave"), choices=Wave.choices)
    household = models.ForeignKey(
        "refugees.Household",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="surveys",
    )
    # For a household: the municipality it moved to. For a municipality: the municipality.
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="surveys"
    )
    offer = models.ForeignKey(
        "matching.Offer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(_("reminders"), default=0)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    questions_version = models.CharField(_("questionnaire version"), max_length=20, blank=True)
    language = models.CharField(_("answered in"), max_length=5, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ("round", "wave", "due_on", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "household", "wave"],
                condition=models.Q(kind="household"),
                name="one_survey_per_household_wave",
            ),
            models.UniqueConstraint(
                fields=["round", "municipality", "wave"],
                condition=models.Q(kind="municipality"),
                name="one_survey_per_municipality_round",
            ),
        ]
        indexes = [models.Index(fields=["due_on", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_wave_display()} #{self.pk}"

    @property
    def audit_label(self) -> str:
        who = (
            self.household.reference
            if self.household
            else self.municipality.name
            if self.municipality
            else ""
        )
        return f"{self.round.name} / {who} / {self.wave}"

    @property
    def status(self) -> str:
        if self.answered_at:
            return SurveyStatus.ANSWERED
        if self.sent_at:
            return SurveyStatus.SENT
        return SurveyStatus.SCHEDULED

    def get_status_display(self) -> str:
        return str(SurveyStatus(self.status).label)

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def clean(self) -> None:
        super().clean()
        if self.kind == SurveyKind.HOUSEHOLD and not self.household_id:
            raise ValidationError(_("A household survey needs a household."))
        if self.kind == SurveyKind.HOUSEHOLD and self.wave not in HOUSEHOLD_WAVES:
            raise ValidationError(
                {"wave": _("Households are asked 1, 6 and 12 months after arrival.")}
            )
        if self.kind == SurveyKind.MUNICIPALITY and self.wave != Wave.ROUND_END:
            raise ValidationError({"wave": _("Municipalities are asked at the end of a round.")})

    def record_answers(self, *, answers: dict, language: str, by: User, version: str) -> None:
        if self.is_answered:
            raise ValidationError(_("This survey has been answered already. Thank you!"))
        self.answers = answers
        self.language = language
        self.questions_version = version
        self.answered_at = timezone.now()
        self.answered_by = by


# --- The evaluation workshop ----------------------------------------------------------------


class WorkshopQuerySet(models.QuerySet["Workshop"]):
    def visible_to(self, user: User) -> WorkshopQuerySet:
        """Coordinators see every workshop; municipal staff those of the rounds their
        municipality takes part in."""
        if user.is_coordinator:
            return self.all()
        if user.is_municipal_staff:
            from municipalities.models import RoundMunicipality

            # The rounds as a subquery: joined, each workshop came once per participation and
            # needed DISTINCT over five tables (1.9 ms of planning on every staff dashboard).
            rounds = RoundMunicipality.objects.filter(
                municipality_id__in=user.municipality_ids()
            ).values("round_id")
            return self.filter(round_id__in=rounds)
        return self.none()

    def upcoming(self) -> WorkshopQuerySet:
        return self.filter(ends_at__gte=timezone.now())


class Workshop(models.Model):
    """The evaluation workshop of a round: the participating municipalities meet (on site or
    online) to discuss the placement. Staff register; the capacity is never exceeded."""

    round = models.ForeignKey(
        "rounds.Round", verbose_name=_("round"), on_delete=models.CASCADE, related_name="workshops"
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.TextField(
        _("place"), max_length=500, blank=True, help_text=_("Address and room.")
    )
    online_url = models.URLField(
        _("online link"), blank=True, help_text=_("For an online workshop: the meeting link.")
    )
    capacity = models.PositiveIntegerField(
        _("places"), validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    description = models.TextField(_("programme of the day"), max_length=3000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation workshop")
        verbose_name_plural = _("evaluation workshops")
        ordering = ("starts_at", "id")

    def __str__(self) -> str:
        return self.title

    @property
    def audit_label(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The workshop must end after it starts.")})
        if not self.place.strip() and not self.online_url:
            raise ValidationError(_("Give the place or the online link (or both)."))


class WorkshopRegistration(models.Model):
    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="registrations", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshop_registrations"
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("workshop registration")
        verbose_name_plural = _("workshop registrations")
        ordering = ("municipality__name", "created_at")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="one_registration_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.workshop} / {self.municipality}"


class RoundMetrics(models.Model):
    """A round's evaluation figures, computed once per state of their inputs.

    Computing them loads and measures the whole round (35 s for a national round of 40,000
    households), so they are stored with a fingerprint of everything they are computed from
    (:func:`evaluation.services.stored.metrics_fingerprint`): a page shows them while the
    fingerprint matches, and a changed offer, run or household makes them stale."""

    round = models.OneToOneField(
        "rounds.Round", on_delete=models.CASCADE, related_name="stored_metrics"
    )
    fingerprint = models.CharField(_("fingerprint of the data"), max_length=64)
    figures = models.JSONField(_("figures"), default=dict)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("stored round metrics")
        verbose_name_plural = _("stored round metrics")

    def __str__(self) -> str:
        return f"{self.round_id}: {self.computed_at:%Y-%m-%d %H:%M}"
