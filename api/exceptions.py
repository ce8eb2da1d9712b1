"""One error shape for every API error (RFC 9457 problem details, with a list of field errors):

    {"type": "urn:rematch:problem:validation-error", "title": "Invalid request", "status": 400,
     "detail": "...", "errors": [{"field": "members.0.date_of_birth", "code": "invalid",
     "message": "..."}]}

Services raise Django's ValidationError / PermissionDenied and views raise Http404; all are
mapped here, so no view needs its own try/except."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_TYPES = {
    400: "validation-error",
    401: "not-authenticated",
    403: "permission-denied",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    429: "throttled",
}


def _titles() -> dict[int, str]:
    return {
        400: _("Invalid request"),
        401: _("Not authenticated"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        413: _("Too large"),
        415: _("Unsupported media type"),
        429: _("Too many requests"),
    }


def problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": f"urn:rematch:problem:{PROBLEM_TYPES.get(status, 'error')}",
        "title": str(_titles().get(status, _("Error"))),
        "status": status,
        "detail": str(detail),
        "errors": errors or [],
    }


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_django_detail(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's 500 handling and logging take over
    status = response.status_code
    if status == 400 and isinstance(exc, exceptions.ValidationError):
        errors = list(_flatten(exc.detail))
        detail = _summary(errors)
    else:
        errors = []
        detail = _message(getattr(exc, "detail", "")) or str(_titles().get(status, _("Error")))
    response.data = problem(status, detail, errors)
    return response


def _django_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        non_field = api_settings.NON_FIELD_ERRORS_KEY
        return {
            (non_field if field == NON_FIELD_ERRORS else field): [
                exceptions.ErrorDetail(str(m), code=e.code or "invalid")
                for e in errors
                for m in e.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    return [exceptions.ErrorDetail(str(m), code=exc.code or "invalid") for m in exc.messages]


def _flatten(detail: Any, path: str = ""):
    """Nested serializer errors become one list with dotted field paths."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                yield from _flatten(value, path)
            else:
                yield from _flatten(value, f"{path}.{key}" if path else str(key))
    elif isinstance(detail, list):
        if detail and all(isinstance(item, dict | list) for item in detail):
            for index, item in enumerate(detail):
                yield from _flatten(item, f"{path}.{index}" if path else str(index))
        else:
            for item in detail:
                yield from _flatten(item, path)
    else:
        code = getattr(detail, "code", None) or "invalid"
        yield {"field": path or None, "code": str(code), "message": str(detail)}


def _summary(errors: list[dict[str, Any]]) -> str:
    general = [e["message"] for e in errors if e["field"] is None]
    if general and len(errors) == 1:
        return general[0]
    return _("The request has %(n)s error(s); see the list of errors.") % {"n": len(errors)}


def _message(detail: Any) -> str:
    if isinstance(detail, list | tuple):
        return " ".join(_message(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(_message(d) for d in detail.values())
    return str(detail)
