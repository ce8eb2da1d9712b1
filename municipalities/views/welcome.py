"""The municipality's staff say who welcomes arrivals."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from municipalities.forms import WelcomeForm
from municipalities.models import Municipality
from municipalities.services.welcome import welcome_of, welcome_save


@role_required(Role.COORDINATOR, Role.MUNICIPAL_STAFF)
def welcome_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality.objects.visible_to(request.user), slug=slug)
    form = WelcomeForm(request.POST or None, instance=welcome_of(municipality))
    if request.method == "POST" and form.is_valid():
        try:
            welcome_save(municipality=municipality, by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The welcome contact was saved."))
            return redirect("municipality_detail", slug=slug)
    return render(
        request, "municipalities/welcome_form.html", {"form": form, "municipality": municipality}
    )
