from __future__ import annotations

import logging
import smtplib
from typing import Any, cast
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_log
from accounts.models import User
from core import mail
from core.crypto import decrypt_bytes, encrypt_bytes
from core.errors import type_name

logger = logging.getLogger(__name__)

NOT_SENT = _(
    "The e-mail could not be sent just now. Please try again in a few minutes. If it keeps "
    "failing, please contact the person who invited you."
)
REFUSED = _(
    "The mail server did not accept the e-mail to this address. Please check the address. "
    "If it is right, please contact the person who invited you."
)

# Marks an encrypted secret, so values written before encryption are still recognised.
ENCRYPTED_PREFIX = "fernet:"


def _account(credentials: dict[str, Any]):
    from accounts.models import User

    email = str(credentials.get("email", credentials.get("username", ""))).strip().lower()
    return User.objects.filter(email=email).first() if email else None


def _on_site(url: str) -> str:
    parts = urlsplit(url)
    return mail.absolute_url(parts.path + (f"?{parts.query}" if parts.query else ""))


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is closed: people join through an invitation (see
    accounts.views.invitations.invitation_accept), which creates the account with a verified
    e-mail address. Sign-ins, failures and lock-outs are audited; an attempt on an unknown
    address is recorded without the address."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    # E-mail: allauth's messages (sign-in codes, password reset, address confirmation) go out
    # like every other mail of the project (core.mail): quoted sender, 8-bit text, links and
    # the product's name from the configured site instead of the request's host.
    def get_from_email(self) -> str:
        return mail.sender()

    #
    # They are sent from the request, not queued: a sign-in code or a reset link is a secret
    # that must not wait in the broker, and the person is waiting for it. So a mail server
    # that is down or refuses the mail must not end in an error page: the person is sent back
    # to the form they came from and told what happened (nothing else changed for them: a
    # code whose mail did not leave is simply never entered). Logged without the address.
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        ctx = {"email": email, "site_url": mail.site_url(), **context}
        message = self.render_mail(template_prefix, email, ctx)
        try:
            mail.build(subject=message.subject, body=message.body, to=list(message.to)).send()
        except (smtplib.SMTPException, OSError) as exc:
            code = mail.refused_for_good(exc)
            extra = {"template": template_prefix, "error": type_name(type(exc))}
            logger.warning(
                "email.refused" if code else "email.failed",
                extra=extra | ({"code": code} if code else {}),
            )
            # allauth's flows often build the adapter without the request (the unknown-account
            # mail, the sign-in code); its middleware keeps the current one.
            request = self.request or context.get("request") or allauth_context.request
            if request is None:  # not from a page (a shell, a command): nobody to tell
                raise
            messages.error(request, REFUSED if code else NOT_SENT)
            raise ImmediateHttpResponse(redirect(request.get_full_path())) from exc
        logger.info("email.sent", extra={"template": template_prefix})

    def get_reset_password_from_key_url(self, key: str) -> str:
        return _on_site(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation: Any) -> str:
        return _on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        super().login(request, user)
        audit_log(actor=cast(User, user), action="accounts.login.succeeded", target=user)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        user = _account(credentials)
        audit_log(
            actor=None,
            action="accounts.login.failed",
            target=user,
            label="" if user else "unknown account",
        )

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            user = _account(credentials)
            audit_log(
                actor=None,
                action="accounts.login.locked_out",
                target=user,
                label="" if user else "unknown account",
            )
            raise


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are encrypted at rest with the installation's keys
    (core.crypto): allauth stores them in mfa_authenticator.data and calls these hooks."""

    def encrypt(self, text: str) -> str:
        return ENCRYPTED_PREFIX + encrypt_bytes(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(ENCRYPTED_PREFIX):
            return encrypted_text  # written before encryption; the migration seals these
        return decrypt_bytes(encrypted_text[len(ENCRYPTED_PREFIX) :].encode()).decode()
