"""Partner organisations for coordinators: list and add them, keep their details, see their
caseworkers and deactivate the account of someone who left."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.forms import OrganisationForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organisation
from accounts.permissions import role_required
from accounts.roles import Role
from accounts.services import organisations as services
from core import confirm
from core.forms import add_errors


@role_required(Role.COORDINATOR)
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The partner organisation was added."))
            return redirect("organisation_detail", organisation.pk)
    organisations = Organisation.objects.annotate(
        caseworkers=Count(
            "members", filter=Q(members__role=Role.CASEWORKER, members__is_active=True)
        )
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/organisation_list.html",
        {"form": form, "organisations": organisations},
        status=status,
    )


@role_required(Role.COORDINATOR)
def organisation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    # The form validates a copy, so a rejected change never touches the instance shown.
    form = OrganisationForm(
        request.POST or None, instance=Organisation.objects.get(pk=organisation.pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                organisation=organisation, by=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("organisation_detail", organisation.pk)
    context = {
        "organisation": organisation,
        "form": form,
        # Households' reverse relation only: accounts imports nothing of the apps above it.
        "caseworkers": services.caseworkers_of(organisation).annotate(
            looks_after=Count(
                "households_managed", filter=Q(households_managed__organisation=organisation)
            )
        ),
        "households": organisation.households.count(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/organisation_detail.html", context, status=status)


@require_POST
@role_required(Role.COORDINATOR)
def caseworker_deactivate(request: AuthenticatedHttpRequest, pk: int, user_id: int) -> HttpResponse:
    return _set_active(request, pk, user_id, active=False)


@require_POST
@role_required(Role.COORDINATOR)
def caseworker_reactivate(request: AuthenticatedHttpRequest, pk: int, user_id: int) -> HttpResponse:
    return _set_active(request, pk, user_id, active=True)


def _set_active(
    request: AuthenticatedHttpRequest, pk: int, user_id: int, *, active: bool
) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    person = get_object_or_404(services.caseworkers_of(organisation), pk=user_id)
    back = f"{reverse('organisation_detail', args=[pk])}#caseworkers"
    looks_after = person.households_managed.filter(organisation=organisation).count()
    if not active and person.is_active and not confirm.is_confirmed(request):
        return confirm.ask(
            request,
            confirm.Confirmation(
                title=_("Deactivate the account?"),
                question=_("%(person)s can then no longer sign in to Re:Match.")
                % {"person": person},
                confirm_label=_("Deactivate the account"),
                cancel_url=back,
                facts=[
                    (_("Name"), person.full_name or "–"),
                    (_("E-mail address"), person.email),
                    (_("Partner organisation"), organisation.name),
                ],
                consequences=confirm.lines(
                    _(
                        "Every session of the account ends at its next page, and its API "
                        "tokens stop working: it no longer sees the organisation's households."
                    ),
                    _(
                        "The households stay with the organisation; its other caseworkers "
                        "continue their work."
                    ),
                    ngettext(
                        "%(person)s looks after %(count)d household: next you choose who "
                        "takes it over.",
                        "%(person)s looks after %(count)d households: next you choose who "
                        "takes them over.",
                        looks_after,
                    )
                    % {"person": person, "count": looks_after}
                    if looks_after
                    else "",
                    _("The account and its entries in the audit log stay; you can reactivate it."),
                ),
                danger=True,
            ),
        )
    services.caseworker_set_active(
        organisation=organisation, user_id=person.pk, active=active, by=request.user
    )
    if active:
        messages.success(request, _("%(person)s can sign in again.") % {"person": person})
    else:
        messages.success(
            request, _("The account of %(person)s is deactivated.") % {"person": person}
        )
        if looks_after:  # the households want someone who looks after them
            return redirect("household_hand_over", pk, person.pk)
    return redirect(back)
