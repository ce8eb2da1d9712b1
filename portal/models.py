"""The programme's own words, edited by coordinators per language: what the programme is, who
runs it, what a municipality commits to and gets, quotes, the contact; and the timeline of the
programme year. The public pages render these; nothing of it lives in templates."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import validate_phone


class ProgrammeContent(models.Model):
    """One language version of the programme page."""

    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, unique=True
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("what the programme is"),
        max_length=4000,
        help_text=_("A few sentences. Blank lines separate paragraphs."),
    )
    operator = models.TextField(
        _("who runs it"),
        max_length=2000,
        blank=True,
        help_text=_("The organisations behind the programme and their roles."),
    )
    commitments = models.TextField(
        _("what a municipality commits to"),
        max_length=3000,
        blank=True,
        help_text=_("One point per line."),
    )
    benefits = models.TextField(
        _("what a municipality gets"),
        max_length=3000,
        blank=True,
        help_text=_("One point per line."),
    )
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_role = models.CharField(_("role of the contact person"), max_length=150, blank=True)
    contact_organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=40, blank=True, validators=[validate_phone]
    )
    is_example = models.BooleanField(
        _("example content"),
        default=False,
        help_text=_("Shows a notice that this text is an example and not a real programme."),
    )
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("programme text")
        verbose_name_plural = _("programme texts")
        ordering = ("language",)

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    @property
    def audit_label(self) -> str:
        return self.language

    @property
    def commitment_lines(self) -> list[str]:
        return _lines(self.commitments)

    @property
    def benefit_lines(self) -> list[str]:
        return _lines(self.benefits)


def _lines(text: str) -> list[str]:
    return [line.strip(" -•*\t") for line in text.splitlines() if line.strip(" -•*\t")]


class Quote(models.Model):
    """What someone who took part said, in the language of the page it appears on."""

    content = models.ForeignKey(ProgrammeContent, on_delete=models.CASCADE, related_name="quotes")
    text = models.TextField(_("quote"), max_length=1500)
    speaker_name = models.CharField(_("name of the speaker"), max_length=150)
    speaker_role = models.CharField(
        _("role of the speaker"),
        max_length=200,
        help_text=_("For example the office and the municipality."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.speaker_name


class PhaseKind(models.TextChoices):
    APPLICATION = "application", _("Municipalities apply")
    QUESTIONNAIRE = "questionnaire", _("Capacity questionnaire")
    RECEPTION = "reception", _("Reception of the households")
    EVALUATION_SURVEY = "evaluation_survey", _("Evaluation questionnaire")
    WORKSHOP = "workshop", _("Evaluation workshop")


class TimelinePhase(models.Model):
    """A phase of a programme year. Dates are the same in every language; the phase's name and
    meaning are rendered from its kind in the reader's language."""

    year = models.PositiveSmallIntegerField(
        _("programme year"), validators=[MinValueValidator(2020), MaxValueValidator(2100)]
    )
    kind = models.CharField(_("phase"), max_length=30, choices=PhaseKind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))

    class Meta:
        verbose_name = _("timeline phase")
        verbose_name_plural = _("timeline phases")
        ordering = ("year", "starts_on", "ends_on", "id")

    def __str__(self) -> str:
        return f"{self.year} {self.kind}"

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end must not be before the start.")})
