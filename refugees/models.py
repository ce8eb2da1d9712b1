from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


class HouseholdStatus(models.TextChoices):
    DRAFT = "draft", _("Being recorded")
    READY = "ready", _("Ready for matching")
    MATCHED = "matched", _("Matched")
    RELOCATED = "relocated", _("Relocated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user: User) -> HouseholdQuerySet:
        if user.is_coordinator:
            return self.all()
        if user.is_caseworker:
            return self.filter(organisation_id=user.organisation_id)
        if user.is_refugee:
            return self.filter(contact_user=user)
        return self.none()


class Household(models.Model):
    reference = models.CharField(_("reference code"), max_length=20, unique=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("partner organisation"),
        on_delete=models.PROTECT,
        related_name="households",
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ("reference",)

    def __str__(self) -> str:
        return self.reference

    @property
    def audit_label(self) -> str:
        return self.reference
