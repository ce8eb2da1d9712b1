"""Coordinator views for accountability: a run's sensitivity (start, progress) and the override
report of a round and of a programme (page and export)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.audit import audit_log
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core import spreadsheets
from core.validation import show_error
from matching.explain import CRITERION_LABELS
from matching.models import Run
from matching.services import sensitivity as sensitivity_services
from matching.services.overrides import (
    OverrideReport,
    override_report,
    override_sheets,
    programme_override_report,
    reason_list,
)
from rounds.models import Programme, Round


def _run(request: AuthenticatedHttpRequest, pk: int) -> Run:
    return get_object_or_404(Run.objects.visible_to(request.user).select_related("round"), pk=pk)


@require_POST
@role_required(Role.COORDINATOR)
def run_sensitivity_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    try:
        sensitivity_services.sensitivity_start(run=run, by=request.user)
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(
            request, _("The sensitivity is being computed. This page shows its progress.")
        )
    return redirect(f"{reverse('run_detail', args=[run.pk])}#sensitivity-heading")


@require_safe
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


# --- the override report of a round and of a programme ------------------------------------


def _report_round(request: AuthenticatedHttpRequest, pk: int) -> Round:
    return get_object_or_404(Round.objects.visible_to(request.user), pk=pk)


def _report_programme(request: AuthenticatedHttpRequest, pk: int) -> Programme:
    return get_object_or_404(Programme.objects.visible_to(request.user), pk=pk)


def _export(
    request: AuthenticatedHttpRequest,
    fmt: str,
    target: Round | Programme,
    report: OverrideReport,
    action: str,
) -> HttpResponse:
    sheets = override_sheets(report)
    audit_log(actor=request.user, action=action, target=target)
    name = slugify(target.name) or str(target.pk)
    if fmt == "csv":
        sheets = sheets[:1]  # one table per CSV file: the counts by reason
    return spreadsheets.spreadsheet_response(fmt, sheets, filename=f"overrides-{name}")


@require_safe
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


@require_safe
@role_required(Role.COORDINATOR)
def round_overrides_export(
    request: AuthenticatedHttpRequest, round_pk: int, fmt: str
) -> HttpResponse:
    if fmt not in spreadsheets.FORMATS:
        raise Http404
    round_ = _report_round(request, round_pk)
    return _export(
        request, fmt, round_, override_report(round_), "matching.round.override_report_exported"
    )


@require_safe
@role_required(Role.COORDINATOR)
def programme_overrides(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The override report of every cohort of the programme, added up."""
    programme = _report_programme(request, pk)
    report = programme_override_report(programme)
    audit_log(
        actor=request.user, action="matching.programme.override_report_viewed", target=programme
    )
    return render(
        request,
        "matching/programme_overrides.html",
        {"programme": programme, "report": report, "reason_list": reason_list()},
    )


@require_safe
@role_required(Role.COORDINATOR)
def programme_overrides_export(
    request: AuthenticatedHttpRequest, pk: int, fmt: str
) -> HttpResponse:
    if fmt not in spreadsheets.FORMATS:
        raise Http404
    programme = _report_programme(request, pk)
    return _export(
        request,
        fmt,
        programme,
        programme_override_report(programme),
        "matching.programme.override_report_exported",
    )
