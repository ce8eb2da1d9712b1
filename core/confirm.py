"""One confirmation pattern for every final action (accept, decline, confirm, object, publish,
travel date, arrival): the first POST shows what will happen and asks once; the second POST,
carrying ``confirmed=yes``, does it. The action's view then reports the new state and what
happens next (see the ``next_steps`` of the page it redirects to).

Works without JavaScript, so it holds on every phone and for assistive technology, and the
question is never a browser ``confirm()`` dialog that a user can switch off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirmed"
CONFIRM_VALUE = "yes"


@dataclass(frozen=True)
class Confirmation:
    """What the person is asked before a final action."""

    title: str
    question: str
    confirm_label: str
    cancel_url: str
    consequences: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value) shown as a list
    danger: bool = False


def is_confirmed(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE


def ask(
    request: HttpRequest,
    confirmation: Confirmation,
    *,
    carry: Mapping[str, Any] | None = None,
    form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    """The confirmation page. ``carry`` holds the values of the first POST that the second one
    must repeat (hidden); ``form`` holds fields the person fills in on this page (a reason)."""
    hidden = [(name, str(value)) for name, value in (carry or {}).items() if value is not None]
    return render(
        request,
        "includes/confirm.html",
        {
            "confirmation": confirmation,
            "hidden": hidden,
            "form": form,
            "action": request.path,
            "confirm_field": CONFIRM_FIELD,
            "confirm_value": CONFIRM_VALUE,
            # The page's address takes only POST: the language switch returns to the page
            # that "Cancel" leads to.
            "language_next": confirmation.cancel_url,
        },
        status=status,
    )


def lines(*items: str | None | Iterable[str]) -> list[str]:
    """Drop empty consequences so callers can write conditional lines inline."""
    out: list[str] = []
    for item in items:
        if item is None or item == "":
            continue
        if isinstance(item, str):
            out.append(item)
        else:
            out.extend(str(i) for i in item if i)
    return out
