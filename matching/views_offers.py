"""Offers as each side sees them: the municipality an anonymised profile, the household the
municipality and why it was proposed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from matching import explain
from matching.anonymise import anonymised_profile
from matching.forms_runs import AnswerForm, TravelDateForm
from matching.models import Offer
from matching.services import offers as services


def _offer(request: AuthenticatedHttpRequest, pk: int) -> Offer:
    offers = Offer.objects.visible_to(request.user).select_related(
        "household", "municipality", "round"
    )
    return get_object_or_404(offers, pk=pk)


@login_required
def offer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_coordinator:
        return redirect("dashboard")
    offers = (
        Offer.objects.visible_to(request.user)
        .select_related("household", "municipality", "round")
        .order_by("-created_at")
    )
    return render(request, "matching/offer_list.html", {"offers": offers})


@login_required
def offer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    user = request.user
    context = {
        "offer": offer,
        "reasons": explain.lines(offer.explanation),
        "answer_form": AnswerForm(),
        "travel_form": TravelDateForm(initial={"travel_date": offer.travel_date}),
        "can_answer_household": services.may_answer_for_household(user, offer),
        "can_answer_municipality": services.may_answer_for_municipality(user, offer),
    }
    if user.is_municipal_staff:
        context["profile"] = anonymised_profile(offer)
        template = "matching/offer_municipality.html"
    elif user.is_refugee:
        context["questionnaire"] = _questionnaire(offer)
        template = "matching/offer_household.html"
    else:
        context["profile"] = anonymised_profile(offer)
        context["questionnaire"] = _questionnaire(offer)
        template = "matching/offer_staff.html"
    return render(request, template, context)


def _questionnaire(offer: Offer):
    return offer.municipality.questionnaires.filter(round=offer.round).first()


@require_POST
@login_required
def offer_answer(request: AuthenticatedHttpRequest, pk: int, side: str) -> HttpResponse:
    offer = _offer(request, pk)
    form = AnswerForm(request.POST)
    accept = request.POST.get("answer") == "yes"
    if not form.is_valid():
        messages.error(request, _("Please check your answer."))
        return redirect("offer_detail", pk=offer.pk)
    service = {
        "household": services.offer_answer_household,
        "municipality": services.offer_answer_municipality,
    }.get(side)
    if service is None:
        raise PermissionDenied
    try:
        service(offer=offer, by=request.user, accept=accept, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you, your answer was saved."))
    return redirect("offer_detail", pk=offer.pk)


@require_POST
@login_required
def offer_travel_date(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    form = TravelDateForm(request.POST)
    if form.is_valid():
        try:
            services.offer_set_travel_date(
                offer=offer, by=request.user, travel_date=form.cleaned_data["travel_date"]
            )
            messages.success(request, _("The travel date was saved."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Please enter a valid date."))
    return redirect("offer_detail", pk=offer.pk)


@require_POST
@role_required(Role.MUNICIPAL_STAFF)
def offer_arrival(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    try:
        services.offer_confirm_arrival(offer=offer, by=request.user)
        messages.success(request, _("The arrival was confirmed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("offer_detail", pk=offer.pk)
