"""The programme's overview for coordinators: cohorts, pledged / offered / taken / left per
municipality, and the evaluation of the programme so far."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from matching.services.programmes import programme_table
from municipalities.forms import ProgrammePledgeForm
from municipalities.services.programmes import applications_to_take_over
from rounds.models import Programme


@require_safe
@role_required(Role.COORDINATOR)
def programme_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.visible_to(request.user), pk=pk)
    cohorts, rows = programme_table(programme)
    context = {
        "programme": programme,
        "cohorts": cohorts,
        "rows": rows,
        "pledge_form": ProgrammePledgeForm(),
        "applications": applications_to_take_over(programme),
    }
    return render(request, "matching/programme_detail.html", context)
