"""Programme pages of the rounds app: the list, create and change a programme year. The
programme's overview (pledges, cohorts, what is left) is a ``matching`` page, since it counts
offers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core.forms import add_errors
from rounds.forms import ProgrammeForm
from rounds.models import Programme
from rounds.services import programmes


@require_safe
@role_required(Role.COORDINATOR)
def programme_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    items = Programme.objects.visible_to(request.user).annotate(
        cohort_count=Count("rounds", distinct=True), pledge_count=Count("pledges", distinct=True)
    )
    return render(request, "rounds/programme_list.html", {"programmes": items})


@role_required(Role.COORDINATOR)
def programme_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = programmes.programme_create(by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("The programme was created. Now record the municipalities' pledges.")
            )
            return redirect("programme_detail", programme.pk)
    return render(request, "rounds/programme_form.html", {"form": form})


@role_required(Role.COORDINATOR)
def programme_change(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.visible_to(request.user), pk=pk)
    form = ProgrammeForm(request.POST or None, instance=Programme.objects.get(pk=programme.pk))
    if request.method == "POST" and form.is_valid():
        try:
            programmes.programme_update(
                programme=programme, by=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("programme_detail", programme.pk)
    return render(request, "rounds/programme_form.html", {"form": form, "programme": programme})
