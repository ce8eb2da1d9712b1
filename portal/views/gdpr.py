"""Data protection pages for a household: its data export (Art. 15, 20 GDPR) and erasure on
request (Art. 17)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from portal import gdpr
from portal.gdpr.export import EXPORT_KINDS
from refugees.forms import EraseForm
from refugees.models import Household

EXPORTERS = (Role.COORDINATOR, Role.CASEWORKER, Role.REFUGEE)


@require_safe
@role_required(*EXPORTERS)
def household_export(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in EXPORT_KINDS:
        raise Http404
    household = get_object_or_404(Household.objects.visible_to(request.user), pk=pk)
    content, content_type, name = gdpr.household_export(
        household=household, by=request.user, kind=kind
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.COORDINATOR)
def household_erase(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(Household.objects.visible_to(request.user), pk=pk)
    form = EraseForm(request.POST or None)
    if household.anonymised_at is None and request.method == "POST" and form.is_valid():
        try:
            gdpr.household_anonymise(
                household=household, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The household's personal data was erased."))
            return redirect("household_detail", pk=pk)
    return render(request, "refugees/gdpr/erase.html", {"household": household, "form": form})
