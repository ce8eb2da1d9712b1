"""The round's lifecycle: its phases, the transitions between them and what each phase allows.

Every page, endpoint and service asks the round (``round.allows(Action.X)``,
``round.blocker(Action.X)``, ``round.require(Action.X)``) instead of comparing status codes, so
each rule exists once, here.

    draft -> questionnaire -> matching -> offers -> relocation -> evaluation -> closed
                    \\____________\\__________\\______________________________/  (close from any)

Phases overlap where real rounds do: while offers to some households are out, a municipality
that has not submitted yet may still do so until the deadline, and households entered late join
the next run; a run may be started while questionnaires are still open (its results count only
the questionnaires submitted by then)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from rounds.models import Round


class Phase(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUESTIONNAIRE = "questionnaire", _("Questionnaires open")
    MATCHING = "matching", _("Matching")
    OFFERS = "offers", _("Offers out")
    RELOCATION = "relocation", _("Relocation")
    EVALUATION = "evaluation", _("Evaluation")
    CLOSED = "closed", _("Closed")


class Action(StrEnum):
    """What someone may want to do with a round (or with something in it)."""

    EDIT = "edit"
    INVITE = "invite"
    PLEDGE = "pledge"
    EDIT_QUESTIONNAIRE = "edit_questionnaire"
    ADD_HOUSEHOLD = "add_household"
    REMOVE_HOUSEHOLD = "remove_household"
    SET_WEIGHTS = "set_weights"
    SET_RULES = "set_rules"
    START_RUN = "start_run"
    PUBLISH = "publish"
    ANSWER_OFFER = "answer_offer"
    SET_TRAVEL_DATE = "set_travel_date"
    CONFIRM_ARRIVAL = "confirm_arrival"
    # the transitions
    OPEN_QUESTIONNAIRE = "open_questionnaire"
    START_MATCHING = "start_matching"
    START_RELOCATION = "start_relocation"
    START_EVALUATION = "start_evaluation"
    CLOSE = "close"


P = Phase
OPEN = frozenset({P.DRAFT, P.QUESTIONNAIRE, P.MATCHING, P.OFFERS, P.RELOCATION, P.EVALUATION})
# Runs, rules and publishing: from the questionnaire phase until relocation starts.
MATCHABLE = frozenset({P.QUESTIONNAIRE, P.MATCHING, P.OFFERS})
AFTER_OFFERS = frozenset({P.OFFERS, P.RELOCATION, P.EVALUATION})


@dataclass(frozen=True)
class Rule:
    phases: frozenset[Phase]
    refusal: Promise  # said when the phase does not allow the action


RULES: dict[Action, Rule] = {
    Action.EDIT: Rule(OPEN, _("A closed round cannot be changed.")),
    Action.INVITE: Rule(
        frozenset({P.DRAFT, *MATCHABLE}),
        _("Municipalities can only be invited until offers are made for the last time."),
    ),
    Action.PLEDGE: Rule(
        frozenset({P.DRAFT, *MATCHABLE}),
        _("Matching has finished: the pledge can no longer be changed."),
    ),
    Action.EDIT_QUESTIONNAIRE: Rule(MATCHABLE, _("The questionnaire phase of this round is over.")),
    Action.ADD_HOUSEHOLD: Rule(
        frozenset({P.DRAFT, *MATCHABLE}),
        _("Households can only be entered until offers are made for the last time."),
    ),
    Action.REMOVE_HOUSEHOLD: Rule(OPEN, _("The round is closed; its records stay as they are.")),
    Action.SET_WEIGHTS: Rule(MATCHABLE, _("The criteria can be changed only while matching.")),
    Action.SET_RULES: Rule(MATCHABLE, _("Pins and bans can be set only while matching.")),
    Action.START_RUN: Rule(MATCHABLE, _("Runs are possible only while a round is matching.")),
    Action.PUBLISH: Rule(MATCHABLE, _("Offers can be published only while a round is matching.")),
    Action.ANSWER_OFFER: Rule(
        frozenset({P.OFFERS, P.RELOCATION}), _("Offers of this round can no longer be answered.")
    ),
    Action.SET_TRAVEL_DATE: Rule(AFTER_OFFERS, _("Travel dates can no longer be set.")),
    Action.CONFIRM_ARRIVAL: Rule(AFTER_OFFERS, _("Arrivals can no longer be confirmed.")),
    Action.OPEN_QUESTIONNAIRE: Rule(
        frozenset({P.DRAFT}), _("The questionnaire phase has been opened already.")
    ),
    Action.START_MATCHING: Rule(
        frozenset({P.QUESTIONNAIRE}), _("Matching has been started already.")
    ),
    Action.START_RELOCATION: Rule(
        frozenset({P.OFFERS}), _("Relocation starts once offers have been published.")
    ),
    Action.START_EVALUATION: Rule(
        frozenset({P.RELOCATION}), _("The evaluation starts after the relocation phase.")
    ),
    Action.CLOSE: Rule(OPEN, _("The round is closed already.")),
}

# verb of the transition service -> (action whose rule guards it, phase it leads to)
TRANSITIONS: dict[str, tuple[Action, Phase]] = {
    "open_questionnaire": (Action.OPEN_QUESTIONNAIRE, P.QUESTIONNAIRE),
    "start_matching": (Action.START_MATCHING, P.MATCHING),
    "publish": (Action.PUBLISH, P.OFFERS),
    "start_relocation": (Action.START_RELOCATION, P.RELOCATION),
    "start_evaluation": (Action.START_EVALUATION, P.EVALUATION),
    "close": (Action.CLOSE, P.CLOSED),
}

# What a phase means, for the round page and the publish dialog.
PHASE_HELP: dict[Phase, Promise] = {
    P.DRAFT: _("Set the round up and invite municipalities."),
    P.QUESTIONNAIRE: _(
        "Municipalities pledge and fill in their capacity questionnaire; caseworkers enter "
        "households."
    ),
    P.MATCHING: _(
        "Runs propose a municipality for each household. Municipalities that have not submitted "
        "may still do so until the deadline; their capacity counts from the next run."
    ),
    P.OFFERS: _(
        "Offers are out. Households and municipalities answer; declined and expired places are "
        "matched again in the next run. Late questionnaires and households join the next run."
    ),
    P.RELOCATION: _(
        "No new offers are made. Accepted households get their travel date and arrive."
    ),
    P.EVALUATION: _("Arrivals are followed up with surveys and the round's evaluation."),
    P.CLOSED: _("The round is closed; its records are kept for the retention period."),
}


def phases_allowing(action: Action) -> frozenset[Phase]:
    return RULES[action].phases


def blocker(round_: Round, action: Action, *, today: date | None = None) -> str | None:
    """Why ``action`` is not possible in this round now, or None when it is."""
    rule = RULES[action]
    if round_.status not in rule.phases:
        return str(rule.refusal)
    today = today or timezone.localdate()
    return _date_blocker(round_, action, today)


def _date_blocker(round_: Round, action: Action, today: date) -> str | None:
    if action == Action.EDIT_QUESTIONNAIRE:
        if round_.status == P.DRAFT:
            return gettext("The questionnaire phase of this round is not open.")
        if today < round_.questionnaire_opens:
            return gettext("The questionnaire opens on %(date)s.") % {
                "date": date_format(round_.questionnaire_opens, "SHORT_DATE_FORMAT")
            }
        if round_.status != P.QUESTIONNAIRE and today > round_.questionnaire_deadline:
            return gettext(
                "The deadline has passed and matching has started: please contact the coordination."
            )
    if action in (Action.PLEDGE, Action.INVITE) and today > round_.questionnaire_deadline:
        if action == Action.INVITE and round_.status in (P.DRAFT, P.QUESTIONNAIRE):
            return None  # the coordinator may still extend the deadline
        return gettext("The deadline has passed: please contact the coordination.")
    return None


def allowed_actions(round_: Round, *, today: date | None = None) -> list[str]:
    return [action.value for action in Action if blocker(round_, action, today=today) is None]
