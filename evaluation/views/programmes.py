"""The evaluation of a programme across its cohorts (coordinators)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from evaluation.programmes import programme_evaluation as evaluate
from rounds.models import Programme


@role_required(Role.COORDINATOR)
def programme_evaluation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.visible_to(request.user), pk=pk)
    context = {"programme": programme, "evaluation": evaluate(programme)}
    return render(request, "evaluation/programme_evaluation.html", context)
