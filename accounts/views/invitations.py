from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import target_type_filter
from accounts.audit_labels import action_filter
from accounts.forms import (
    AUDIT_ACTOR_LENGTH,
    AUDIT_FILTERS,
    AuditFilterForm,
    InvitationAcceptForm,
    InvitationForm,
)
from accounts.http import AuthenticatedHttpRequest
from accounts.models import AuditEvent, Invitation, InvitationStatus
from accounts.permissions import role_required
from accounts.roles import Role
from accounts.services import invitations as services
from core import searches
from core.redirects import redirect_back
from core.validation import show_error


@role_required(Role.COORDINATOR)
def invitation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The invitation was sent."))
            return redirect("invitation_list")
    invitations = (
        Invitation.objects.visible_to(request.user)
        .select_related("invited_by", "organisation")
        .prefetch_related("municipalities")
    )
    status = request.GET.get("status", "")
    if status not in InvitationStatus.values:
        status = ""  # an unknown or empty filter shows every invitation
    if status:
        invitations = invitations.with_status(status)
    page = Paginator(invitations, 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "status": status,
        "status_choices": InvitationStatus.choices,
        "query": f"status={status}" if status else "",  # kept by the page links
    }
    return render(request, "accounts/invitation_list.html", context)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_POST
@role_required(Role.COORDINATOR, Role.CASEWORKER)
def invitation_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.visible_to(request.user), pk=pk)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
        messages.success(request, _("The invitation was revoked."))
    except ValidationError as error:
        show_error(request, error)
    return redirect_back(request, "invitation_list")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.by_token(token).first()
    if invitation is None or not invitation.is_usable:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        messages.info(request, _("Please sign out before you accept an invitation."))
        return redirect("dashboard")
    form = InvitationAcceptForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data.get("password1"),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            from allauth.account.adapter import get_adapter

            get_adapter(request).login(request, user)
            messages.success(request, _("Welcome to Re:Match."))
            return redirect("dashboard")
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation}
    )


@role_required(Role.COORDINATOR)
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The actor's e-mail address never goes into a URL (core.searches).
    if searches.is_typed_search(request, text="actor"):
        source = request.POST if request.method == "POST" else request.GET
        return searches.redirect_to_search(
            request,
            reverse("audit_log"),
            source,
            text="actor",
            filters=AUDIT_FILTERS,
            max_length=AUDIT_ACTOR_LENGTH,
        )
    params = searches.search_params(request, text="actor")
    form = AuditFilterForm(params if request.GET else None)
    events = AuditEvent.objects.select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action_filter(data["action"]))
        if data["actor"]:
            events = events.filter(actor_label__icontains=data["actor"])
        if data["target_type"]:
            events = events.filter(target_type_filter(data["target_type"]))
        if data["target_id"]:
            events = events.filter(target_id=data["target_id"])
        if data["since"]:
            events = events.filter(at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(at__date__lte=data["until"])
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "accounts/audit_log.html", {"form": form, "page": page, "query": query.urlencode()}
    )
