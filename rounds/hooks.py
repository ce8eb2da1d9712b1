"""What the apps above ``rounds`` attach to a round's transitions.

``rounds`` imports no app above it, yet closing a round must expire its open offers (matching) and
opening the questionnaires must inform the invited staff (municipalities). Those apps register a
*guard* (raises ``ValidationError`` when the transition must not happen) or an *effect* (does the
work, returns figures for the audit entry) in their ``AppConfig.ready``. The transition service
calls them inside its transaction, after it has locked the round row, so every workflow locks the
round before its offers and households."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.models import User
    from rounds.models import Round

Guard = Callable[["Round"], None]
Effect = Callable[["Round", "User | None"], "dict[str, Any] | None"]

_guards: dict[str, list[Guard]] = defaultdict(list)
_effects: dict[str, list[Effect]] = defaultdict(list)


def guard(verb: str) -> Callable[[Guard], Guard]:
    def register(function: Guard) -> Guard:
        if function not in _guards[verb]:
            _guards[verb].append(function)
        return function

    return register


def effect(verb: str) -> Callable[[Effect], Effect]:
    def register(function: Effect) -> Effect:
        if function not in _effects[verb]:
            _effects[verb].append(function)
        return function

    return register


def check(verb: str, round_: Round) -> None:
    for function in _guards[verb]:
        function(round_)


def apply(verb: str, round_: Round, by: User | None) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for function in _effects[verb]:
        figures.update(function(round_, by) or {})
    return figures
