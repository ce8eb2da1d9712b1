from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    "01": "SH", "02": "HH", "03": "NI", "04": "HB", "05": "NW", "06": "HE", "07": "RP",
    "08": "BW", "09": "BY", "10": "SL", "11": "BE", "12": "BB", "13": "MV", "14": "SN",
    "15": "ST", "16": "TH",
}  # fmt: skip


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
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
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


class StaffMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="unique_staff_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.municipality}"
