"""Households seeking relocation: members, needs, preferences, relatives, links and consent.

Needs live in their own one-to-one model so that access rules, audit and any later field-level
encryption of health-related categories stay in one place."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from municipalities.choices import Sector, SpecialistCare, age_on, household_demand
from municipalities.models import FederalState, SettlementType
from refugees.fields import EncryptedBooleanField, EncryptedJSONField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

if TYPE_CHECKING:
    from accounts.models import User


class HouseholdStatus(models.TextChoices):
    DRAFT = "draft", _("Being recorded")
    READY = "ready", _("Ready for matching")
    MATCHED = "matched", _("Matched")
    RELOCATED = "relocated", _("Relocated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The statuses a caseworker sets by hand; the others follow from matching or from consent.
CASEWORKER_STATUSES = (HouseholdStatus.DRAFT, HouseholdStatus.READY)
# The household has left the matching: it withdrew or was relocated.
LEFT_STATUSES = (HouseholdStatus.WITHDRAWN, HouseholdStatus.RELOCATED)


class Sex(models.TextChoices):
    FEMALE = "f", _("female")
    MALE = "m", _("male")
    DIVERSE = "d", _("diverse")


class Relation(models.TextChoices):
    CONTACT = "contact", _("contact person")
    PARTNER = "partner", _("spouse or partner")
    CHILD = "child", _("child")
    PARENT = "parent", _("parent")
    GRANDPARENT = "grandparent", _("grandparent")
    SIBLING = "sibling", _("sibling")
    OTHER_RELATIVE = "other_relative", _("other relative")
    OTHER = "other", _("other")


class Education(models.TextChoices):
    NONE = "none", _("no school-leaving certificate")
    SCHOOL = "school", _("school (in progress)")
    SECONDARY = "secondary", _("secondary school")
    VOCATIONAL = "vocational", _("vocational training")
    BACHELOR = "bachelor", _("university: bachelor or specialist")
    MASTER = "master", _("university: master")
    DOCTORATE = "doctorate", _("doctorate")


LANGUAGES = (
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
    ("de", _("German")),
    ("en", _("English")),
    ("pl", _("Polish")),
    ("crh", _("Crimean Tatar")),
)
LANGUAGE_LEVELS = (
    ("A1", "A1"),
    ("A2", "A2"),
    ("B1", "B1"),
    ("B2", "B2"),
    ("C1", "C1"),
    ("C2", "C2"),
    ("native", _("native")),
)


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user: User) -> HouseholdQuerySet:
        if user.is_coordinator:
            return self.all()
        if user.is_caseworker:
            return self.filter(organisation_id=user.organisation_id)
        if user.is_refugee:
            return self.filter(contact_user=user)
        return self.none()

    def editable_by(self, user: User) -> HouseholdQuerySet:
        """Only caseworkers of the household's organisation record and change households."""
        if user.is_caseworker:
            return self.filter(organisation_id=user.organisation_id)
        return self.none()


class ErasureReason(models.TextChoices):
    """Why a household was erased: a code in the audit log, never free text (which would keep
    names or circumstances in an append-only log after the erasure)."""

    REQUEST = "request", _("The person asked for the erasure (Art. 17 GDPR)")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("The consent was withdrawn")
    RECORDED_IN_ERROR = "recorded_in_error", _("Recorded by mistake or twice")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed for a relocation")
    RETENTION = "retention", _("The retention period is over")


# More members than this is a data error (or an attempt to tie up the server): the form, the API
# and the import refuse it with a message instead of saving it.
MAX_MEMBERS = 20


def check_member_count(count: int) -> None:
    if count > MAX_MEMBERS:
        raise ValidationError(
            _(
                "A household can have at most %(max)s members (here: %(n)s). Record larger "
                "families as linked households."
            )
            % {"max": MAX_MEMBERS, "n": count},
            code="too_many_members",
        )


