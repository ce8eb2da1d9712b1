from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from core.validators import MaxValueValidator, validate_phone

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

if TYPE_CHECKING:
    from accounts.models import User


class FederalState(models.TextChoices):
    BW = "BW", _("Baden-Württemberg")
    BY = "BY", _("Bavaria")
    BE = "BE", _("Berlin")
    BB = "BB", _("Brandenburg")
    HB = "HB", _("Bremen")
    HH = "HH", _("Hamburg")
    HE = "HE", _("Hesse")
    MV = "MV", _("Mecklenburg-Western Pomerania")
    NI = "NI", _("Lower Saxony")
    NW = "NW", _("North Rhine-Westphalia")
    RP = "RP", _("Rhineland-Palatinate")
    SL = "SL", _("Saarland")
    SN = "SN", _("Saxony")
    ST = "ST", _("Saxony-Anhalt")
    SH = "SH", _("Schleswig-Holstein")
    TH = "TH", _("Thuringia")


# The first two digits of the Amtlicher Gemeindeschlüssel name the federal state.
AGS_STATE_PREFIX = {
    "01": "SH",
    "02": "HH",
    "03": "NI",
    "04": "HB",
    "05": "NW",
    "06": "HE",
    "07": "RP",
    "08": "BW",
    "09": "BY",
    "10": "SL",
    "11": "BE",
    "12": "BB",
    "13": "MV",
    "14": "SN",
    "15": "ST",
    "16": "TH",
}


class SettlementType(models.TextChoices):
    BIG_CITY = "big_city", _("Big city")
    MEDIUM_TOWN = "medium_town", _("Medium-sized town")
    SMALL_TOWN = "small_town", _("Small town")
    RURAL = "rural", _("Rural area")


ags_validator = RegexValidator(
    r"^\d{8}$", _("The Amtlicher Gemeindeschlüssel has exactly 8 digits.")
)


class MunicipalityQuerySet(models.QuerySet["Municipality"]):
    def visible_to(self, user: User) -> MunicipalityQuerySet:
        if user.is_coordinator:
            return self.all()
        if user.is_municipal_staff:
            # A join: one row per district, where no plan goes wrong (see User.municipality_ids).
            return self.filter(staff_memberships__user=user)
        return self.none()


class Municipality(models.Model):
    name = models.CharField(_("official name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    ags = models.CharField(
        _("Amtlicher Gemeindeschlüssel"), max_length=8, unique=True, validators=[ags_validator]
    )
    federal_state = models.CharField(_("federal state"), max_length=2, choices=FederalState.choices)
    settlement_type = models.CharField(
        _("settlement type"), max_length=20, choices=SettlementType.choices
    )
    population = models.PositiveIntegerField(_("population"))
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=40, blank=True, validators=[validate_phone]
    )
    description = models.TextField(_("short description"), blank=True)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def audit_label(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        expected = AGS_STATE_PREFIX.get((self.ags or "")[:2])
        if self.ags and len(self.ags) == 8 and self.ags.isdigit() and expected is None:
            raise ValidationError({"ags": _("The first two digits do not name a federal state.")})
        if expected and self.federal_state and expected != self.federal_state:
            raise ValidationError(
                {
                    "ags": _(
                        "This key belongs to %(state)s: its first two digits must match the "
                        "federal state."
                    )
                    % {"state": FederalState(expected).label}
                }
            )


class StaffMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_memberships",
        db_index=False,
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="unique_staff_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.municipality}"


# --- Capacity questionnaire ---------------------------------------------------------------------


class QuestionnaireStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Availability(models.TextChoices):
    GOOD = "good", _("Good: new patients are accepted")
    LIMITED = "limited", _("Limited: waiting times")
    NONE = "none", _("None: no new patients")


class CommunitySize(models.TextChoices):
    NONE = "none", _("None known")
    SMALL = "small", _("Small")
    LARGE = "large", _("Large and active")


class TransportQuality(models.TextChoices):
    POOR = "poor", _("Poor: a car is needed")
    FAIR = "fair", _("Fair: buses a few times a day")
    GOOD = "good", _("Good: frequent buses or trains")


class HousingKind(models.TextChoices):
    FLAT = "flat", _("Flat")
    SHARED_FLAT = "shared_flat", _("Shared flat")
    FACILITY = "facility", _("Municipal facility")


class Section(models.TextChoices):
    """The questionnaire's pages, in the order staff fill them in."""

    ACCOMMODATION = "accommodation", _("Accommodation")
    EDUCATION = "education", _("Schools and Kita")
    COURSES = "courses", _("Language courses")
    HEALTH = "health", _("Medical and psychological care")
    LABOUR = "labour", _("Labour market")
    COMMUNITY = "community", _("Community and transport")


@deconstructible
class ChoiceListValidator:
    """A JSON list may hold only values of the given choices (validators must be importable
    classes so that migrations can reference them)."""

    def __init__(self, choices_path: str) -> None:
        self.choices_path = choices_path

    def __call__(self, value: object) -> None:
        allowed = set(import_string(self.choices_path).values)
        if not isinstance(value, list) or not set(value) <= allowed:
            raise ValidationError(_("Choose only entries from the list."), code="invalid_choice")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceListValidator) and other.choices_path == self.choices_path

    def __hash__(self) -> int:
        return hash(self.choices_path)


