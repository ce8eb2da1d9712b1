"""How a ValidationError a service raised reaches the user: its messages as one sentence."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def show_error(request: HttpRequest, error: ValidationError) -> None:
    """The error as a message on the next page (the views' answer to a refused workflow)."""
    messages.error(request, error_text(error))
