"""The evaluation of a programme across its cohorts (coordinators)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.audit import audit_log
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core import pdf
from evaluation.programmes import programme_evaluation as evaluate
from matching.services.overrides import programme_override_report
from rounds.models import Programme


def _programme(request: AuthenticatedHttpRequest, pk: int) -> Programme:
    return get_object_or_404(Programme.objects.visible_to(request.user), pk=pk)


def _context(programme: Programme) -> dict[str, Any]:
    """The evaluation of the cohorts and, as in a round's report, the override report."""
    return {
        "programme": programme,
        "evaluation": evaluate(programme),
        "override_report": programme_override_report(programme),
    }


@require_safe
@role_required(Role.COORDINATOR)
def programme_evaluation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    return render(request, "evaluation/programme_evaluation.html", _context(programme))


@require_safe
@role_required(Role.COORDINATOR)
def programme_evaluation_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    html = render_to_string(
        "evaluation/_programme_evaluation_body.html", _context(programme), request
    )
    title = _("Evaluation of %(name)s") % {"name": programme.name}
    audit_log(actor=request.user, action="evaluation.report.downloaded", target=programme)
    return pdf.pdf_response(
        pdf.html_pdf(title=title, html=html), filename=f"programme-{programme.pk}-evaluation"
    )
