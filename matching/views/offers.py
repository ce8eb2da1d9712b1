"""Offers as each side sees them: the municipality an anonymised profile, the household the
municipality and why it was proposed. Every answer, the travel date and the arrival ask once
(core.confirm) and then report the new state and what happens next."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core import confirm
from core.formatting import local_date, local_datetime
from core.forms import add_errors
from core.validation import show_error
from matching import guidance
from matching.anonymise import profile_read
from matching.forms import ReasonForm, TravelDateForm
from matching.models import Answer, Offer
from matching.offer_table import offer_table
from matching.reasons import Override
from matching.services import offers as services

# The run's large documents (utilisation per municipality, the stability check): the offer
# page reads only the run's pins and bans, and it is what a national round's households open.
RUN_DOCUMENTS = ("run__utilisation", "run__stability", "run__fair_share", "run__forecast_summary")


def _offer(request: AuthenticatedHttpRequest, pk: int) -> Offer:
    offers = (
        Offer.objects.visible_to(request.user)
        .select_related("household__caseworker", "household__organisation", "municipality")
        .select_related("round", "run")
        .defer(*RUN_DOCUMENTS)
    )
    return get_object_or_404(offers, pk=pk)


def _side(user, offer: Offer) -> str:
    if user.is_municipal_staff:
        return guidance.MUNICIPALITY
    if user.is_refugee or user.is_caseworker:
        return guidance.HOUSEHOLD
    return "coordinator"


@require_safe
@login_required
def offer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_coordinator:
        return redirect("dashboard")
    table = offer_table(request.user, request.GET)
    template = "matching/offer_list_household.html" if request.user.is_refugee else None
    return render(request, template or "matching/offer_list.html", table)


@require_safe
@login_required
def offer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _offer(request, pk))


def _detail(
    request: AuthenticatedHttpRequest,
    offer: Offer,
    travel_form: TravelDateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The offer's page; ``travel_form`` a refused travel date with its message."""
    user = request.user
    side = _side(user, offer)
    context = {
        "offer": offer,
        "side": side,
        "state": guidance.state(offer, side),
        "next_steps": guidance.next_steps(offer, side),
        "travel_form": travel_form or TravelDateForm(initial={"travel_date": offer.travel_date}),
        "can_answer_household": services.may_answer_for_household(user, offer),
        "can_answer_municipality": services.may_answer_for_municipality(user, offer),
        "can_set_travel_date": services.may_set_travel_date(user, offer),
    }
    if user.is_municipal_staff:
        context["profile"] = profile_read(offer, user)
        template = "matching/offer_municipality.html"
    elif user.is_refugee:
        context["questionnaire"] = _questionnaire(offer)
        context["reasons"] = guidance.household_reasons(offer)
        template = "matching/offer_household.html"
    else:
        context["profile"] = profile_read(offer, user)
        context["questionnaire"] = _questionnaire(offer)
        template = "matching/offer_staff.html"
    return render(request, template, context, status=status)


def _questionnaire(offer: Offer):
    return offer.municipality.questionnaires.filter(round=offer.round).first()


def _answer_confirmation(offer: Offer, side: str, accept: bool) -> confirm.Confirmation:
    name, ref = offer.municipality.name, offer.household.reference
    back = reverse("offer_detail", args=[offer.pk])
    deadline = local_datetime(offer.deadline)
    if side == guidance.HOUSEHOLD and accept:
        return confirm.Confirmation(
            title=_("Accept the offer?"),
            question=_("Do you want to move to %(name)s?") % {"name": name},
            confirm_label=_("Yes, accept the offer"),
            cancel_url=back,
            consequences=[
                (
                    _("%(name)s has confirmed the offer already: with your yes, both sides agree.")
                    % {"name": name}
                    if offer.municipality_answer == Answer.YES
                    else _("%(name)s still has to answer, by %(when)s at the latest.")
                    % {"name": name, "when": deadline}
                ),
                _(
                    "When both sides have accepted, %(name)s learns your names and your "
                    "caseworker organises the move with you."
                )
                % {"name": name},
                _(
                    "You cannot take the answer back here; talk to your caseworker if your "
                    "situation changes."
                ),
            ],
        )
    if side == guidance.HOUSEHOLD:
        return confirm.Confirmation(
            title=_("Decline the offer?"),
            question=_("Do you want to decline the offer of %(name)s?") % {"name": name},
            confirm_label=_("Yes, decline the offer"),
            cancel_url=back,
            danger=True,
            consequences=[
                _("%(name)s will not be proposed to you again in this round.") % {"name": name},
                _("You stay in the round and may receive another offer."),
            ],
        )
    if accept:
        return confirm.Confirmation(
            title=_("Confirm the household?"),
            question=_("Do you confirm household %(ref)s for %(name)s?")
            % {"ref": ref, "name": name},
            confirm_label=_("Yes, confirm"),
            cancel_url=back,
            consequences=[
                _(
                    "If the household accepts too, you see the names and the caseworker's contact "
                    "to organise the move."
                ),
                _("The places stay reserved for this household until it answers (by %(when)s).")
                % {"when": deadline},
            ],
        )
    return confirm.Confirmation(
        title=_("Raise an objection?"),
        question=_("Do you object to household %(ref)s for %(name)s?") % {"ref": ref, "name": name},
        confirm_label=_("Yes, raise the objection"),
        cancel_url=back,
        danger=True,
        consequences=[
            _("The offer is closed and the household is not proposed to you again in this round."),
            _("The places are free again for another household."),
        ],
    )


