"""Coordinator views for a run's accountability: start the sensitivity, follow its progress."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from matching.explain import CRITERION_LABELS
from matching.models import Run
from matching.services import sensitivity as sensitivity_services


def _run(request: AuthenticatedHttpRequest, pk: int) -> Run:
    return get_object_or_404(Run.objects.visible_to(request.user).select_related("round"), pk=pk)


@require_POST
@role_required(Role.COORDINATOR)
def run_sensitivity_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    try:
        sensitivity_services.sensitivity_start(run=run, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The sensitivity is being computed. This page shows its progress.")
        )
    return redirect(f"{reverse('run_detail', args=[run.pk])}#sensitivity-heading")


@role_required(Role.COORDINATOR)
def run_sensitivity_status(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    run = _run(request, pk)
    latest = run.sensitivities.first()
    if latest is None:
        return JsonResponse({"status": "", "status_label": "", "progress": 0, "done": True})
    label = latest.get_status_display()
    if latest.is_active and latest.step in CRITERION_LABELS:
        label = f"{label} – {CRITERION_LABELS[latest.step]}"
    return JsonResponse(
        {
            "status": latest.status,
            "status_label": label,
            "progress": latest.progress,
            "done": not latest.is_active,
        }
    )
