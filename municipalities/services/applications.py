"""Municipalities apply to join: the public form's application, its double opt-in, and the
coordinator's decision. Approving creates the municipality and invites its contact as municipal
staff in one transaction; declining sends a polite reply."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import Invitation, User
from accounts.roles import Role
from accounts.services.invitations import invitation_create
from core import mail
from municipalities.models import ApplicationStatus, Municipality, MunicipalityApplication
from municipalities.services.programmes import programme_pledge_from_application
from municipalities.services.questionnaires import municipality_create
from rounds.models import Programme

CONFIRM_DAYS = 7
APPLICATION_FIELDS = (
    "name",
    "ags",
    "federal_state",
    "settlement_type",
    "population",
    "contact_name",
    "contact_role",
    "email",
    "phone",
    "pledged_persons",
    "pledge_from",
    "pledge_until",
    "message",
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def application_by_token(token: str) -> MunicipalityApplication | None:
    return MunicipalityApplication.objects.filter(token_hash=_hash(token)).first()


def confirmation_is_open(application: MunicipalityApplication) -> bool:
    deadline = application.created_at + timedelta(days=CONFIRM_DAYS)
    return application.status == ApplicationStatus.UNCONFIRMED and timezone.now() < deadline


def confirmation_link_works(application: MunicipalityApplication) -> bool:
    """Open for confirming, or confirmed already (a second click shows the same page)."""
    return confirmation_is_open(application) or application.is_pending


@transaction.atomic
def application_submit(*, data: dict[str, Any], language: str) -> MunicipalityApplication:
    """Store the application unconfirmed and e-mail the link that confirms it (double opt-in):
    nobody reviews an application whose e-mail address was not proven."""
    application = MunicipalityApplication(
        **{k: data[k] for k in APPLICATION_FIELDS if k in data}, language=language
    )
    application.email = application.email.strip().lower()
    token = secrets.token_urlsafe(32)
    application.token_hash = _hash(token)
    application.full_clean()
    application.save()
    audit_log(actor=None, action="municipalities.application.submitted", target=application)
    url = mail.absolute_url(reverse("application_confirm", args=[token]))
    mail.send_to_address(
        application.email,
        "municipalities/email/application_confirm",
        {"application": application, "url": url, "days": CONFIRM_DAYS},
        language=language,
    )
    return application


@transaction.atomic
def application_confirm(*, application: MunicipalityApplication) -> MunicipalityApplication:
    """The link in the e-mail was followed: the application goes to the coordinators."""
    application = MunicipalityApplication.objects.select_for_update().get(pk=application.pk)
    if application.is_pending:
        return application  # a second click changes nothing
    if not confirmation_is_open(application):
        raise ValidationError(_("This confirmation link is no longer valid."))
    application.status, application.confirmed_at = ApplicationStatus.PENDING, timezone.now()
    application.save(update_fields=["status", "confirmed_at"])
    audit_log(actor=None, action="municipalities.application.confirmed", target=application)
    review = mail.absolute_url(reverse("application_detail", args=[application.pk]))
    mail.send_to_users(
        User.objects.filter(role=Role.COORDINATOR, is_active=True),
        "municipalities/email/application_received",
        {"application": application, "url": review},
    )
    return application


def _locked_open(application: MunicipalityApplication, by: User) -> MunicipalityApplication:
    if not by.is_coordinator:
        raise PermissionDenied
    application = MunicipalityApplication.objects.select_for_update().get(pk=application.pk)
    if not application.is_pending:
        raise ValidationError(_("This application has been decided already."))
    return application


RESERVED_SLUGS = frozenset({"new", "applications"})  # paths under /municipalities/


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "kommune"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Municipality.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def application_approve(
    *, application: MunicipalityApplication, by: User, programme: Programme | None = None
) -> tuple[Municipality, Invitation]:
    """Create the municipality and invite the contact as its staff, or neither. Accepted for
    a ``programme``, the application's pledge becomes the municipality's pledge for it."""
    application = _locked_open(application, by)
    if Municipality.objects.filter(ags=application.ags).exists():
        raise ValidationError(
            _(
                "A municipality with this key takes part already. Decline this application as "
                "a duplicate."
            )
        )
    municipality = municipality_create(
        by=by,
        data={
            "name": application.name,
            "slug": _unique_slug(application.name),
            "ags": application.ags,
            "federal_state": application.federal_state,
            "settlement_type": application.settlement_type,
            "population": application.population,
            "contact_name": application.contact_name,
            "contact_email": application.email,
            "contact_phone": application.phone,
        },
    )
    invitation, _token = invitation_create(
        by=by,
        email=application.email,
        role=Role.MUNICIPAL_STAFF,
        full_name=application.contact_name,
        language=application.language,
        municipalities=[municipality],
    )
    application.status = ApplicationStatus.APPROVED
    application.reviewed_at, application.reviewed_by = timezone.now(), by
    application.municipality, application.invitation = municipality, invitation
    application.save()
    audit_log(actor=by, action="municipalities.application.approved", target=application)
    if programme is not None:
        programme_pledge_from_application(programme=programme, application=application, by=by)
    return municipality, invitation


@transaction.atomic
def application_decline(
    *, application: MunicipalityApplication, by: User, reply: str = ""
) -> MunicipalityApplication:
    application = _locked_open(application, by)
    application.status = ApplicationStatus.DECLINED
    application.reviewed_at, application.reviewed_by = timezone.now(), by
    application.reply = reply.strip()
    application.full_clean()
    application.save()
    audit_log(actor=by, action="municipalities.application.declined", target=application)
    mail.send_to_address(
        application.email,
        "municipalities/email/application_declined",
        {"application": application},
        language=application.language,
    )
    return application


@transaction.atomic
def applications_purge(*, now: datetime | None = None) -> int:
    """Data protection: applications whose link expired unconfirmed are deleted, and declined
    ones once the retention period has passed. Approved ones live on as the municipality and
    its invitation. Idempotent; returns how many were deleted."""
    now = now or timezone.now()
    expired = MunicipalityApplication.objects.filter(
        status=ApplicationStatus.UNCONFIRMED, created_at__lt=now - timedelta(days=CONFIRM_DAYS)
    )
    declined = MunicipalityApplication.objects.filter(
        status=ApplicationStatus.DECLINED,
        reviewed_at__lt=now - timedelta(days=settings.REMATCH_RETENTION_DAYS),
    )
    count = 0
    for queryset in (expired, declined):
        deleted, _rows = queryset.delete()
        count += deleted
    if count:
        audit_log(
            actor=None,
            action="municipalities.application.purged",
            changes={"deleted": count},
            label="applications",
        )
    return count
