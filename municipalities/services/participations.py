"""A municipality's part in a round: invitation, pledge, and what opening the questionnaire
phase means for the invited municipalities (registered with :mod:`rounds.hooks`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import User
from municipalities.models import Municipality, RoundMunicipality
from municipalities.notify import notify_staff
from rounds import hooks
from rounds.lifecycle import Action
from rounds.models import Round
from rounds.services.rounds import round_lock


@transaction.atomic
def round_invite(
    *,
    round: Round,
    municipalities: Iterable[Municipality],
    by: User,
) -> list[RoundMunicipality]:
    """Invite municipalities to a round and e-mail their staff. Municipalities invited already
    are skipped, so a double click invites nobody twice."""
    if not by.is_coordinator:
        raise PermissionDenied
    round_ = round_lock(round)
    round_.require(Action.INVITE)
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
            template="municipalities/email/round_invitation",
            context={"round": round_, "municipality": municipality},
        )
        created.append(participation)
    return created


@hooks.guard("open_questionnaire")
def _someone_invited(round_: Round) -> None:
    if not round_.participations.exists():
        raise ValidationError(_("Invite at least one municipality first."))


@hooks.effect("open_questionnaire")
def _inform_invited(round_: Round, by: User | None) -> dict[str, Any]:
    participations = list(round_.participations.select_related("municipality"))
    for participation in participations:
        notify_staff(
            municipality=participation.municipality,
            template="municipalities/email/questionnaire_open",
            context={"round": round_, "municipality": participation.municipality},
        )
    return {}


def pledge_blocker(participation: RoundMunicipality, today: date | None = None) -> str | None:
    """Why the pledge cannot be changed now, or None. A cohort of a programme has no pledge
    of its own: it follows the programme's (``municipalities.services.programmes``), which a
    change here would contradict and the next change of the programme's would overwrite."""
    round_ = participation.round
    if round_.programme_id is not None:
        return _(
            "This round is a cohort of the programme %(programme)s: your pledge is the one for "
            "the whole programme year. To change it, please contact the coordination."
        ) % {"programme": round_.programme}
    return round_.blocker(Action.PLEDGE, today=today)


@transaction.atomic
def participation_pledge(
    *, participation: RoundMunicipality, persons: int, by: User, today: date | None = None
) -> RoundMunicipality:
    """Record how many persons the municipality pledges to take in this round."""
    if not Municipality.objects.visible_to(by).filter(pk=participation.municipality_id).exists():
        raise PermissionDenied
    participation = (
        RoundMunicipality.objects.select_for_update(of=("self",))
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
