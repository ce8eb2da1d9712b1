"""Programme workflows at the rounds level: create and change a programme year.

Cohorts are rounds of a programme; adding one also invites the pledged municipalities, which
is why that workflow lives in ``municipalities.services.programmes``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms.models import model_to_dict

from accounts.audit import audit_log, changes_between
from accounts.models import User
from rounds.models import Programme

PROGRAMME_FIELDS = ("name", "starts_on", "ends_on", "fair_share_percent")


def _require_coordinator(by: User) -> None:
    if not by.is_coordinator:
        raise PermissionDenied


@transaction.atomic
def programme_create(*, by: User, data: dict[str, Any]) -> Programme:
    _require_coordinator(by)
    programme = Programme(created_by=by, **{k: data[k] for k in PROGRAMME_FIELDS if k in data})
    programme.full_clean()
    programme.save()
    audit_log(
        actor=by,
        action="rounds.programme.created",
        target=programme,
        changes=changes_between({}, model_to_dict(programme, fields=PROGRAMME_FIELDS)),
    )
    return programme


@transaction.atomic
def programme_update(*, programme: Programme, by: User, data: dict[str, Any]) -> Programme:
    _require_coordinator(by)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    before = model_to_dict(programme, fields=PROGRAMME_FIELDS)
    for field in PROGRAMME_FIELDS:
        if field in data:
            setattr(programme, field, data[field])
    programme.full_clean(exclude=["created_by"])
    programme.save()
    changes = changes_between(before, model_to_dict(programme, fields=PROGRAMME_FIELDS))
    if changes:
        audit_log(actor=by, action="rounds.programme.changed", target=programme, changes=changes)
    return programme
