"""Creating and revoking API tokens. Both are audited; the clear token leaves only once."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_log
from accounts.models import User
from api.models import ApiToken

# A user with more live tokens than this is probably leaking them; revoke before creating more.
MAX_ACTIVE_TOKENS = 20


def has_totp(user: User) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def may_create_token(user: User) -> bool:
    """Coordinators and municipal staff need a second factor before a token can stand in for
    their password (a token skips the second factor)."""
    if not user.is_authenticated or not user.is_active or not user.role:
        return False
    if user.needs_mfa and settings.REMATCH_REQUIRE_MFA:
        return has_totp(user)
    return True


@transaction.atomic
def token_create(
    *, by: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Returns the token and its clear key, which is never stored and cannot be shown again."""
    if not may_create_token(by):
        raise PermissionDenied
    # Serialise two creations by the same user so the limit below holds.
    User.objects.select_for_update().filter(pk=by.pk).first()
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry date must be in the future.")})
    if ApiToken.objects.visible_to(by).usable().count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You have %(n)s active tokens. Revoke one you no longer use first.")
            % {"n": MAX_ACTIVE_TOKENS}
        )
    token = ApiToken(user=by, name=name.strip(), expires_at=expires_at)
    clear = token.new_key()
    token.full_clean()
    token.save()
    changes = {"name": token.name, "expires_at": expires_at.isoformat() if expires_at else None}
    audit_log(actor=by, action="api.token.created", target=token, changes=changes)
    return token, clear


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != by.pk:
        raise PermissionDenied
    if token.revoked_at is not None:
        raise ValidationError(_("This token has been revoked already."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_log(actor=by, action="api.token.revoked", target=token)
    return token


# Why a user's tokens were all revoked at once: stored as a code in the audit entry.
REVOKE_REASONS = {
    "password_changed": gettext_lazy("the password was changed"),
    "second_factor_removed": gettext_lazy("the second factor was removed"),
}


@transaction.atomic
def tokens_revoke_all(*, user: User, reason: str, by: User | None = None) -> int:
    """Revokes every live token of ``user`` after its credentials changed: a token must not
    outlive the password or second factor it was created under. Returns how many were revoked."""
    if reason not in REVOKE_REASONS:
        raise ValueError(f"unknown revocation reason {reason!r}")
    tokens = list(ApiToken.objects.select_for_update().filter(user=user).usable())
    now = timezone.now()
    for token in tokens:
        token.revoked_at = now
    ApiToken.objects.bulk_update(tokens, ["revoked_at"])
    for token in tokens:
        audit_log(actor=by, action="api.token.revoked", target=token, changes={"reason": reason})
    return len(tokens)
