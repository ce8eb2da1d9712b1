"""Coordinators review the applications of municipalities to join."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.audit import audit_log
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core.validation import show_error
from municipalities.forms import ApplicationApproveForm, ApplicationDeclineForm
from municipalities.models import ApplicationStatus, Municipality, MunicipalityApplication
from municipalities.services import applications as services


def _application(request: AuthenticatedHttpRequest, pk: int) -> MunicipalityApplication:
    return get_object_or_404(MunicipalityApplication.objects.visible_to(request.user), pk=pk)


@require_safe
@role_required(Role.COORDINATOR)
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ApplicationStatus.PENDING
    applications = MunicipalityApplication.objects.visible_to(request.user).reviewable()
    if status in ApplicationStatus.values:
        applications = applications.filter(status=status)
    page = Paginator(applications, 50).get_page(request.GET.get("page"))
    statuses = [s for s in ApplicationStatus if s != ApplicationStatus.UNCONFIRMED]
    return render(
        request,
        "municipalities/application_list.html",
        {"page": page, "status": status, "statuses": statuses},
    )


@require_safe
@role_required(Role.COORDINATOR)
def application_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    audit_log(actor=request.user, action="municipalities.application.viewed", target=application)
    return render(
        request,
        "municipalities/application_detail.html",
        {
            "application": application,
            "duplicates": MunicipalityApplication.objects.same_municipality(application),
            "existing": Municipality.objects.filter(ags=application.ags).first(),
            "decline_form": ApplicationDeclineForm(),
            "approve_form": ApplicationApproveForm(application=application),
        },
    )


@require_POST
@role_required(Role.COORDINATOR)
def application_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    form = ApplicationApproveForm(request.POST, application=application)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("application_detail", pk=pk)
    try:
        municipality, invitation = services.application_approve(
            application=application, by=request.user, programme=form.cleaned_data["programme"]
        )
    except ValidationError as error:
        show_error(request, error)
        return redirect("application_detail", pk=pk)
    messages.success(
        request,
        _("%(name)s was created and %(email)s was invited as its staff.")
        % {"name": municipality.name, "email": invitation.email},
    )
    return redirect("municipality_detail", slug=municipality.slug)


@require_POST
@role_required(Role.COORDINATOR)
def application_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    form = ApplicationDeclineForm(request.POST)
    if form.is_valid():
        try:
            services.application_decline(
                application=application, by=request.user, reply=form.cleaned_data["reply"]
            )
        except ValidationError as error:
            show_error(request, error)
        else:
            messages.success(request, _("The application was declined and the applicant told."))
            return redirect("application_list")
    return redirect("application_detail", pk=pk)
