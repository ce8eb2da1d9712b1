"""Programme pages about who takes part: the municipalities' pledges and adding a cohort
(which invites the pledged municipalities)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core.forms import add_errors
from core.validation import show_error
from municipalities.forms import ProgrammePledgeForm
from municipalities.models import MunicipalityApplication, ProgrammePledge
from municipalities.services import programmes
from rounds.forms import CohortForm
from rounds.models import Programme


def _programme(request: AuthenticatedHttpRequest, pk: int) -> Programme:
    return get_object_or_404(Programme.objects.visible_to(request.user), pk=pk)


@require_POST
@role_required(Role.COORDINATOR)
def programme_pledge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    form = ProgrammePledgeForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("programme_detail", programme.pk)
    data = form.cleaned_data
    try:
        pledge = programmes.programme_pledge_set(
            programme=programme,
            municipality=data["municipality"],
            by=request.user,
            amounts={f: data.get(f) or 0 for f in programmes.PLEDGE_FIELDS},
        )
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(
            request,
            _("The pledge of %(municipality)s was saved.") % {"municipality": data["municipality"]},
        )
        _say_kept(request, pledge)
    return redirect("programme_detail", programme.pk)


def _say_kept(request: AuthenticatedHttpRequest, pledge: ProgrammePledge) -> None:
    kept = programmes.cohorts_keeping_their_pledge(
        pledge.programme, pledge.municipality, pledge.persons
    )
    if kept:
        messages.info(
            request,
            ngettext(
                "The cohort %(cohorts)s has finished matching and keeps the pledge it was "
                "matched with.",
                "The cohorts %(cohorts)s have finished matching and keep the pledge they were "
                "matched with.",
                len(kept),
            )
            % {"cohorts": ", ".join(kept)},
        )


@require_POST
@role_required(Role.COORDINATOR)
def programme_pledge_from_application(
    request: AuthenticatedHttpRequest, pk: int, application_pk: int
) -> HttpResponse:
    programme = _programme(request, pk)
    application = get_object_or_404(
        MunicipalityApplication.objects.visible_to(request.user), pk=application_pk
    )
    try:
        pledge = programmes.programme_pledge_from_application(
            programme=programme, application=application, by=request.user
        )
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(
            request,
            _("The pledge of %(municipality)s is now the %(persons)s persons of its application.")
            % {"municipality": pledge.municipality, "persons": pledge.persons},
        )
        _say_kept(request, pledge)
    return redirect("programme_detail", programme.pk)


@role_required(Role.COORDINATOR)
def programme_cohort_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = programmes.programme_cohort_add(
                programme=programme, by=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The cohort was created. The pledged municipalities are invited; their"
                    " latest questionnaire of the programme was carried over."
                ),
            )
            return redirect("round_detail", round_.pk)
    return render(
        request, "municipalities/programme_cohort_form.html", {"form": form, "programme": programme}
    )