class Household(models.Model):
    reference = models.CharField(_("reference code"), max_length=20, unique=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("partner organisation"),
        on_delete=models.PROTECT,
        related_name="households",
        # household_org_updated starts with this column: a second index only costs writes.
        db_index=False,
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caseworker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households_managed",
    )
    contact_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person's account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="household",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=HouseholdStatus.choices, default=HouseholdStatus.DRAFT
    )
    notes = models.TextField(
        _("notes for the matching"),
        blank=True,
        max_length=2000,
        help_text=_("Facts that matter for the placement. No diagnoses."),
    )
    linked_households = models.ManyToManyField(
        "self", verbose_name=_("linked households"), symmetrical=True, blank=True
    )
    # Optimistic locking: a form carries the version it was based on (two caseworkers, one file).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # Set once names, contact data and needs were removed (on request or after the retention
    # period); what is left serves anonymous statistics only.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ("reference",)
        # The household lists sort by last change: with these the first page of an
        # organisation with 40,000 households reads 50 index entries instead of sorting all.
        indexes = [
            models.Index(
                fields=["organisation", "-updated_at", "reference"], name="household_org_updated"
            ),
            models.Index(fields=["-updated_at", "reference"], name="household_updated"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def audit_label(self) -> str:
        return self.reference

    @property
    def persons(self) -> int:
        return len(self.members.all())

    @property
    def contact_member(self) -> Member | None:
        return next((m for m in self.members.all() if m.relation == Relation.CONTACT), None)

    @property
    def needs_or_default(self) -> Needs:
        try:
            return self.needs
        except ObjectDoesNotExist:
            return Needs(household=self)

    @property
    def preferences_or_default(self) -> Preferences:
        try:
            return self.preferences
        except ObjectDoesNotExist:
            return Preferences(household=self)

    @property
    def has_valid_consent(self) -> bool:
        return any(c.is_valid for c in self.consents.all())

    @property
    def current_consent(self) -> Consent | None:
        valid = [c for c in self.consents.all() if c.withdrawn_at is None]
        return max(valid, key=lambda c: c.given_at, default=None)

    @property
    def round_demands(self) -> list[tuple[Any, dict[str, int]]]:
        """(round, demand on its arrival date) for each round the household is in."""
        return [(e.round, self.demand(e.round.arrival_date)) for e in self.round_entries.all()]

    def demand(self, arrival_date: date) -> dict[str, int]:
        """What the household needs from a municipality, in the engine's capacity dimensions."""
        needs = self.needs_or_default
        return household_demand(
            (m.date_of_birth for m in self.members.all()),
            arrival_date,
            wheelchair=needs.wheelchair,
            psychotherapy=needs.psychotherapy,
        )


class Member(models.Model):
    # What a caseworker records of a person: the form, the API, the import, the audit's
    # changes and the household's data export (Art. 15 GDPR) all take this one list.
    PROFILE_FIELDS = (
        "full_name",
        "date_of_birth",
        "sex",
        "relation",
        "languages",
        "education",
        "occupation",
        "sector",
        "work_experience_years",
    )

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    full_name = models.CharField(
        _("full name"), max_length=150, validators=[ProhibitNullCharactersValidator()]
    )
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    relation = models.CharField(
        _("relation to the contact person"), max_length=20, choices=Relation.choices
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    occupation = models.CharField(_("occupation"), max_length=150, blank=True)
    sector = models.CharField(_("sector"), max_length=2, choices=Sector.choices, blank=True)
    work_experience_years = models.PositiveSmallIntegerField(
        _("work experience (years)"), default=0, validators=[MaxValueValidator(70)]
    )

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ("household", "date_of_birth", "id")

    def __str__(self) -> str:
        return self.full_name

    @property
    def audit_label(self) -> str:
        return f"{self.household.reference} / #{self.pk}"

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    def age_on(self, day: date) -> int:
        return age_on(self.date_of_birth, day)

    def clean(self) -> None:
        super().clean()
        # full_clean() calls clean() even when a field failed to convert: check types first.
        if not isinstance(self.date_of_birth, date):
            return
        if not isinstance(self.languages, list):
            raise ValidationError({"languages": _("Each language needs a valid level.")})
        if self.date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": _("The date of birth is in the future.")})
        if self.date_of_birth.year < 1900:
            raise ValidationError({"date_of_birth": _("Please check the year of birth.")})
        codes = {code for code, _label in LANGUAGES}
        levels = {level for level, _label in LANGUAGE_LEVELS}
        for item in self.languages or []:
            if not isinstance(item, dict) or item.get("level") not in levels:
                raise ValidationError({"languages": _("Each language needs a valid level.")})
            if item.get("code") not in codes:
                raise ValidationError({"languages": _("Unknown language.")})

    def language_display(self) -> list[str]:
        names = dict(LANGUAGES)
        levels = dict(LANGUAGE_LEVELS)
        return [
            f"{names.get(item['code'], item['code'])} ({levels.get(item['level'], item['level'])})"
            for item in self.languages or []
        ]


def _specialist_care_values(value: list) -> None:
    allowed = set(SpecialistCare.values)
    if not isinstance(value, list) or not set(value) <= allowed:
        raise ValidationError(_("Choose specialist care only from the list."))


class Needs(models.Model):
    """Categories the matching needs, never diagnoses. Health-related, so encrypted at rest
    (refugees.fields): read them in Python, never filter on them in SQL."""

    HEALTH_FIELDS = ("wheelchair", "psychotherapy", "specialist_care", "care_needs")

    household = models.OneToOneField(Household, on_delete=models.CASCADE, related_name="needs")
    wheelchair = EncryptedBooleanField(_("wheelchair-accessible housing"), default=False)
    psychotherapy = EncryptedBooleanField(_("psychotherapy"), default=False)
    specialist_care = EncryptedJSONField(
        _("specialist care"), default=list, blank=True, validators=[_specialist_care_values]
    )
    care_needs = EncryptedBooleanField(_("care needs (Pflegebedarf)"), default=False)
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("needs")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return f"{self.household} needs"

    @property
    def audit_label(self) -> str:
        return self.household.reference

    @property
    def has_any(self) -> bool:
        flags = (self.wheelchair, self.psychotherapy, self.care_needs, self.specialist_care)
        return any(bool(flag) for flag in flags)

    def specialist_care_display(self) -> list[str]:
        labels = dict(SpecialistCare.choices)
        return [str(labels.get(v, v)) for v in self.specialist_care or []]


def _only_from(value: list, allowed: list[str]) -> None:
    if not isinstance(value, list) or not set(value) <= set(allowed):
        raise ValidationError(_("Choose only from the list."))


def validate_settlement_types(value: list) -> None:
    _only_from(value, SettlementType.values)


def validate_states(value: list) -> None:
    _only_from(value, FederalState.values)


def _weight(label: StrOrPromise) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=3, validators=[MinValueValidator(0), MaxValueValidator(5)]
    )


class Preferences(models.Model):
    # The household's wishes and weights, as Member.PROFILE_FIELDS for a person.
    PROFILE_FIELDS = (
        "settlement_types",
        "wished_states",
        "excluded_states",
        "has_pets",
        "weight_housing",
        "weight_work",
        "weight_education",
        "weight_medical",
        "weight_community",
        "weight_city_size",
    )

    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, related_name="preferences"
    )
    settlement_types = models.JSONField(
        _("settlement types"), default=list, blank=True, validators=[validate_settlement_types]
    )
    wished_states = models.JSONField(
        _("wished federal states"), default=list, blank=True, validators=[validate_states]
    )
    excluded_states = models.JSONField(
        _("excluded federal states"),
        default=list,
        blank=True,
        validators=[validate_states],
    )
    has_pets = models.BooleanField(_("has pets"), default=False)
    weight_housing = _weight(_("housing"))
    weight_work = _weight(_("work"))
    weight_education = _weight(_("education for the children"))
    weight_medical = _weight(_("medical care"))
    weight_community = _weight(_("community"))
    weight_city_size = _weight(_("city size"))
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)

    WEIGHT_FIELDS = (
        ("weight_housing", _("Housing")),
        ("weight_work", _("Work")),
        ("weight_education", _("Education for the children")),
        ("weight_medical", _("Medical care")),
        ("weight_community", _("Community")),
        ("weight_city_size", _("City size")),
    )

    class Meta:
        verbose_name = _("preferences")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return f"{self.household} preferences"

    @property
    def audit_label(self) -> str:
        return self.household.reference

    def clean(self) -> None:
        super().clean()
        both = set(self.wished_states or []) & set(self.excluded_states or [])
        if both:
            raise ValidationError(
                {"excluded_states": _("A federal state cannot be wished and excluded at once.")}
            )

    def weights(self) -> list[tuple[str, int]]:
        return [(str(label), getattr(self, name)) for name, label in self.WEIGHT_FIELDS]

    def settlement_types_display(self) -> list[str]:
        labels = dict(SettlementType.choices)
        return [str(labels[v]) for v in self.settlement_types or [] if v in labels]

    def wished_states_display(self) -> list[str]:
        labels = dict(FederalState.choices)
        return [str(labels[v]) for v in self.wished_states or [] if v in labels]

    def excluded_states_display(self) -> list[str]:
        labels = dict(FederalState.choices)
        return [str(labels[v]) for v in self.excluded_states or [] if v in labels]


