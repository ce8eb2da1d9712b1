"""A round's own pages for coordinators: create and change it, move it through its phases.
The pages that show who takes part (questionnaires, pledges, invitations) belong to
``municipalities``; runs and offers to ``matching``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core.forms import add_errors
from core.validation import show_error
from rounds.forms import RoundForm
from rounds.models import Round
from rounds.services import rounds as services


@role_required(Role.COORDINATOR)
def round_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_create(by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The round was created. Now invite municipalities."))
            return redirect("round_detail", round_.pk)
    return render(request, "rounds/round_form.html", {"form": form})


@role_required(Role.COORDINATOR)
def round_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(Round.objects.visible_to(request.user), pk=pk)
    form = RoundForm(request.POST or None, instance=Round.objects.get(pk=round_.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.round_update(round=round_, by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("round_detail", round_.pk)
    return render(request, "rounds/round_form.html", {"form": form, "round": round_})


@require_POST
@role_required(Role.COORDINATOR)
def round_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(Round.objects.visible_to(request.user), pk=pk)
    try:
        services.round_open_questionnaire(round=round_, by=request.user)
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(request, _("The questionnaire phase is open."))
    return redirect("round_detail", round_.pk)


@require_POST
@role_required(Role.COORDINATOR)
def round_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(Round.objects.visible_to(request.user), pk=pk)
    try:
        services.round_close(round=round_, by=request.user)
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(request, _("The round is closed."))
    return redirect("round_detail", round_.pk)


ADVANCES = {
    "start_relocation": (services.round_start_relocation, _("The relocation phase has started.")),
    "start_evaluation": (services.round_start_evaluation, _("The evaluation phase has started.")),
}


@require_POST
@role_required(Role.COORDINATOR)
def round_advance(request: AuthenticatedHttpRequest, pk: int, verb: str) -> HttpResponse:
    round_ = get_object_or_404(Round.objects.visible_to(request.user), pk=pk)
    if verb not in ADVANCES:
        raise Http404
    service, done = ADVANCES[verb]
    try:
        service(round=round_, by=request.user)
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(request, done)
    return redirect("round_detail", round_.pk)
