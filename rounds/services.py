"""Round workflows: create and change a round, open its questionnaire phase, close it.

Each transition locks the round row first, asks the guards the apps above registered
(:mod:`rounds.hooks`), changes the status, lets those apps do their part and writes one audit
entry. Who takes part in a round is recorded by ``municipalities`` and ``refugees``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, changes_between
from accounts.models import User
from rounds import hooks
from rounds.models import Round, RoundStatus

ROUND_FIELDS = (
    "name",
    "questionnaire_opens",
    "questionnaire_deadline",
    "arrival_date",
    "offer_reply_days",
)
INVITABLE = (RoundStatus.DRAFT, RoundStatus.QUESTIONNAIRE)


def _require_coordinator(by: User) -> None:
    if not by.is_coordinator:
        raise PermissionDenied


def round_lock(round_: Round) -> Round:
    """The round row, locked: the first lock of every workflow that touches a round and its
    offers (round before offer before household)."""
    return Round.objects.select_for_update(of=("self",)).get(pk=round_.pk)


@transaction.atomic
def round_create(*, by: User, data: dict[str, Any]) -> Round:
    _require_coordinator(by)
    round_ = Round(created_by=by, **{k: v for k, v in data.items() if k in ROUND_FIELDS})
    round_.full_clean()
    round_.save()
    audit_log(
        actor=by,
        action="matching.round.created",
        target=round_,
        changes=changes_between({}, model_to_dict(round_, fields=ROUND_FIELDS)),
    )
    return round_


@transaction.atomic
def round_update(*, round: Round, by: User, data: dict[str, Any]) -> Round:  # noqa: A002
    _require_coordinator(by)
    round_ = round_lock(round)
    if round_.status == RoundStatus.CLOSED:
        raise ValidationError(_("A closed round cannot be changed."))
    before = model_to_dict(round_, fields=ROUND_FIELDS)
    for field in ROUND_FIELDS:
        if field in data:
            setattr(round_, field, data[field])
    round_.full_clean(exclude=["created_by"])  # seeded rounds have no creator
    round_.save()
    changes = changes_between(before, model_to_dict(round_, fields=ROUND_FIELDS))
    if changes:
        audit_log(actor=by, action="matching.round.changed", target=round_, changes=changes)
    return round_


@transaction.atomic
def round_open_questionnaire(*, round: Round, by: User) -> Round:  # noqa: A002
    """Start the questionnaire phase: invited municipalities can now fill in their capacity."""
    _require_coordinator(by)
    round_ = round_lock(round)
    if round_.status != RoundStatus.DRAFT:
        raise ValidationError(_("The questionnaire phase has been opened already."))
    hooks.check("open_questionnaire", round_)
    round_.status = RoundStatus.QUESTIONNAIRE
    round_.save(update_fields=["status"])
    hooks.apply("open_questionnaire", round_, by)
    audit_log(
        actor=by,
        action="matching.round.questionnaire_opened",
        target=round_,
        changes={"status": [RoundStatus.DRAFT, RoundStatus.QUESTIONNAIRE]},
    )
    return round_


@transaction.atomic
def round_close(*, round: Round, by: User) -> Round:  # noqa: A002
    """End a round: open offers expire, nothing can be run or answered any more, and the
    retention period for its personal data starts."""
    _require_coordinator(by)
    round_ = round_lock(round)
    if round_.status == RoundStatus.CLOSED:
        raise ValidationError(_("The round is closed already."))
    hooks.check("close", round_)
    before = round_.status
    figures = hooks.apply("close", round_, by)
    round_.status, round_.closed_at = RoundStatus.CLOSED, timezone.now()
    round_.save(update_fields=["status", "closed_at"])
    audit_log(
        actor=by,
        action="matching.round.closed",
        target=round_,
        changes={"status": [before, RoundStatus.CLOSED], **figures},
    )
    return round_
