"""Deployment checks of the accounts app (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_mfa_required(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.REMATCH_REQUIRE_MFA:
        return []
    return [
        checks.Warning(
            "REMATCH_REQUIRE_MFA is false: coordinators and municipal staff reach personal and "
            "health data with a password alone, and their API tokens skip the second factor.",
            hint="Set REMATCH_REQUIRE_MFA=true in production; only the local demo switches it off.",
            id="rematch.W002",
        )
    ]
