"""Invitation workflows: the only way to join the platform."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import Invitation, Organisation, User
from accounts.roles import Role
from accounts.signals import invitation_accepted
from core import mail


def may_invite(*, by: User, role: str) -> bool:
    if by.is_coordinator:
        return role in (Role.COORDINATOR, Role.MUNICIPAL_STAFF, Role.CASEWORKER)
    if by.is_caseworker:
        return role == Role.REFUGEE
    return False


@transaction.atomic
def invitation_create(
    *,
    by: User,
    email: str,
    role: str,
    full_name: str = "",
    language: str = "de",
    organisation: Organisation | None = None,
    municipalities: Iterable = (),
    household=None,
) -> tuple[Invitation, str]:
    """Create an invitation and e-mail its link. Returns the invitation and the clear token."""
    if not may_invite(by=by, role=role):
        raise PermissionDenied
    email = email.strip().lower()
    municipalities = list(municipalities)
    _check_invitation_target(
        by=by,
        role=role,
        organisation=organisation,
        municipalities=municipalities,
        household=household,
    )
    invitation = Invitation(
        email=email,
        role=role,
        full_name=full_name,
        language=language,
        organisation=organisation if role == Role.CASEWORKER else None,
        household=household if role == Role.REFUGEE else None,
        invited_by=by,
        expires_at=timezone.now() + timedelta(days=settings.REMATCH_INVITATION_DAYS),
    )
    token = invitation.new_token()
    invitation.full_clean()  # first: a malformed address never reaches a query
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None and by.is_coordinator:
        # Coordinators administer every account: telling them is no disclosure.
        if existing.role == Role.MUNICIPAL_STAFF and role == Role.MUNICIPAL_STAFF:
            raise ValidationError(
                {
                    "email": _(
                        "This person has an account as municipal staff already. Give them "
                        "access on the municipality's page, under “Access for municipal "
                        "staff”."
                    )
                }
            )
        if existing.role == Role.CASEWORKER and not existing.is_active:
            raise ValidationError(
                {
                    "email": _(
                        "This caseworker's account is deactivated. Reactivate it on the page "
                        "of the partner organisation."
                    )
                }
            )
        raise ValidationError({"email": _("An account with this e-mail address exists already.")})
    invitation.save()
    if role == Role.MUNICIPAL_STAFF:
        invitation.municipalities.set(municipalities)
    audit_log(
        actor=by, action="accounts.invitation.created", target=invitation, changes={"role": role}
    )
    if existing is None:
        _send_invitation(invitation, token)
    else:
        # A caseworker sees the same answer as for a new address, or any caseworker could find
        # out who holds an account anywhere on the platform by inviting addresses. The owner of
        # the address is told instead, and no link is sent: an invitation for an address that
        # has an account can never be accepted.
        mail.send_to_users(
            [existing],
            "accounts/email/invitation_existing_account",
            {"invitation": invitation, "url": mail.absolute_url(reverse("account_login"))},
        )
    return invitation, token


def _check_invitation_target(*, by, role, organisation, municipalities, household) -> None:
    if role == Role.MUNICIPAL_STAFF and not municipalities:
        raise ValidationError({"municipalities": _("Choose at least one municipality.")})
    if role == Role.CASEWORKER and organisation is None:
        raise ValidationError({"organisation": _("Choose the partner organisation.")})
    if role == Role.REFUGEE:
        if household is None or household.organisation_id != by.organisation_id:
            raise PermissionDenied
        if household.contact_user_id is not None:
            raise ValidationError(_("This household has an account already."))


def _send_invitation(invitation: Invitation, token: str) -> None:
    # The one-time token exists in clear only now; the link is all the mail needs of it.
    mail.send_to_address(
        invitation.email,
        "accounts/email/invitation",
        {
            "invitation": invitation,
            "url": mail.absolute_url(reverse("invitation_accept", args=[token])),
            "days": settings.REMATCH_INVITATION_DAYS,
        },
        language=invitation.language,
    )


@receiver(mail.refused, dispatch_uid="accounts.invitation_mail_refused")
def _on_mail_refused(sender: Any, *, template: str, context: dict, **kwargs: Any) -> None:
    invitation = context.get("invitation")
    if template == "accounts/email/invitation" and isinstance(invitation, Invitation):
        invitation_mail_refused(invitation=invitation)


@transaction.atomic
def invitation_mail_refused(*, invitation: Invitation) -> Invitation | None:
    """The mail server refused the invitation's mail for good (no such mailbox): the inviting
    person sees "e-mail not delivered" and can revoke it and invite the right address."""
    locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None or locked.mail_refused_at is not None:
        return locked  # deleted meanwhile, or a task run twice (acks_late)
    locked.mail_refused_at = timezone.now()
    locked.save(update_fields=["mail_refused_at"])
    audit_log(actor=None, action="accounts.invitation.mail_refused", target=locked)
    return locked


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not Invitation.objects.visible_to(by).filter(pk=invitation.pk).exists():
        raise PermissionDenied
    if not invitation.is_usable:
        raise ValidationError(_("This invitation can no longer be revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_log(actor=by, action="accounts.invitation.revoked", target=invitation)
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, full_name: str, password: str | None) -> User:
    """Create the invited account. The e-mail address counts as verified: the link reached it."""
    # Two clicks on the same link: the row lock makes the second one see it accepted.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise ValidationError(_("This invitation is no longer valid."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("An account with this e-mail address exists already."))
    if invitation.role != Role.REFUGEE and not password:
        raise ValidationError({"password1": _("Please choose a password.")})
    user = User.objects.create_user(
        invitation.email,
        password=password if invitation.role != Role.REFUGEE else None,
        full_name=full_name,
        role=invitation.role,
        organisation=invitation.organisation,
        preferred_language=invitation.language,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    _grant_memberships(invitation, user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_log(
        actor=user,
        action="accounts.invitation.accepted",
        target=invitation,
        changes={"role": invitation.role},
    )
    return user


def _grant_memberships(invitation: Invitation, user: User) -> None:
    """The apps above grant what the invitation names (municipalities.services.staff,
    refugees.services.accounts)."""
    invitation_accepted.send(sender=Invitation, invitation=invitation, user=user)
