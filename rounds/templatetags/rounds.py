"""``{% load rounds %}``: templates ask the round, too (``{% if round|allows:"close" %}``)."""

from __future__ import annotations

from django import template

from rounds.lifecycle import Phase
from rounds.models import Round

register = template.Library()

# The main path through the phases, for the round page's progress list.
PATH = (
    Phase.DRAFT,
    Phase.QUESTIONNAIRE,
    Phase.MATCHING,
    Phase.OFFERS,
    Phase.RELOCATION,
    Phase.EVALUATION,
    Phase.CLOSED,
)


@register.filter
def allows(round_: Round, action: str) -> bool:
    return round_.allows(action)


@register.filter
def blocker(round_: Round, action: str) -> str:
    return round_.blocker(action) or ""


@register.inclusion_tag("rounds/_phases.html")
def round_phases(round_: Round) -> dict[str, object]:
    current = PATH.index(round_.phase)
    steps = [
        {"label": phase.label, "done": i < current, "current": i == current}
        for i, phase in enumerate(PATH)
    ]
    return {"round": round_, "steps": steps}
