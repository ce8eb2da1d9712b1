from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import audit_labels
from accounts.roles import MFA_ROLES, STAFF_ROLES, Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("role", Role.COORDINATOR)
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("partner organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="de"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the admin site"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # The mail server refused the last mail to this address for good (no such mailbox); cleared
    # by the next mail it accepts (accounts.services.mail_status).
    mail_refused_at = models.DateTimeField(_("e-mail refused"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ("email",)

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        # ``set_password`` keeps the new raw password until the next save (Django's own hook for
        # password validators); an existing user's save with it is a password change.
        changed = self._password is not None and not self._state.adding  # type: ignore[attr-defined]
        super().save(*args, **kwargs)
        if changed:
            from accounts.signals import password_changed

            password_changed.send(sender=type(self), user=self)

    def clean(self) -> None:
        super().clean()
        if self.role == Role.CASEWORKER and not self.organisation_id:
            raise ValidationError({"organisation": _("A caseworker belongs to an organisation.")})

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_municipal_staff(self) -> bool:
        return self.role == Role.MUNICIPAL_STAFF

    def municipality_ids(self) -> list[int]:
        """The municipalities this user works for as municipal staff (none for other roles).

        Read first and handed to the query as one value: filtered through a join or a subquery
        on the memberships instead, the staff's offer queries ran as PostgreSQL's generic plan
        of a prepared statement (the connection prepares a query it has run five times) and
        that plan does not know one user has one municipality. It scanned all 34,785 offers of
        a national round (42 ms a query instead of 0.2 ms), six times on each staff dashboard:
        13 ms of database CPU a request under load instead of 3 (issue #18, target 6)."""
        if not self.is_municipal_staff:
            return []
        # Read once per user object: request.user is loaded for each request, and a staff
        # dashboard asks four times.
        known: list[int] | None = self.__dict__.get("_municipality_ids")
        if known is None:
            memberships = self.staff_memberships.order_by("municipality_id")
            known = list(memberships.values_list("municipality_id", flat=True))
            self.__dict__["_municipality_ids"] = known
        return list(known)

    @property
    def is_caseworker(self) -> bool:
        return self.role == Role.CASEWORKER

    @property
    def is_refugee(self) -> bool:
        return self.role == Role.REFUGEE

    @property
    def needs_mfa(self) -> bool:
        return self.role in MFA_ROLES

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES


class Organisation(models.Model):
    """A partner organisation whose caseworkers record households."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationStatus(models.TextChoices):
    """Where an invitation stands, as the coordinator's list shows and filters it."""

    OPEN = "open", _("pending")
    UNDELIVERED = "undelivered", _("e-mail not delivered")
    EXPIRED = "expired", _("expired")
    ACCEPTED = "accepted", _("accepted")
    REVOKED = "revoked", _("revoked")


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self) -> InvitationQuerySet:
        """Neither accepted nor revoked nor expired: the link still works (Invitation.is_usable)."""
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def pending(self) -> InvitationQuerySet:
        """Open: usable, and its mail was not refused (the status "pending")."""
        return self.usable().filter(mail_refused_at__isnull=True)

    def with_status(self, status: str) -> InvitationQuerySet:
        """The invitations whose :attr:`Invitation.status_key` is ``status``."""
        status = InvitationStatus(status)
        if status == InvitationStatus.OPEN:
            return self.pending()
        if status == InvitationStatus.ACCEPTED:
            return self.filter(accepted_at__isnull=False)
        unanswered = self.filter(accepted_at__isnull=True)
        if status == InvitationStatus.REVOKED:
            return unanswered.filter(revoked_at__isnull=False)
        unanswered = unanswered.filter(revoked_at__isnull=True)
        if status == InvitationStatus.UNDELIVERED:
            return unanswered.filter(mail_refused_at__isnull=False)
        return unanswered.filter(mail_refused_at__isnull=True, expires_at__lte=timezone.now())

    def visible_to(self, user: User) -> InvitationQuerySet:
        if user.is_coordinator:
            return self.all()
        if user.is_caseworker:
            return self.filter(invited_by__organisation=user.organisation_id, role=Role.REFUGEE)
        return self.none()

    def by_token(self, token: str) -> InvitationQuerySet:
        return self.filter(token_hash=_hash_token(token))


class Invitation(models.Model):
    """An invitation to join with a given role. Only the hash of the token is stored."""

    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    full_name = models.CharField(
        _("name"), max_length=150, blank=True, validators=[ProhibitNullCharactersValidator()]
    )
    language = models.CharField(
        _("language of the invitation"), max_length=5, choices=settings.LANGUAGES, default="de"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("partner organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    municipalities = models.ManyToManyField(
        "municipalities.Municipality", verbose_name=_("municipalities"), blank=True
    )
    household = models.ForeignKey(
        "refugees.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    token_hash = models.CharField(_("token (hashed)"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # The mail server refused the invitation's mail for good: the link never arrived.
    mail_refused_at = models.DateTimeField(_("e-mail refused"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.get_role_display()} #{self.pk}"

    def new_token(self) -> str:
        token = secrets.token_urlsafe(32)
        self.token_hash = _hash_token(token)
        return token

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def status_key(self) -> InvitationStatus:
        """The same order of precedence as InvitationQuerySet.with_status."""
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.mail_refused_at:
            return InvitationStatus.UNDELIVERED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.OPEN

    @property
    def status(self) -> str:
        return str(self.status_key.label)


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only")


class AuditEvent(models.Model):
    """Append-only: who did what to which object, and which fields changed (never their health
    details: sensitive fields are recorded by name only)."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("actor"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("object type"), max_length=100, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only")

    @property
    def action_label(self) -> str:
        return audit_labels.action_label(self.action)

    @property
    def target_type_label(self) -> str:
        return audit_labels.target_type_label(self.target_type)

    @property
    def change_rows(self) -> list[tuple[str, str]]:
        return audit_labels.change_rows(self.target_type, self.changes)


class AccessibilityFeedback(models.Model):
    """Feedback on barriers, as BITV 2.0 asks every public site to offer."""

    page_url = models.CharField(_("page"), max_length=500, blank=True)
    message = models.TextField(_("message"), max_length=5000)
    email = models.EmailField(_("e-mail address for a reply"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("accessibility feedback")
        verbose_name_plural = _("accessibility feedback")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} #{self.pk}"
