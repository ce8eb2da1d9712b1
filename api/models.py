"""API tokens for machine clients. Only a SHA-256 hash of the token is stored, with a short
prefix that lets the owner recognise it in the list; the clear token is shown once."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User

TOKEN_PREFIX = "rm_"  # noqa: S105 - a marker that lets secret scanners spot leaked tokens
DISPLAY_PREFIX_LENGTH = 10


def hash_token(clear: str) -> str:
    return hashlib.sha256(clear.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def visible_to(self, user: User) -> ApiTokenQuerySet:
        """Everyone sees and revokes only their own tokens."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. the system using it.")
    )
    prefix = models.CharField(_("beginning of the token"), max_length=20, editable=False)
    key_hash = models.CharField(_("key (hashed)"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def audit_label(self) -> str:
        return f"{self.prefix}…"

    def new_key(self) -> str:
        clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.key_hash = hash_token(clear)
        self.prefix = clear[:DISPLAY_PREFIX_LENGTH]
        return clear

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return str(_("revoked"))
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return str(_("expired"))
        return str(_("active"))
