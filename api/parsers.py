"""The JSON parser of the API with limits: a body larger than REMATCH_API_MAX_BODY_BYTES is
refused with 413 before it is read, and a document nested deeper than MAX_DEPTH with 400 (a
body nested 100,000 levels deep used to end in a RecursionError, i.e. a 500)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

# The deepest real request (a household with members with languages) is five levels deep.
MAX_DEPTH = 20


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"


def _too_large() -> RequestTooLarge:
    limit = settings.REMATCH_API_MAX_BODY_BYTES
    return RequestTooLarge(
        _("The request body is larger than %(size)s.") % {"size": filesizeformat(limit)}
    )


def _too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(
        _("The JSON document is nested more than %(n)s levels deep.") % {"n": MAX_DEPTH}
    )


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether lists/objects nest deeper than ``limit``, without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.REMATCH_API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request else 0
        except ValueError:
            declared = 0
        if declared > limit:
            raise _too_large()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise _too_large()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_no_constant)
        except RecursionError:
            raise _too_deep() from None
        except ValueError as error:  # also a body that is not valid in its encoding
            raise exceptions.ParseError(
                _("JSON parse error - %(error)s") % {"error": error}
            ) from None
        if depth_exceeds(data, MAX_DEPTH):
            raise _too_deep()
        return data


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (DRF's strict mode refuses them as well).
    raise ValueError(f"{name} is not valid JSON")
