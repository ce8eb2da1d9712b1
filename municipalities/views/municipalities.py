"""Municipality master data: coordinators list, create and edit; staff keep contact details
and description of their own municipality up to date."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Invitation
from accounts.permissions import role_required
from accounts.roles import Role
from core import confirm
from core.forms import add_errors
from municipalities.forms import MunicipalityForm, MunicipalityProfileForm, StaffAddForm
from municipalities.models import Municipality, RoundMunicipality, StaffMembership
from municipalities.services import questionnaires as services
from municipalities.services import staff

PORTAL_ROLES = (Role.COORDINATOR, Role.MUNICIPAL_STAFF)
MUNICIPALITIES_PER_PAGE = 100


@require_safe
@role_required(*PORTAL_ROLES)
def municipality_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A page of 100: a national programme has 400 districts and more, whose rows took half a
    second to render on every view. The counts are per-row subqueries, not joins of the staff
    and the rounds multiplied with each other."""
    visible = Municipality.objects.visible_to(request.user)
    if request.user.is_municipal_staff:
        first = list(visible.values_list("slug", flat=True)[:2])
        if len(first) == 1:  # staff of one municipality go straight to it, in one query
            return redirect("municipality_detail", first[0])
    # The counts only for the list: building their subqueries cost the redirect above a
    # third of its time.
    municipalities = visible.annotate(
        staff_count=_count(StaffMembership), round_count=_count(RoundMunicipality)
    )
    page = Paginator(municipalities, MUNICIPALITIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "municipalities/municipality_list.html",
        {"municipalities": page.object_list, "page": page},
    )


def _count(model) -> Coalesce:
    rows = model.objects.filter(municipality=OuterRef("pk")).order_by().values("municipality")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


@role_required(Role.COORDINATOR)
def municipality_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = MunicipalityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            municipality = services.municipality_create(by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The municipality was created."))
            return redirect("municipality_detail", municipality.slug)
    return render(request, "municipalities/municipality_form.html", {"form": form})


@require_safe
@role_required(*PORTAL_ROLES)
def municipality_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality.objects.visible_to(request.user), slug=slug)
    return _detail(request, municipality, StaffAddForm())


def _detail(
    request: AuthenticatedHttpRequest,
    municipality: Municipality,
    staff_form: StaffAddForm,
    status: int = 200,
) -> HttpResponse:
    participations = (
        RoundMunicipality.objects.filter(municipality=municipality)
        .select_related("round")
        .order_by("-round__created_at")
    )
    context: dict[str, object] = {"municipality": municipality, "participations": participations}
    if request.user.is_coordinator:
        # Who can see this municipality's proposals and offers, and who is invited to.
        context["staff"] = staff.staff_of(municipality)
        context["invited"] = Invitation.objects.pending().filter(municipalities=municipality)
        context["staff_form"] = staff_form
    return render(request, "municipalities/municipality_detail.html", context, status=status)


@require_POST
@role_required(Role.COORDINATOR)
def staff_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality.objects.visible_to(request.user), slug=slug)
    form = StaffAddForm(request.POST)
    if form.is_valid():
        try:
            person = staff.staff_add(
                municipality=municipality, email=form.cleaned_data["email"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("%(person)s now has access to %(municipality)s.")
                % {"person": person, "municipality": municipality.name},
            )
            return redirect(f"{reverse('municipality_detail', args=[slug])}#staff")
    return _detail(request, municipality, form, status=400)


@require_POST
@role_required(Role.COORDINATOR)
def staff_remove(request: AuthenticatedHttpRequest, slug: str, user_id: int) -> HttpResponse:
    municipality = get_object_or_404(Municipality.objects.visible_to(request.user), slug=slug)
    back = f"{reverse('municipality_detail', args=[slug])}#staff"
    membership = staff.staff_of(municipality).filter(user_id=user_id).first()
    if membership is None:
        messages.info(request, _("This person had no access to the municipality (any more)."))
        return redirect(back)
    person = membership.user
    if not confirm.is_confirmed(request):
        return confirm.ask(
            request,
            confirm.Confirmation(
                title=_("Remove access?"),
                question=_("%(person)s will no longer have access to %(municipality)s.")
                % {"person": person, "municipality": municipality.name},
                confirm_label=_("Remove access"),
                cancel_url=back,
                facts=[(_("Name"), person.full_name or "–"), (_("E-mail address"), person.email)],
                consequences=[
                    _(
                        "From their next page on, they no longer see the municipality's "
                        "proposals, questionnaires and offers."
                    ),
                    _(
                        "Their account stays. To give access again, enter their e-mail address "
                        "under “Give access to an existing account”."
                    ),
                ],
                danger=True,
            ),
        )
    if staff.staff_remove(municipality=municipality, user_id=user_id, by=request.user):
        messages.success(
            request,
            _("%(person)s no longer has access to %(municipality)s.")
            % {"person": person, "municipality": municipality.name},
        )
    else:  # a second coordinator was quicker
        messages.info(request, _("This person had no access to the municipality (any more)."))
    return redirect(back)


@role_required(*PORTAL_ROLES)
def municipality_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality.objects.visible_to(request.user), slug=slug)
    form_class = MunicipalityForm if request.user.is_coordinator else MunicipalityProfileForm
    # The form validates a copy, so a rejected change never touches the instance shown.
    form = form_class(request.POST or None, instance=Municipality.objects.get(pk=municipality.pk))
    if request.method == "POST" and form.is_valid():
        try:
            municipality = services.municipality_update(
                municipality=municipality, by=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("municipality_detail", municipality.slug)
    return render(
        request,
        "municipalities/municipality_form.html",
        {"form": form, "municipality": municipality},
    )
