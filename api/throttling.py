"""Request limits per client, configured with REMATCH_API_ANON_PER_MINUTE and
REMATCH_API_USER_PER_MINUTE (read on every request, so tests and operators can change them)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str:
        return f"{settings.REMATCH_API_ANON_PER_MINUTE}/min"


class UserThrottle(UserRateThrottle):
    def get_rate(self) -> str:
        return f"{settings.REMATCH_API_USER_PER_MINUTE}/min"