validate_specialist_care = ChoiceListValidator("municipalities.choices.SpecialistCare")
validate_sectors = ChoiceListValidator("municipalities.choices.Sector")

MAX_BEDS_PER_UNIT = 12


# Which questionnaire fields each section page edits.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    Section.ACCOMMODATION: ("aggregate_places",),
    Section.EDUCATION: (
        "school_places_primary",
        "school_places_secondary",
        "school_places_vocational",
        "kita_places_under3",
        "kita_places_3to6",
    ),
    Section.COURSES: ("integration_course_seats", "job_course_seats", "course_waiting_weeks"),
    Section.HEALTH: (
        "gp_availability",
        "paediatrics_availability",
        "psychotherapy_places",
        "specialist_care",
    ),
    Section.LABOUR: ("sectors_in_demand", "apprenticeship_places", "recognition_counselling"),
    Section.COMMUNITY: (
        "ukrainian_community",
        "migrant_organisations",
        "public_transport",
        "notes",
    ),
}
ANSWER_FIELDS: tuple[str, ...] = tuple(f for fields in SECTION_FIELDS.values() for f in fields)


# A district of a national round receives a few hundred people a year; a count above this is a
# typing error (99999 would make the municipality take every household of the round).
PLAUSIBLE_COUNT = 10_000


def _count(label: StrOrPromise) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        label,
        default=0,
        validators=[
            MinValueValidator(0, _("Enter 0 or a positive number.")),
            MaxValueValidator(
                PLAUSIBLE_COUNT,
                _(
                    "More than %(limit_value)s is implausible for one municipality: please "
                    "check the number."
                ),
            ),
        ],
    )


class QuestionnaireQuerySet(models.QuerySet["Questionnaire"]):
    def visible_to(self, user: User) -> QuestionnaireQuerySet:
        if user.is_coordinator:
            return self.all()
        if user.is_municipal_staff:
            return self.filter(municipality_id__in=user.municipality_ids())
        return self.none()

    def submitted(self) -> QuestionnaireQuerySet:
        return self.filter(status=QuestionnaireStatus.SUBMITTED)


