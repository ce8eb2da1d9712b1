"""The evaluation workshop: the coordinator plans it and sees who comes; municipal staff
register from their dashboard and take the date into their calendar."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core.validation import show_error
from evaluation.models import Workshop
from evaluation.services import workshops as services
from rounds.models import Round


class WorkshopForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = services.WORKSHOP_FIELDS
        widgets = {
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "ends_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "place": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        rounds = cast(forms.ModelChoiceField, self.fields["round"])
        rounds.queryset = Round.objects.order_by("-created_at")


def _workshop(request: AuthenticatedHttpRequest, pk: int) -> Workshop:
    return get_object_or_404(Workshop.objects.visible_to(request.user), pk=pk)


@require_safe
@role_required(Role.COORDINATOR)
def workshop_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    workshops = Workshop.objects.select_related("round").order_by("-starts_at")
    return render(request, "evaluation/workshop_list.html", {"workshops": workshops})


@role_required(Role.COORDINATOR)
def workshop_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    workshop = _workshop(request, pk) if pk else None
    form = WorkshopForm(request.POST or None, instance=workshop)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.workshop_save(
                by=request.user, data=form.cleaned_data, workshop=workshop
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The workshop was saved."))
            return redirect("workshop_detail", pk=saved.pk)
    return render(request, "evaluation/workshop_form.html", {"form": form, "workshop": workshop})


@require_safe
@role_required(Role.COORDINATOR, Role.MUNICIPAL_STAFF)
def workshop_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    workshop = _workshop(request, pk)
    registrations = workshop.registrations.select_related("user", "municipality")
    mine = registrations.filter(user=request.user).first()
    return render(
        request,
        "evaluation/workshop_detail.html",
        {
            "workshop": workshop,
            "registrations": registrations if request.user.is_coordinator else None,
            "registration": mine,
            "places_left": services.places_left(workshop),
            "municipalities": services.municipalities_for(workshop, request.user),
        },
    )


@require_POST
@role_required(Role.MUNICIPAL_STAFF)
def workshop_register(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    workshop = _workshop(request, pk)
    choices = {str(m.pk): m for m in services.municipalities_for(workshop, request.user)}
    municipality = choices.get(request.POST.get("municipality", ""))
    if municipality is None and len(choices) == 1:
        municipality = next(iter(choices.values()))
    if municipality is None:
        messages.error(request, _("Choose the municipality you come for."))
        return redirect("workshop_detail", pk=pk)
    try:
        services.workshop_register(workshop=workshop, by=request.user, municipality=municipality)
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(
            request, _("You are registered. Add the date to your calendar with the file below.")
        )
    return redirect("workshop_detail", pk=pk)


@require_POST
@role_required(Role.MUNICIPAL_STAFF)
def workshop_unregister(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    workshop = _workshop(request, pk)
    try:
        services.workshop_unregister(workshop=workshop, by=request.user)
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Your registration was cancelled."))
    return redirect("workshop_detail", pk=pk)


@require_safe
@role_required(Role.COORDINATOR, Role.MUNICIPAL_STAFF)
def workshop_ics(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    workshop = _workshop(request, pk)
    response = HttpResponse(
        services.workshop_calendar(workshop), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="workshop-{workshop.pk}.ics"'
    return response
