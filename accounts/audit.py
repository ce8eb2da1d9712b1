"""The audit trail. Services call :func:`audit_log` for every change to personal data and every
read of a full profile. The log never holds health details: sensitive fields appear by name only."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import AuditEvent, User

logger = logging.getLogger("rematch.audit")

# Set by ClientAddressMiddleware so services need no request parameter.
client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)
# The request being served, set by the same middleware: lets a model-level hook (a password saved
# through the admin site) name the person who acted without a request parameter.
current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "current_request", default=None
)


def current_actor() -> User | None:
    """The signed-in user of the request being served, or None outside a request."""
    request = current_request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


# Field names whose values never enter the log (health needs, names, dates of birth, free text).
SENSITIVE_FIELDS = frozenset(
    {
        "full_name",
        "first_name",
        "last_name",
        "name",
        "date_of_birth",
        "needs",
        "health_needs",
        "care_needs",
        "specialist_care",
        "psychotherapy",
        "wheelchair",
        "notes",
        "email",
        "phone",
        "message",
        "occupation",
        "place",
        "relation",
        "reason",
        "household_reason",
        "municipality_reason",
    }
)


# Models that moved to another app keep their rows; the audit entries written before the move
# name the old label. A search for the new label finds both.
MOVED_TARGET_TYPES = {
    "rounds.round": "matching.round",
    "municipalities.roundmunicipality": "matching.roundmunicipality",
    "refugees.roundhousehold": "matching.roundhousehold",
}


def target_type_filter(text: str) -> models.Q:
    """Events whose object type contains ``text``, including those written under a moved
    model's old label."""
    query = models.Q(target_type__icontains=text)
    for new, old in MOVED_TARGET_TYPES.items():
        if text.lower() in new:
            query |= models.Q(target_type=old)
    return query


def changes_between(
    before: dict[str, Any], after: dict[str, Any], *, sensitive: frozenset[str] = SENSITIVE_FIELDS
) -> dict[str, Any]:
    """Field-by-field difference; sensitive fields are recorded as changed, without values."""
    diff: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        diff[key] = "changed" if key in sensitive else [_plain(old), _plain(new)]
    return diff


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def audit_log(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    label: str = "",
) -> AuditEvent:
    event = _event(actor=actor, action=action, target=target, changes=changes, label=label)
    event.save()
    _log(event)
    return event


def audit_log_many(
    *, actor: User | None, action: str, entries: Iterable[tuple[models.Model, dict[str, Any]]]
) -> list[AuditEvent]:
    """The events audit_log would write for each (target, changes), in one INSERT per thousand:
    for bulk imports, where one query per event would dominate the time."""
    from accounts.models import AuditEvent

    events = [_event(actor=actor, action=action, target=t, changes=c) for t, c in entries]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    for event in events:
        _log(event)
    return events


def _event(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None,
    changes: dict[str, Any] | None,
    label: str = "",
) -> AuditEvent:
    from accounts.models import AuditEvent

    return AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label(actor),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=label or (_target_label(target) if target is not None else ""),
        changes=changes or {},
        ip_address=client_ip.get(),
    )


def actor_label(actor: User | None) -> str:
    """Staff are named by their work address; a refugee by account number only, so the log
    keeps no private address (it is append-only and outlives an erasure)."""
    if actor is None or not actor.pk:
        return "system"
    from accounts.roles import Role

    return f"refugee #{actor.pk}" if actor.role == Role.REFUGEE else actor.email


def _log(event: AuditEvent) -> None:
    logger.info(
        "audit",
        extra={
            "action": event.action,
            "target_type": event.target_type,
            "target_id": event.target_id,
        },
    )


def _target_label(target: models.Model) -> str:
    # Only non-personal labels: objects may define audit_label (a reference code, not a name).
    label = getattr(target, "audit_label", None)
    if label is not None:
        return str(label)[:200]
    return f"{target._meta.verbose_name} #{target.pk}"
