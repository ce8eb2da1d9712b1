"""Round workflows: create and change a round and move it through its phases
(:mod:`rounds.lifecycle`).

Each transition locks the round row first, asks the guards the apps above registered
(:mod:`rounds.hooks`), changes the status, lets those apps do their part and writes one audit
entry. Who takes part in a round is recorded by ``municipalities`` and ``refugees``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.audit import audit_log, changes_between
from accounts.models import User
from rounds import hooks, lifecycle
from rounds.lifecycle import Action, Phase
from rounds.models import Round

ROUND_FIELDS = (
    "name",
    "questionnaire_opens",
    "questionnaire_deadline",
    "arrival_date",
    "offer_reply_days",
)


def _require_coordinator(by: User) -> None:
    if not by.is_coordinator:
        raise PermissionDenied


def round_lock(round_: Round) -> Round:
    """The round row, locked: the first lock of every workflow that touches a round and its
    offers (round before offer before household)."""
    return Round.objects.select_for_update(of=("self",)).get(pk=round_.pk)


def rounds_lock(round_ids: Iterable[int]) -> list[Round]:
    """Several round rows, locked in the order of their keys: a workflow that touches every
    round of one household (withdrawing consent) takes these first, then the offers, then the
    household, like :func:`round_lock` for one round."""
    return list(
        Round.objects.select_for_update(of=("self",)).filter(pk__in=set(round_ids)).order_by("pk")
    )


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
def round_update(*, round: Round, by: User, data: dict[str, Any]) -> Round:
    _require_coordinator(by)
    round_ = round_lock(round)
    round_.require(Action.EDIT)
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


def _transition(round_: Round, verb: str, by: User | None) -> Round:
    """Lock the round, ask the lifecycle and the apps above whether ``verb`` may happen, move
    to the next phase, let the apps above do their part and audit it. Moving to the phase the
    round is in already (a second publication) changes and audits nothing."""
    action, target = lifecycle.TRANSITIONS[verb]
    round_ = round_lock(round_)
    round_.require(action)
    hooks.check(verb, round_)
    before = round_.status
    figures = hooks.apply(verb, round_, by)
    if before == target:
        return round_
    round_.status = target
    fields = ["status"]
    if target == Phase.CLOSED:
        round_.closed_at = timezone.now()
        fields.append("closed_at")
    round_.save(update_fields=fields)
    audit_log(
        actor=by,
        action=AUDIT_ACTIONS[verb],
        target=round_,
        changes={"status": [before, target], **figures},
    )
    return round_


# Kept as they were before the lifecycle had its own app, so the history reads as one.
AUDIT_ACTIONS = {
    "open_questionnaire": "matching.round.questionnaire_opened",
    "start_matching": "matching.round.matching_started",
    "publish": "matching.round.offers_published",
    "start_relocation": "matching.round.relocation_started",
    "start_evaluation": "matching.round.evaluation_started",
    "close": "matching.round.closed",
}


@transaction.atomic
def round_open_questionnaire(*, round: Round, by: User) -> Round:
    """Start the questionnaire phase: invited municipalities can now fill in their capacity
    (``municipalities`` requires an invitation and informs the staff)."""
    _require_coordinator(by)
    return _transition(round, "open_questionnaire", by)


@transaction.atomic
def round_start_matching(*, round: Round, by: User) -> Round:
    """The first run of a round starts its matching phase. Questionnaires stay open until the
    deadline; what is submitted later counts from the next run."""
    _require_coordinator(by)
    return _transition(round, "start_matching", by)


@transaction.atomic
def round_publish(*, round: Round, by: User) -> Round:
    """Offers of a run are out (``matching`` makes them). Municipalities that have not
    submitted may still do so until the deadline; their capacity joins the next run."""
    _require_coordinator(by)
    return _transition(round, "publish", by)


@transaction.atomic
def round_start_relocation(*, round: Round, by: User) -> Round:
    """No more runs or offers: open offers may still be answered until their deadline, and
    accepted households travel and arrive."""
    _require_coordinator(by)
    return _transition(round, "start_relocation", by)


@transaction.atomic
def round_start_evaluation(*, round: Round, by: User) -> Round:
    """Every offer is answered or expired; the round is followed up by the evaluation."""
    _require_coordinator(by)
    return _transition(round, "start_evaluation", by)


@transaction.atomic
def round_close(*, round: Round, by: User) -> Round:
    """End a round: open offers expire, nothing can be run or answered any more, and the
    retention period for its personal data starts."""
    _require_coordinator(by)
    return _transition(round, "close", by)
