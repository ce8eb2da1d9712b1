"""Handing a caseworker's households over to a colleague: coordinators, when someone leaves a
partner organisation (their account deactivated) or is away for a long time."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organisation, User
from accounts.permissions import role_required
from accounts.roles import Role
from core import confirm
from core.forms import add_errors
from refugees import forms, services
from refugees.models import Household


@role_required(Role.COORDINATOR)
def household_hand_over(request: AuthenticatedHttpRequest, pk: int, user_id: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    person = get_object_or_404(
        User.objects.filter(organisation=organisation, role=Role.CASEWORKER), pk=user_id
    )
    back = f"{reverse('organisation_detail', args=[pk])}#caseworkers"
    count = Household.objects.filter(organisation=organisation, caseworker=person).count()
    if not count:
        messages.info(
            request, _("%(person)s looks after no households (any more).") % {"person": person}
        )
        return redirect(back)
    form = forms.HandOverForm(
        request.POST if confirm.is_confirmed(request) else None, from_user=person
    )
    if form.is_bound and form.is_valid():
        to = form.cleaned_data["to"]
        try:
            moved = services.households_hand_over(from_user=person, to_user=to, by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d household was handed over to %(person)s.",
                    "%(count)d households were handed over to %(person)s.",
                    moved,
                )
                % {"count": moved, "person": to},
            )
            return redirect(back)
    colleagues = form.fields["to"].queryset.exists()  # type: ignore[attr-defined]
    return confirm.ask(
        request,
        confirm.Confirmation(
            title=_("Hand over households"),
            question=ngettext(
                "%(person)s looks after %(count)d household. Who takes it over?",
                "%(person)s looks after %(count)d households. Who takes them over?",
                count,
            )
            % {"person": person, "count": count},
            confirm_label=_("Hand over"),
            cancel_url=back,
            facts=[
                (_("Caseworker"), str(person)),
                (_("Partner organisation"), organisation.name),
                (_("Status"), _("active") if person.is_active else _("deactivated")),
                (_("Households"), str(count)),
            ],
            consequences=confirm.lines(
                _(
                    "The households appear under “only mine” for the caseworker you choose; "
                    "each change is recorded in the households' audit log."
                ),
                _(
                    "Nothing else changes: every caseworker of the organisation keeps seeing "
                    "every household."
                ),
                None
                if colleagues
                else _("The organisation has no other active caseworker yet: invite one first."),
            ),
        ),
        form=form,
        status=400 if form.is_bound else 200,
    )