def _reason_form(side: str, data=None) -> ReasonForm:
    if side == guidance.HOUSEHOLD:
        return ReasonForm(
            data,
            override=Override.DECLINE,
            label=_("Why do you decline?"),
            help_text=_(
                "Only your caseworker and the coordination see your reason; it helps us to "
                "make a better offer next time."
            ),
        )
    return ReasonForm(
        data,
        override=Override.OBJECTION,
        label=_("Reason for the objection"),
        help_text=_("Only the coordination sees this reason."),
    )


@require_POST
@login_required
def offer_answer(request: AuthenticatedHttpRequest, pk: int, side: str) -> HttpResponse:
    offer = _offer(request, pk)
    may_answer = {
        guidance.HOUSEHOLD: services.may_answer_for_household,
        guidance.MUNICIPALITY: services.may_answer_for_municipality,
    }.get(side)
    if may_answer is None or not may_answer(request.user, offer):
        raise PermissionDenied
    answer = request.POST.get("answer")
    if answer not in ("yes", "no"):
        messages.error(request, _("Please choose an answer."))
        return redirect("offer_detail", pk=offer.pk)
    accept = answer == "yes"
    confirmation = _answer_confirmation(offer, side, accept)
    confirmed = confirm.is_confirmed(request)
    form = None if accept else _reason_form(side, request.POST if confirmed else None)
    if not confirmed or (form is not None and not form.is_valid()):
        return confirm.ask(request, confirmation, carry={"answer": answer}, form=form)
    service = (
        services.offer_answer_household
        if side == guidance.HOUSEHOLD
        else services.offer_answer_municipality
    )
    reason = form.cleaned_data["reason"] if form is not None else ""
    code = form.cleaned_data["reason_code"] if form is not None else ""
    try:
        offer = service(
            offer=offer, by=request.user, accept=accept, reason=reason, reason_code=code
        )
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(
            request,
            _("Your answer was saved. %(state)s") % {"state": guidance.state(offer, side)},
        )
    return redirect("offer_detail", pk=offer.pk)


@require_POST
@login_required
def offer_travel_date(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    if not services.may_set_travel_date(request.user, offer):
        raise PermissionDenied
    form = TravelDateForm(request.POST)
    if form.is_valid():
        try:  # refused before the question, not after the person confirmed
            services.travel_date_check(offer=offer, travel_date=form.cleaned_data["travel_date"])
        except ValidationError as error:
            add_errors(form, error)
    if not form.is_valid():
        return _detail(request, offer, travel_form=form, status=400)
    travel_date = form.cleaned_data["travel_date"]
    if not confirm.is_confirmed(request):
        when = local_date(travel_date)
        return confirm.ask(
            request,
            confirm.Confirmation(
                title=_("Set the travel date?"),
                question=_("Household %(ref)s travels to %(name)s on %(date)s.")
                % {"ref": offer.household.reference, "name": offer.municipality.name, "date": when},
                confirm_label=_("Yes, set the travel date"),
                cancel_url=reverse("offer_detail", args=[offer.pk]),
                consequences=[
                    *guidance.told_of_travel_date(offer, request.user),
                    _("The municipality confirms the arrival once the household is there."),
                ],
            ),
            carry={"travel_date": travel_date.isoformat()},
        )
    try:
        offer = services.offer_set_travel_date(
            offer=offer, by=request.user, travel_date=travel_date
        )
    except ValidationError as error:
        show_error(request, error)
    else:
        told = " ".join(guidance.told_of_travel_date(offer, request.user))
        messages.success(
            request,
            _("The travel date %(date)s was saved.") % {"date": local_date(offer.travel_date)}
            + " "
            + told,
        )
    return redirect("offer_detail", pk=offer.pk)


@require_POST
@role_required(Role.MUNICIPAL_STAFF)
def offer_arrival(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    if not services.may_answer_for_municipality(request.user, offer):
        raise PermissionDenied
    if not confirm.is_confirmed(request):
        return confirm.ask(
            request,
            confirm.Confirmation(
                title=_("Confirm the arrival?"),
                question=_("Has household %(ref)s arrived in %(name)s?")
                % {"ref": offer.household.reference, "name": offer.municipality.name},
                confirm_label=_("Yes, the household has arrived"),
                cancel_url=reverse("offer_detail", args=[offer.pk]),
                consequences=[
                    _("The household is marked as relocated; the relocation is complete."),
                    _(
                        "The evaluation surveys of the household and the municipality start from "
                        "the arrival."
                    ),
                ],
            ),
        )
    try:
        services.offer_confirm_arrival(offer=offer, by=request.user)
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(request, _("The arrival was confirmed. The household is relocated."))
    return redirect("offer_detail", pk=offer.pk)
