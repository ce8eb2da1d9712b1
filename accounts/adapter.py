from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.audit import audit_log
from accounts.models import User
from core import mail
from core.crypto import decrypt_bytes, encrypt_bytes

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

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        ctx = {"email": email, "site_url": mail.site_url(), **context}
        message = self.render_mail(template_prefix, email, ctx)
        mail.build(subject=message.subject, body=message.body, to=list(message.to)).send()

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
