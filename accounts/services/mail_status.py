"""An account whose mail the server refuses for good (no such mailbox): marked, so the people
who depend on that mail reaching it are told (a household's caseworker sees it on the
household's pages: the contact person will not learn of an offer by e-mail). The mark stays
until the server accepts a later mail to the account."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import email_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from accounts.audit import audit_log
from accounts.models import User
from core import mail


@receiver(mail.refused, dispatch_uid="accounts.user_mail_refused")
def _on_mail_refused(sender: Any, *, template: str, context: dict, **kwargs: Any) -> None:
    user = context.get("user")
    if isinstance(user, User):
        user_mail_refused(user=user)


@receiver(mail.delivered, dispatch_uid="accounts.user_mail_delivered")
def _on_mail_delivered(sender: Any, *, template: str, context: dict, **kwargs: Any) -> None:
    user = context.get("user")
    # The user was loaded to send the mail: only a marked one costs a query.
    if isinstance(user, User) and user.mail_refused_at is not None:
        user_mail_delivered(user=user)


@transaction.atomic
def user_mail_refused(*, user: User) -> None:
    marked = User.objects.filter(pk=user.pk, mail_refused_at__isnull=True).update(
        mail_refused_at=timezone.now()
    )
    if marked:  # not twice for a task run twice (acks_late) or a second refused mail
        audit_log(actor=None, action="accounts.user.mail_refused", target=user)


@transaction.atomic
def user_mail_delivered(*, user: User) -> None:
    cleared = User.objects.filter(pk=user.pk, mail_refused_at__isnull=False).update(
        mail_refused_at=None
    )
    if cleared:
        audit_log(actor=None, action="accounts.user.mail_delivered", target=user)


@receiver(email_changed, dispatch_uid="accounts.user_email_changed")
def _on_email_changed(sender: Any, *, user: User, **kwargs: Any) -> None:
    """The person made another, confirmed address their primary one: the refusal was the old
    address's (allauth's e-mail page; the admin does the same in UserAdmin.save_model)."""
    user_mail_delivered(user=user)  # rare: no need to trust the instance's loaded field
