"""The records of processing activities (Art. 30 GDPR), for coordinators and the municipalities'
data protection officers they share it with."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from portal.gdpr.records import activities, technical_measures


@require_safe
@role_required(Role.COORDINATOR)
def records_of_processing(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/records_of_processing.html",
        {
            "activities": activities(),
            "measures": technical_measures(),
            "retention_days": settings.REMATCH_RETENTION_DAYS,
        },
    )
