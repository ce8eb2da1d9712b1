"""A round (a cohort of households and the municipalities that take them in) and its lifecycle.

``rounds`` sits just above ``accounts``: it imports no other app. Who takes part in a round is
recorded by the higher apps (``municipalities.RoundMunicipality``, ``refugees.RoundHousehold``),
so no foreign key points upwards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rounds.lifecycle import PHASE_HELP, Action, Phase, allowed_actions, blocker, phases_allowing

if TYPE_CHECKING:
    from datetime import date

    from accounts.models import User


# The stored code of the round's phase; the lifecycle (transitions, what each phase allows) is
# in rounds.lifecycle.
RoundStatus = Phase


class RoundQuerySet(models.QuerySet["Round"]):
    def visible_to(self, user: User) -> RoundQuerySet:
        if user.is_coordinator:
            return self.all()
        if user.is_municipal_staff:
            return self.filter(
                participations__municipality__staff_memberships__user=user
            ).distinct()
        if user.is_caseworker:
            return self.exclude(status__in=[Phase.DRAFT, Phase.CLOSED])
        return self.none()

    def allowing(self, action: Action) -> RoundQuerySet:
        """Rounds whose phase allows ``action`` (date rules aside)."""
        return self.filter(status__in=phases_allowing(action))

    def open_for_households(self) -> RoundQuerySet:
        return self.allowing(Action.ADD_HOUSEHOLD)


class Round(models.Model):
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=Phase.choices, default=Phase.DRAFT
    )
    questionnaire_opens = models.DateField(_("questionnaire opens"))
    questionnaire_deadline = models.DateField(_("questionnaire deadline"))
    arrival_date = models.DateField(
        _("planned arrival date"),
        help_text=_("School and Kita needs are derived from the children's ages on this date."),
    )
    offer_reply_days = models.PositiveSmallIntegerField(_("days to answer an offer"), default=7)
    weights = models.JSONField(_("criteria weights"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
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

    @property
    def phase(self) -> Phase:
        return Phase(self.status)

    @property
    def phase_help(self) -> str:
        return str(PHASE_HELP[self.phase])

    def clean(self) -> None:
        super().clean()
        if (
            self.questionnaire_opens
            and self.questionnaire_deadline
            and self.questionnaire_deadline < self.questionnaire_opens
        ):
            raise ValidationError(
                {"questionnaire_deadline": _("The deadline must not be before the opening.")}
            )
        if (
            self.arrival_date
            and self.questionnaire_deadline
            and self.arrival_date < self.questionnaire_deadline
        ):
            raise ValidationError(
                {"arrival_date": _("The arrival date must be after the questionnaire deadline.")}
            )