class Relative(models.Model):
    """Relatives or friends already living in Germany."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="relatives")
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        verbose_name=_("municipality on the platform"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.CharField(
        _("place"),
        max_length=150,
        blank=True,
        help_text=_("Only if the place is not among the platform's municipalities."),
    )
    relation = models.CharField(_("relation"), max_length=100)

    class Meta:
        verbose_name = _("relative or friend in Germany")
        verbose_name_plural = _("relatives or friends in Germany")
        ordering = ("household", "id")

    def __str__(self) -> str:
        return f"{self.relation}: {self.place_name}"

    @property
    def audit_label(self) -> str:
        return self.household.reference

    @property
    def place_name(self) -> str:
        return self.municipality.name if self.municipality else self.place

    def clean(self) -> None:
        super().clean()
        if not self.municipality_id and not self.place.strip():
            raise ValidationError(
                {"place": _("Choose a municipality or enter the place where they live.")}
            )


class ConsentText(models.TextChoices):
    """Versions of the consent text. The texts themselves are versioned templates in
    templates/refugees/consent/<version>.<language>.html; a new version gets a new entry here."""

    V2026_1 = "2026-1", _("Version 2026-1 (January 2026)")
    # Lists item by item what a municipality sees before both sides accepted (refugees.disclosure).
    V2026_2 = "2026-2", _("Version 2026-2 (December 2026)")


# A version leaves this set when a new text requires households to consent again. 2026-1 stays
# valid: it disclosed less, and households who agreed to it are shown as it promised.
VALID_CONSENT_VERSIONS = frozenset({ConsentText.V2026_1.value, ConsentText.V2026_2.value})
CURRENT_CONSENT_VERSION = ConsentText.V2026_2.value


def valid_consent_versions() -> frozenset[str]:
    return VALID_CONSENT_VERSIONS


# No consent to this platform can predate its first pilot (and a year such as 190 broke the
# date-time in the API's output).
EARLIEST_CONSENT_DATE = date(2022, 1, 1)


def consent_given_at(given_on: date, *, now: datetime | None = None) -> datetime:
    """The one rule for the moment a consent given on ``given_on`` counts from, used by the
    form, the API, the import and the bulk service: noon of that day in the installation's time
    zone, or now if that is earlier (a consent recorded on the morning it was given). A date in
    the future or before EARLIEST_CONSENT_DATE is refused with a message, never adjusted."""
    now = now or timezone.now()
    if given_on > timezone.localdate(now):
        raise ValidationError(_("The consent cannot be given in the future."), code="future")
    if given_on < EARLIEST_CONSENT_DATE:
        raise ValidationError(
            _("A consent date before %(date)s is not possible. Check the year.")
            % {"date": EARLIEST_CONSENT_DATE.strftime("%d.%m.%Y")},
            code="too_early",
        )
    return min(timezone.make_aware(datetime.combine(given_on, time(12))), now)


class Consent(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="consents")
    text_version = models.CharField(
        _("version of the consent text"), max_length=20, choices=ConsentText.choices
    )
    given_at = models.DateTimeField(_("given on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawal recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ("-given_at", "-id")

    def __str__(self) -> str:
        return f"{self.household} {self.text_version}"

    @property
    def audit_label(self) -> str:
        return self.household.reference

    @property
    def is_valid(self) -> bool:
        return self.withdrawn_at is None and self.text_version in valid_consent_versions()


class RoundHousehold(models.Model):
    """A household entered into a round (only with valid consent)."""

    # unique_round_household starts with the round: no index of its own (40,000 rows a round).
    round = models.ForeignKey(
        "rounds.Round", on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    household = models.ForeignKey(
        "refugees.Household", on_delete=models.CASCADE, related_name="round_entries"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("added to the round"), default=timezone.now)

    class Meta:
        verbose_name = _("household in round")
        verbose_name_plural = _("households in round")
        db_table = "matching_roundhousehold"  # moved from matching without touching the table
        constraints = [
            models.UniqueConstraint(fields=["round", "household"], name="unique_round_household")
        ]

    def __str__(self) -> str:
        return f"{self.household} / {self.round}"
