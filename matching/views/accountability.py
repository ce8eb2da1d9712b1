"""Coordinator views for accountability: a run's sensitivity (start, progress) and a round's
override report (page and export)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import audit_log
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core import spreadsheets
from matching.explain import CRITERION_LABELS
from matching.models import Run
from matching.services import sensitivity as sensitivity_services
from matching.services.overrides import override_report, override_sheets, reason_list
from rounds.models import Round


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


# --- the override report of a round ---------------------------------------------------------


def _report_round(request: AuthenticatedHttpRequest, pk: int) -> Round:
    return get_object_or_404(Round.objects.visible_to(request.user), pk=pk)


@role_required(Role.COORDINATOR)
def round_overrides(request: AuthenticatedHttpRequest, round_pk: int) -> HttpResponse:
    round_ = _report_round(request, round_pk)
    report = override_report(round_)
    audit_log(actor=request.user, action="matching.round.override_report_viewed", target=round_)
    return render(
        request,
        "matching/round_overrides.html",
        {"round": round_, "report": report, "reason_list": reason_list()},
    )


@role_required(Role.COORDINATOR)
def round_overrides_export(
    request: AuthenticatedHttpRequest, round_pk: int, fmt: str
) -> HttpResponse:
    if fmt not in spreadsheets.FORMATS:
        raise Http404
    round_ = _report_round(request, round_pk)
    sheets = override_sheets(override_report(round_))
    audit_log(actor=request.user, action="matching.round.override_report_exported", target=round_)
    name = slugify(round_.name) or str(round_.pk)
    if fmt == "csv":
        sheets = sheets[:1]  # one table per CSV file: the counts by reason
    return spreadsheets.spreadsheet_response(fmt, sheets, filename=f"overrides-{name}.{fmt}")
