"""A round (a cohort of households and the municipalities that take them in) and its lifecycle.

``rounds`` sits just above ``accounts``: it imports no other app. Who takes part in a round is
recorded by the higher apps (``municipalities.RoundMunicipality``, ``refugees.RoundHousehold``),
so no foreign key points upwards."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rounds.lifecycle import PHASE_HELP, Action, Phase, allowed_actions, blocker, phases_allowing

if TYPE_CHECKING:
    from accounts.models import User

TRAVEL_AFTER_ARRIVAL = timedelta(days=183)
# A round is planned at most this far ahead: a date in the year 9999 is a typo, not a plan.
PLANNING_HORIZON_YEARS = 3


# The stored code of the round's phase; the lifecycle (transitions, what each phase allows) is
# in rounds.lifecycle.
RoundStatus = Phase


class RoundQuerySet(models.QuerySet["Round"]):
    def visible_to(self, user: User) -> RoundQuerySet:
        if user.is_coordinator:
            return self.all()
        if user.is_municipal_staff:
            return self.filter(
                participations__municipality_id__in=user.municipality_ids()
            ).distinct()
        if user.is_caseworker:
            return self.exclude(status__in=[Phase.DRAFT, Phase.CLOSED])
        return self.none()

    def allowing(self, action: Action) -> RoundQuerySet:
        """Rounds whose phase allows ``action`` (date rules aside)."""
        return self.filter(status__in=phases_allowing(action))

    def open_for_households(self) -> RoundQuerySet:
        return self.allowing(Action.ADD_HOUSEHOLD)


class ProgrammeQuerySet(models.QuerySet["Programme"]):
    def visible_to(self, user: User) -> ProgrammeQuerySet:
        if user.is_coordinator:
            return self.all()
        return self.none()


class Programme(models.Model):
    """A programme year ("Programm 2027"): municipalities pledge for the year, households
    arrive in several cohorts (rounds of the programme) that share the pledged capacity."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    starts_on = models.DateField(_("programme starts"))
    ends_on = models.DateField(_("programme ends"))
    # 0 switches fair shares off. A run of a cohort then solves twice (with and without the
    # floor) and the coordinator chooses which result to publish (matching.fairshare).
    fair_share_percent = models.PositiveSmallIntegerField(
        _("fair share (percent of each pledge)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "Every participating municipality receives at least this share of its pledge over"
            " the programme year, where the households allow it. 0 switches it off."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ("-starts_on", "name")

    def __str__(self) -> str:
        return self.name

    @property
    def audit_label(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end must not be before the start.")})

    def cohorts(self) -> models.QuerySet[Round]:
        """The programme's rounds in the order the households arrive."""
        return self.rounds.order_by("arrival_date", "pk")


class Round(models.Model):
    name = models.CharField(_("name"), max_length=200)
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    expected_households = models.PositiveIntegerField(
        _("expected households"),
        null=True,
        blank=True,
        help_text=_("How many households this cohort is expected to bring (for the forecast)."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Phase.choices, default=Phase.DRAFT
    )
    questionnaire_opens = models.DateField(_("questionnaire opens"))
    questionnaire_deadline = models.DateField(_("questionnaire deadline"))
    arrival_date = models.DateField(
        _("planned arrival date"),
        help_text=_("School and Kita needs are derived from the children's ages on this date."),
    )
    offer_reply_days = models.PositiveSmallIntegerField(
        _("days to answer an offer"),
        default=7,
        validators=[
            MinValueValidator(1, _("Households and municipalities need at least one day.")),
            MaxValueValidator(60, _("At most 60 days: offers hold places while they wait.")),
        ],
    )
    weights = models.JSONField(_("criteria weights"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ("-created_at",)
        db_table = "matching_round"  # moved from matching without touching the table

    def __str__(self) -> str:
        return self.name

    @property
    def audit_label(self) -> str:
        return self.name

    # --- the one question every page and endpoint asks -------------------------------------

    def blocker(self, action: Action | str, *, today: date | None = None) -> str | None:
        """Why ``action`` is not possible now (in the reader's language), or None."""
        return blocker(self, Action(action), today=today)

    def allows(self, action: Action | str, *, today: date | None = None) -> bool:
        return self.blocker(action, today=today) is None

    def require(self, action: Action | str, *, today: date | None = None) -> None:
        """Raise the refusal as a ValidationError when ``action`` is not possible now."""
        reason = self.blocker(action, today=today)
        if reason is not None:
            raise ValidationError(reason, code="phase")

    def allowed_actions(self, *, today: date | None = None) -> list[str]:
        return allowed_actions(self, today=today)

    def travel_window(self, *, today: date | None = None) -> tuple[date, date]:
        """The round's period for journeys: from today (a journey is planned, not recorded
        afterwards) until half a year after the planned arrival (late arrivals are real; a date
        years away is a typo)."""
        return today or timezone.localdate(), self.arrival_date + TRAVEL_AFTER_ARRIVAL

    def travel_date_blocker(self, travel_date: date) -> str | None:
        start, end = self.travel_window()
        if start <= travel_date <= end:
            return None
        return gettext(
            "The travel date must lie within the round's period, from %(start)s to %(end)s."
        ) % {
            "start": date_format(start, "SHORT_DATE_FORMAT"),
            "end": date_format(end, "SHORT_DATE_FORMAT"),
        }

    @property
    def phase(self) -> Phase:
        return Phase(self.status)

    @property
    def phase_help(self) -> str:
        return str(PHASE_HELP[self.phase])

    def later_cohorts(self) -> models.QuerySet[Round]:
        """Cohorts of the same programme that arrive after this one (none outside a programme)."""
        if self.programme_id is None:
            return Round.objects.none()
        return Round.objects.filter(programme_id=self.programme_id).filter(
            models.Q(arrival_date__gt=self.arrival_date)
            | models.Q(arrival_date=self.arrival_date, pk__gt=self.pk)
        )

    def earlier_cohorts(self) -> models.QuerySet[Round]:
        if self.programme_id is None:
            return Round.objects.none()
        return Round.objects.filter(programme_id=self.programme_id).filter(
            models.Q(arrival_date__lt=self.arrival_date)
            | models.Q(arrival_date=self.arrival_date, pk__lt=self.pk)
        )

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        latest = date(timezone.localdate().year + PLANNING_HORIZON_YEARS, 12, 31)
        for field in ("questionnaire_opens", "questionnaire_deadline", "arrival_date"):
            value = getattr(self, field)
            if value and value > latest:
                errors[field] = gettext("Please enter a date until %(date)s at the latest.") % {
                    "date": date_format(latest, "SHORT_DATE_FORMAT")
                }
        opens, deadline = self.questionnaire_opens, self.questionnaire_deadline
        arrival = self.arrival_date
        if opens and deadline and deadline < opens and "questionnaire_deadline" not in errors:
            errors["questionnaire_deadline"] = gettext(
                "The deadline must not be before the opening."
            )
        if deadline and arrival and arrival <= deadline and "arrival_date" not in errors:
            errors["arrival_date"] = gettext(
                "The arrival date must be after the questionnaire deadline."
            )
        if errors:
            raise ValidationError(errors)
