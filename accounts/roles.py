"""The four roles of the platform. One role per account keeps privileges easy to reason about."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    MUNICIPAL_STAFF = "municipal_staff", _("Municipal staff")
    CASEWORKER = "caseworker", _("Caseworker")
    REFUGEE = "refugee", _("Refugee")


# Roles that see personal data of many households and must use a second factor.
MFA_ROLES = frozenset({Role.COORDINATOR, Role.MUNICIPAL_STAFF})
# Roles whose sessions end after a period of inactivity.
STAFF_ROLES = frozenset({Role.COORDINATOR, Role.MUNICIPAL_STAFF, Role.CASEWORKER})
