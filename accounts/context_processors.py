from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    return {
        "MFA_REQUIRED": settings.REMATCH_REQUIRE_MFA,
        "DEMO_MODE": settings.REMATCH_DEMO,
    }
