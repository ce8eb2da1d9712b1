from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    from accounts.navigation import account_is_current, account_navigation, main_navigation

    return {
        "main_navigation": main_navigation(request),
        "account_current": account_is_current(request),
        "account_navigation": account_navigation(request),
        "MFA_REQUIRED": settings.REMATCH_REQUIRE_MFA,
        "DEMO_MODE": settings.REMATCH_DEMO,
    }