class Questionnaire(models.Model):
    """What one municipality can really offer in one round. Counts are places for persons, not
    households. Sections are marked complete when staff save them; submission needs all."""

    round = models.ForeignKey(
        "rounds.Round", on_delete=models.CASCADE, related_name="questionnaires", db_index=False
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="questionnaires"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=QuestionnaireStatus.choices,
        default=QuestionnaireStatus.DRAFT,
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Optimistic locking: every change increments it; a save based on an older one is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    completed_sections = models.JSONField(_("completed sections"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Accommodation (individual units are HousingUnit rows)
    aggregate_places = _count(_("places in shared accommodation (not listed as units)"))
    # Education
    school_places_primary = _count(_("primary school places (age 6–10)"))
    school_places_secondary = _count(_("secondary school places (age 10–16)"))
    school_places_vocational = _count(_("vocational school places (age 16–21)"))
    kita_places_under3 = _count(_("Kita places under 3 years"))
    kita_places_3to6 = _count(_("Kita places 3 to 6 years"))
    # Courses
    integration_course_seats = _count(_("integration course seats"))
    job_course_seats = _count(_("job-related language course seats"))
    course_waiting_weeks = _count(_("waiting time for a course (weeks)"))
    # Health
    gp_availability = models.CharField(
        _("general practice"), max_length=10, choices=Availability.choices, blank=True
    )
    paediatrics_availability = models.CharField(
        _("paediatrics"), max_length=10, choices=Availability.choices, blank=True
    )
    psychotherapy_places = _count(_("psychotherapy places (trauma)"))
    specialist_care = models.JSONField(
        _("reachable specialist care"),
        default=list,
        blank=True,
        validators=[validate_specialist_care],
    )
    # Labour market
    sectors_in_demand = models.JSONField(
        _("sectors with demand for workers"),
        default=list,
        blank=True,
        validators=[validate_sectors],
    )
    apprenticeship_places = _count(_("apprenticeship places"))
    recognition_counselling = models.BooleanField(
        _("counselling on the recognition of foreign qualifications"), default=False
    )
    # Community
    ukrainian_community = models.CharField(
        _("Ukrainian community"), max_length=10, choices=CommunitySize.choices, blank=True
    )
    migrant_organisations = _count(_("migrant organisations"))
    public_transport = models.CharField(
        _("public transport"), max_length=10, choices=TransportQuality.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True, max_length=4000)

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        verbose_name = _("capacity questionnaire")
        verbose_name_plural = _("capacity questionnaires")
        ordering = ("municipality__name",)
        constraints = [
            models.UniqueConstraint(
                fields=["round", "municipality"], name="unique_questionnaire_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality} / {self.round}"

    @property
    def audit_label(self) -> str:
        return str(self)

    @property
    def is_submitted(self) -> bool:
        return self.status == QuestionnaireStatus.SUBMITTED

    def _units(self) -> list[HousingUnit]:
        return list(self.housing_units.all())  # uses prefetch_related when the caller did

    def capacity(self) -> dict[str, int]:
        """The capacity per matching dimension (keys: municipalities.choices.DIMENSIONS)."""
        units = self._units()
        return {
            "persons": sum(u.beds for u in units) + self.aggregate_places,
            "school": self.school_places_primary
            + self.school_places_secondary
            + self.school_places_vocational,
            "kita": self.kita_places_under3 + self.kita_places_3to6,
            "accessible": sum(1 for u in units if u.wheelchair_accessible),
            "psychotherapy": self.psychotherapy_places,
        }

    def largest_unit_beds(self) -> int | None:
        """Beds of the largest listed unit; None when only aggregate places are offered."""
        return max((u.beds for u in self._units()), default=None)

    def has_pet_friendly_housing(self) -> bool:
        """True when a listed unit allows pets. Without listed units, aggregate places count as
        pet-friendly (the municipality has not ruled pets out, and shared accommodation is
        assigned later); without any housing at all, False."""
        units = self._units()
        if units:
            return any(u.pets_allowed for u in units)
        return self.aggregate_places > 0

    def section_complete(self, section: str) -> bool:
        if section not in self.completed_sections:
            return False
        if section == Section.ACCOMMODATION:
            return self.aggregate_places > 0 or bool(self._units())
        return True

    def sections(self) -> list[tuple[str, StrOrPromise, bool]]:
        """(key, label, complete) for each section, in order."""
        return [(s.value, s.label, self.section_complete(s.value)) for s in Section]

    def missing_sections(self) -> list[StrOrPromise]:
        return [label for _key, label, complete in self.sections() if not complete]

    def edit_blocker(self, today: date | None = None) -> StrOrPromise | None:
        """Why staff cannot change the answers now, or None when they can."""
        from rounds.lifecycle import Action

        if self.is_submitted:
            return _("The questionnaire has been submitted. A coordinator can reopen it.")
        return self.round.blocker(Action.EDIT_QUESTIONNAIRE, today=today)

    def is_late(self, today: date | None = None) -> bool:
        deadline = self.round.questionnaire_deadline
        if self.is_submitted and self.submitted_at is not None:
            return timezone.localdate(self.submitted_at) > deadline
        return (today or timezone.localdate()) > deadline


class HousingUnit(models.Model):
    """One flat, shared flat or place in a facility the municipality can offer."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="housing_units"
    )
    kind = models.CharField(_("type"), max_length=20, choices=HousingKind.choices)
    beds = models.PositiveSmallIntegerField(
        _("beds"),
        validators=[
            MinValueValidator(1, _("A unit has at least 1 bed.")),
            MaxValueValidator(
                MAX_BEDS_PER_UNIT,
                _(
                    "More than %(limit_value)s beds in one unit is implausible: list a large "
                    "facility as several units or as aggregate places."
                ),
            ),
        ],
    )
    wheelchair_accessible = models.BooleanField(_("wheelchair-accessible"), default=False)
    pets_allowed = models.BooleanField(_("pets allowed"), default=False)
    available_from = models.DateField(_("available from"), null=True, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("housing unit")
        verbose_name_plural = _("housing units")
        ordering = ("pk",)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.beds})"

    @property
    def audit_label(self) -> str:
        return f"{self.questionnaire.audit_label} #{self.pk}"

    def clean(self) -> None:
        super().clean()
        if self.available_from and self.questionnaire_id:
            arrival = self.questionnaire.round.arrival_date
            if self.available_from > arrival:
                raise ValidationError(
                    {
                        "available_from": _(
                            "The unit must be available by the round's arrival date (%(date)s)."
                        )
                        % {"date": date_format(arrival, "SHORT_DATE_FORMAT")}
                    }
                )


class RoundMunicipality(models.Model):
    """A municipality invited to a round, with the number of persons it pledged."""

    round = models.ForeignKey(
        "rounds.Round", on_delete=models.CASCADE, related_name="participations", db_index=False
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="participations"
    )
    invited_at = models.DateTimeField(_("invited"), default=timezone.now)
    pledged_persons = models.PositiveIntegerField(_("pledged persons"), null=True, blank=True)
    pledged_at = models.DateTimeField(_("pledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("participating municipality")
        verbose_name_plural = _("participating municipalities")
        ordering = ("municipality__name",)
        db_table = "matching_roundmunicipality"  # moved from matching without touching the table
        constraints = [
            models.UniqueConstraint(fields=["round", "municipality"], name="unique_round_muni")
        ]

    def __str__(self) -> str:
        return f"{self.municipality} / {self.round}"


# --- Applications to join the programme -----------------------------------------------------


class ApplicationStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("E-mail address not confirmed yet")
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class ApplicationQuerySet(models.QuerySet["MunicipalityApplication"]):
    def visible_to(self, user: User) -> ApplicationQuerySet:
        return self.all() if user.is_coordinator else self.none()

    def reviewable(self) -> ApplicationQuerySet:
        """What the coordinator reviews: confirmed applications and the decisions on them."""
        return self.exclude(status=ApplicationStatus.UNCONFIRMED)

    def same_municipality(self, application: MunicipalityApplication) -> ApplicationQuerySet:
        """Other confirmed applications for the same municipality (same key, or same name in
        the same federal state)."""
        same = models.Q(ags=application.ags) | models.Q(
            name__iexact=application.name.strip(), federal_state=application.federal_state
        )
        return self.reviewable().filter(same).exclude(pk=application.pk)


class MunicipalityApplication(models.Model):
    """A municipality's application to join, from the public form. It becomes a municipality
    (and an invitation for its contact) when a coordinator approves it."""

    name = models.CharField(_("municipality"), max_length=200)
    ags = models.CharField(
        _("Amtlicher Gemeindeschlüssel"),
        max_length=8,
        validators=[ags_validator],
        help_text=_("8 digits, for example 01002000 for Kiel."),
    )
    federal_state = models.CharField(_("federal state"), max_length=2, choices=FederalState.choices)
    settlement_type = models.CharField(
        _("settlement type"), max_length=20, choices=SettlementType.choices
    )
    population = models.PositiveIntegerField(
        _("population"), validators=[MinValueValidator(1), MaxValueValidator(5_000_000)]
    )
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_role = models.CharField(
        _("role of the contact person"),
        max_length=150,
        help_text=_("For example: integration officer, social welfare office."),
    )
    email = models.EmailField(_("e-mail address"))
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[validate_phone])
    pledged_persons = models.PositiveIntegerField(
        _("persons you can receive"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    pledge_from = models.DateField(_("from"))
    pledge_until = models.DateField(_("until"))
    message = models.TextField(_("message"), max_length=3000, blank=True)
    language = models.CharField(_("language"), max_length=8, default="de")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.UNCONFIRMED,
    )
    token_hash = models.CharField(_("token (hashed)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("e-mail confirmed"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reply = models.TextField(_("message to the applicant"), max_length=2000, blank=True)
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )
    invitation = models.ForeignKey(
        "accounts.Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.name

    @property
    def audit_label(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        Municipality(ags=self.ags, federal_state=self.federal_state).clean()
        if self.pledge_from and self.pledge_until and self.pledge_until < self.pledge_from:
            raise ValidationError({"pledge_until": _("The end must not be before the start.")})

    @property
    def is_pending(self) -> bool:
        """Confirmed and waiting for a coordinator's decision."""
        return self.status == ApplicationStatus.PENDING


# --- Local welcome --------------------------------------------------------------------------


class WelcomeContact(models.Model):
    """Who welcomes arrivals: the municipality's office and, where there is one, a local
    partner organisation. Households see it once both sides accepted their offer."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="welcome"
    )
    office_name = models.CharField(
        _("office"), max_length=200, help_text=_("For example: Sozialamt, Integrationsbüro.")
    )
    office_contact = models.CharField(_("contact person"), max_length=150, blank=True)
    office_email = models.EmailField(_("e-mail"), blank=True)
    office_phone = models.CharField(
        _("phone"), max_length=40, blank=True, validators=[validate_phone]
    )
    office_address = models.TextField(_("address"), max_length=500, blank=True)
    office_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    partner_name = models.CharField(_("local partner organisation"), max_length=200, blank=True)
    partner_contact = models.CharField(
        _("contact person at the partner"), max_length=150, blank=True
    )
    partner_email = models.EmailField(_("e-mail of the partner"), blank=True)
    partner_phone = models.CharField(
        _("phone of the partner"), max_length=40, blank=True, validators=[validate_phone]
    )
    note = models.TextField(
        _("what arrivals should know"),
        max_length=2000,
        blank=True,
        help_text=_("For example where to go on the first day. Shown to the households."),
    )
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)

    class Meta:
        verbose_name = _("local welcome")
        verbose_name_plural = _("local welcomes")

    def __str__(self) -> str:
        return f"{self.municipality}: {self.office_name}"

    @property
    def audit_label(self) -> str:
        return self.municipality.name

    def clean(self) -> None:
        super().clean()
        if not (self.office_email or self.office_phone or self.office_address):
            raise ValidationError(
                _("Give at least one way to reach the office: e-mail, phone or address.")
            )
        partner_details = self.partner_contact or self.partner_email or self.partner_phone
        if partner_details and not self.partner_name:
            raise ValidationError({"partner_name": _("Name the partner organisation.")})
        if self.partner_name and not (self.partner_email or self.partner_phone):
            raise ValidationError(
                {"partner_email": _("Give an e-mail address or a phone number of the partner.")}
            )


class ProgrammePledge(models.Model):
    """What a municipality pledges for a whole programme year: persons, and optionally the
    services it can offer over the year. Cohorts of the programme share it."""

    programme = models.ForeignKey(
        "rounds.Programme", on_delete=models.CASCADE, related_name="pledges", db_index=False
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="programme_pledges"
    )
    persons = models.PositiveIntegerField(_("pledged persons"))
    school = models.PositiveIntegerField(_("school places"), default=0)
    kita = models.PositiveIntegerField(_("Kita places"), default=0)
    accessible = models.PositiveIntegerField(_("wheelchair-accessible units"), default=0)
    psychotherapy = models.PositiveIntegerField(_("psychotherapy places"), default=0)
    pledged_at = models.DateTimeField(_("pledged"), default=timezone.now)
    # The application the pledge was taken from (its persons became the pledge's), if any.
    application = models.ForeignKey(
        "municipalities.MunicipalityApplication",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="programme_pledges",
        verbose_name=_("from the application"),
    )

    class Meta:
        verbose_name = _("programme pledge")
        verbose_name_plural = _("programme pledges")
        ordering = ("municipality__name",)
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "municipality"], name="unique_programme_pledge"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality} / {self.programme}"

    @property
    def audit_label(self) -> str:
        return str(self)

    def amounts(self) -> dict[str, int]:
        """The pledge per matching dimension (keys: municipalities.choices.DIMENSIONS)."""
        return {
            "persons": self.persons,
            "school": self.school,
            "kita": self.kita,
            "accessible": self.accessible,
            "psychotherapy": self.psychotherapy,
        }
