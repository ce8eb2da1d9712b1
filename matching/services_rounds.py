"""Round set-up workflows: create a round, invite municipalities, open the questionnaire phase,
record pledges. Runs and offers have their own services."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_log, changes_between
from accounts.models import User
from matching.models import Round, RoundMunicipality, RoundStatus
from municipalities.models import Municipality
from municipalities.notify import notify_staff

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
    round_ = Round.objects.select_for_update().get(pk=round.pk)
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
def round_invite(
    *, round: Round, municipalities: Iterable[Municipality], by: User
) -> list[RoundMunicipality]:
    """Invite municipalities to a round and e-mail their staff. Municipalities invited already
    are skipped, so a double click invites nobody twice."""
    _require_coordinator(by)
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    if round_.status not in INVITABLE:
        raise ValidationError(_("Municipalities can only be invited before matching starts."))
    invited = set(round_.participations.values_list("municipality_id", flat=True))
    created = []
    for municipality in municipalities:
        if municipality.pk in invited:
            continue
        participation = RoundMunicipality.objects.create(round=round_, municipality=municipality)
        audit_log(
            actor=by,
            action="matching.round.municipality_invited",
            target=participation,
            label=str(participation),
        )
        notify_staff(
            municipality=municipality,
            template="municipalities/email/round_invitation.txt",
            subject=gettext_lazy("Invitation to a Re:Match round"),
            context={"round": round_, "municipality": municipality},
        )
        created.append(participation)
    return created


@transaction.atomic
def round_open_questionnaire(*, round: Round, by: User) -> Round:
    """Start the questionnaire phase: invited municipalities can now fill in their capacity."""
    _require_coordinator(by)
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    if round_.status != RoundStatus.DRAFT:
        raise ValidationError(_("The questionnaire phase has been opened already."))
    participations = list(round_.participations.select_related("municipality"))
    if not participations:
        raise ValidationError(_("Invite at least one municipality first."))
    round_.status = RoundStatus.QUESTIONNAIRE
    round_.save(update_fields=["status"])
    audit_log(
        actor=by,
        action="matching.round.questionnaire_opened",
        target=round_,
        changes={"status": [RoundStatus.DRAFT, RoundStatus.QUESTIONNAIRE]},
    )
    for participation in participations:
        notify_staff(
            municipality=participation.municipality,
            template="municipalities/email/questionnaire_open.txt",
            subject=gettext_lazy("The capacity questionnaire is open"),
            context={"round": round_, "municipality": participation.municipality},
        )
    return round_


def pledge_blocker(participation: RoundMunicipality, today: date | None = None) -> str | None:
    """Why the pledge cannot be changed now, or None."""
    round_ = participation.round
    if round_.status not in INVITABLE:
        return _("Matching has started: the pledge can no longer be changed.")
    if (today or timezone.localdate()) > round_.questionnaire_deadline:
        return _("The deadline has passed: please contact the coordination.")
    return None


@transaction.atomic
def participation_pledge(
    *, participation: RoundMunicipality, persons: int, by: User, today: date | None = None
) -> RoundMunicipality:
    """Record how many persons the municipality pledges to take in this round."""
    if not Municipality.objects.visible_to(by).filter(pk=participation.municipality_id).exists():
        raise PermissionDenied
    participation = (
        RoundMunicipality.objects.select_for_update()
        .select_related("round")
        .get(pk=participation.pk)
    )
    blocker = pledge_blocker(participation, today)
    if blocker:
        raise ValidationError({"pledged_persons": blocker})
    before = participation.pledged_persons
    participation.pledged_persons = persons
    participation.pledged_at = timezone.now()
    participation.full_clean()
    participation.save(update_fields=["pledged_persons", "pledged_at"])
    if before != persons:
        audit_log(
            actor=by,
            action="matching.round.pledged",
            target=participation,
            label=str(participation),
            changes={"pledged_persons": [before, persons]},
        )
    return participation
