"""The error pages. A backing service that is down (Redis as cache or broker) is a 503 with
Retry-After, not a 500: the client may try again, and monitoring tells an outage from a bug."""

from __future__ import annotations

import logging
import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from accounts.audit import audit_log

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def _outage_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = []
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        types += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    try:
        from kombu.exceptions import OperationalError

        types.append(OperationalError)
    except ImportError:  # pragma: no cover - kombu comes with Celery
        pass
    return tuple(types)


def is_outage(error: BaseException | None) -> bool:
    """Whether the error, or one it was raised from, is an unreachable backing service."""
    types = _outage_types()
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, types):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "type": "urn:rematch:problem:unavailable",
                "title": _("Service unavailable"),
                "status": 503,
                "detail": _("A service the platform needs is not reachable. Try again shortly."),
                "errors": [],
            },
            status=503,
        )
    else:
        # Rendered without the request: its context processors may need the missing service.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while the exception is being handled."""
    if is_outage(sys.exc_info()[1]):
        logger.error("backing_service_down", extra={"path": request.path})
        return unavailable_response(request)
    return HttpResponse(loader.render_to_string("500.html"), status=500)


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """allauth's rate limits answer here: audited, with a page in the user's language."""
    audit_log(actor=None, action="accounts.rate_limited", label=request.path[:200])
    return render(request, "429.html", status=429)
