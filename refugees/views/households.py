"""Caseworker portal for households. Coordinators read; caseworkers of the household's
organisation record and change; everyone else gets 403 (role) or 404 (another tenant)."""

from __future__ import annotations

from typing import Any, cast

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import select_template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Invitation
from accounts.permissions import role_required
from accounts.roles import Role
from accounts.services import invitations as account_services
from core import searches
from core.validation import show_error
from refugees import duplicates, forms, services
from refugees.models import CURRENT_CONSENT_VERSION, Household
from refugees.selectors import (
    completeness_percent,
    household_checklist,
    household_list,
    household_profile,
)
from refugees.steps import STEPS
from rounds.models import Round

READERS = (Role.COORDINATOR, Role.CASEWORKER)
PRINT_LANGUAGES = ("de", "uk", "en")


def _editable(request: AuthenticatedHttpRequest, pk: int) -> Household:
    return get_object_or_404(
        household_profile(request.user).filter(
            pk__in=Household.objects.editable_by(request.user).values("pk")
        ),
        pk=pk,
    )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _step(
    request: AuthenticatedHttpRequest, household: Household, step: str, **context: Any
) -> HttpResponse:
    # Each step page shows part of the profile (members with birth dates, needs): a read.
    services.household_view_log(household=household, by=request.user, part=step)
    checks = household_checklist(household)
    return render(
        request,
        f"refugees/step_{step}.html",
        {
            "household": household,
            "step": step,
            "checks": checks,
            "percent": completeness_percent(checks),
            "steps": _steps(household),
            **context,
        },
    )


def _steps(household: Household) -> list[tuple[str, str, Any]]:
    return [(key, reverse(url, args=[household.pk]), label) for key, url, label in STEPS]


SAVE_ANYWAY = duplicates.SAVE_ANYWAY


def _held_as_duplicate(request: HttpRequest, form, household_ids: set[int], message: str) -> bool:
    """A likely duplicate (:mod:`refugees.duplicates`) is saved only after the caseworker's
    explicit "save anyway": without it the form comes back with the warning, the references of
    the households found and the confirmation box. True when the save must wait."""
    if not household_ids or request.POST.get(SAVE_ANYWAY):
        return False
    _ask_save_anyway(
        form, message % {"references": ", ".join(duplicates.references(household_ids))}
    )
    return True


def _ask_save_anyway(form, warning: str) -> None:
    form.fields[SAVE_ANYWAY] = django_forms.BooleanField(
        label=_("Save anyway: this is a different household"), required=False
    )
    form.add_error(None, warning)


def _versioned(request: HttpRequest, form) -> int | None:
    value = form.cleaned_data.get("version")
    return int(value) if value is not None else None


# Names typed into the search never go into a URL (core.searches).
FILTERS = ("status", "consent", "round", "mine")


@role_required(*READERS)
def household_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    if searches.is_typed_search(request, text="q"):  # a bookmark with ?q= is moved too
        source = request.POST if request.method == "POST" else request.GET
        url = reverse("household_list")
        return searches.redirect_to_search(
            request, url, source, text="q", filters=FILTERS, max_length=forms.SEARCH_LENGTH
        )
    params = searches.search_params(request, text="q")
    form = forms.HouseholdSearchForm(params, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    households = household_list(request.user, query=data.get("q", ""), filters=data)
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "refugees/household_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@role_required(Role.CASEWORKER)
def household_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        household = services.household_create(by=request.user)
        messages.success(
            request,
            _("Household %(reference)s was created. Now record its members.")
            % {"reference": household.reference},
        )
        return redirect("household_members", pk=household.pk)
    return render(request, "refugees/household_create.html")


@require_safe
@role_required(*READERS)
def household_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(household_profile(request.user), pk=pk)
    services.household_view_log(household=household, by=request.user)
    checks = household_checklist(household)
    editable = Household.objects.editable_by(request.user).filter(pk=pk).exists()
    invitations = Invitation.objects.visible_to(request.user).filter(household=household)
    return render(
        request,
        "refugees/household_detail.html",
        {
            "household": household,
            "checks": checks,
            "percent": completeness_percent(checks),
            "editable": editable,
            "step": "overview",
            # Readers who may not edit (the coordination) see what is done, without links to
            # the steps they could not open.
            "steps": _steps(household) if editable else [],
            "invitations": invitations,
            "print_languages": PRINT_LANGUAGES,
        },
    )


@require_safe
@role_required(*READERS)
def household_print(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(household_profile(request.user), pk=pk)
    language = request.GET.get("lang", translation.get_language())
    if language not in PRINT_LANGUAGES:
        raise Http404
    services.household_view_log(household=household, by=request.user)
    with translation.override(language):
        return render(
            request,
            "refugees/household_print.html",
            {
                "household": household,
                "print_language": language,
                "print_languages": PRINT_LANGUAGES,
            },
        )


@role_required(Role.CASEWORKER)
def household_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = _editable(request, pk)
    initial = {
        "caseworker": household.caseworker,
        "status": household.status,
        "notes": household.notes,
        "version": household.version,
    }
    form = forms.HouseholdForm(request.POST or None, initial=initial, household=household)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.household_update(
                household=household, by=request.user, version=_versioned(request, form), data=data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The household was saved."))
            return redirect("household_detail", pk=pk)
    return _step(request, household, "basics", form=form)


@role_required(Role.CASEWORKER)
def household_members(
    request: AuthenticatedHttpRequest, pk: int, member_pk: int | None = None
) -> HttpResponse:
    household = _editable(request, pk)
    member = None
    if member_pk is not None:
        member = next((m for m in household.members.all() if m.pk == member_pk), None)
        if member is None:
            raise Http404
    form = forms.MemberForm(
        request.POST or None, instance=member, initial={"version": household.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.member_save(
                household=household,
                by=request.user,
                version=_versioned(request, form),
                data=form.cleaned_data,
                member=member,
                save_anyway=bool(request.POST.get(SAVE_ANYWAY)),
            )
        except duplicates.LikelyDuplicate as error:
            message = _(
                "A person with this name and date of birth is recorded already, in household "
                "%(references)s of your organisation. Please check whether the household was "
                "recorded twice. If it is a different person, confirm and save again."
            )
            _ask_save_anyway(form, message % {"references": ", ".join(error.references)})
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The member was saved."))
            return redirect("household_members", pk=pk)
    return _step(request, household, "members", form=form, member=member)


@require_POST
@role_required(Role.CASEWORKER)
def member_remove(request: AuthenticatedHttpRequest, pk: int, member_pk: int) -> HttpResponse:
    household = _editable(request, pk)
    member = get_object_or_404(household.members.all(), pk=member_pk)
    try:
        services.member_remove(household=household, by=request.user, version=None, member=member)
        messages.success(request, _("The member was removed."))
    except ValidationError as error:
        show_error(request, error)
    return redirect("household_members", pk=pk)


def _save_step(request, household, step: str, form, service, saved: str, next_step: str):
    """The common shape of a guided-form step: validate, save through the service with the
    household's version, then go on to the next step (or show the errors next to the fields)."""
    if request.method == "POST" and form.is_valid():
        try:
            service(
                household=household,
                by=request.user,
                version=_versioned(request, form),
                data=form.cleaned_data,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, saved)
            return redirect(next_step, pk=household.pk)
    return _step(request, household, step, form=form)


@role_required(Role.CASEWORKER)
def household_needs(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = _editable(request, pk)
    form = forms.NeedsForm(
        request.POST or None,
        instance=household.needs_or_default,
        initial={"version": household.version},
    )
    return _save_step(
        request,
        household,
        "needs",
        form,
        services.needs_update,
        _("The needs were saved."),
        "household_preferences",
    )


@role_required(Role.CASEWORKER)
def household_preferences(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = _editable(request, pk)
    form = forms.PreferencesForm(
        request.POST or None,
        instance=household.preferences_or_default,
        initial={"version": household.version},
    )
    return _save_step(
        request,
        household,
        "preferences",
        form,
        services.preferences_update,
        _("The preferences were saved."),
        "household_relatives",
    )


@role_required(Role.CASEWORKER)
def household_relatives(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = _editable(request, pk)
    form = forms.RelativeForm(request.POST or None, initial={"version": household.version})
    return _save_step(
        request,
        household,
        "relatives",
        form,
        services.relative_add,
        _("The relative or friend was added."),
        "household_relatives",
    )


@require_POST
@role_required(Role.CASEWORKER)
def relative_remove(request: AuthenticatedHttpRequest, pk: int, relative_pk: int) -> HttpResponse:
    household = _editable(request, pk)
    relative = get_object_or_404(household.relatives.all(), pk=relative_pk)
    services.relative_remove(household=household, by=request.user, version=None, relative=relative)
    messages.success(request, _("Removed."))
    return redirect("household_relatives", pk=pk)


@role_required(Role.CASEWORKER)
def household_links(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = _editable(request, pk)
    form = forms.LinkForm(request.POST or None, household=household, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_link(
                household=household, other=form.cleaned_data["other"], by=request.user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The households are now linked."))
            return redirect("household_links", pk=pk)
    candidates = cast(
        ModelChoiceField, form.fields["other"]
    ).queryset.values_list(  # type: ignore[union-attr]
        "reference", flat=True
    )[:500]
    return _step(request, household, "links", form=form, candidates=candidates)


@require_POST
@role_required(Role.CASEWORKER)
def household_unlink(request: AuthenticatedHttpRequest, pk: int, other_pk: int) -> HttpResponse:
    household = _editable(request, pk)
    other = get_object_or_404(household.linked_households.all(), pk=other_pk)
    try:
        services.household_unlink(household=household, other=other, by=request.user)
        messages.success(request, _("The link was removed."))
    except ValidationError as error:
        show_error(request, error)
    return redirect("household_links", pk=pk)


def consent_text_template(version: str, language: str) -> str:
    return select_template(
        [f"refugees/consent/{version}.{language}.html", f"refugees/consent/{version}.de.html"]
    ).template.name


@role_required(Role.CASEWORKER)
def household_consent(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = _editable(request, pk)
    form = forms.ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        given_at = form.cleaned_data["given_at"]
        try:
            services.consent_record(
                household=household,
                by=request.user,
                text_version=form.cleaned_data["text_version"],
                given_at=given_at,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect("household_rounds", pk=pk)
    version = CURRENT_CONSENT_VERSION
    texts = [(code, consent_text_template(version, code)) for code in ("de", "uk", "en")]
    return _step(request, household, "consent", form=form, texts=texts, version=version)


@require_POST
@role_required(Role.CASEWORKER)
def consent_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = _editable(request, pk)
    try:
        services.consent_withdraw(household=household, by=request.user)
        messages.success(
            request, _("The consent was withdrawn. The household left all open rounds.")
        )
    except ValidationError as error:
        show_error(request, error)
    return redirect("household_consent", pk=pk)


@role_required(Role.CASEWORKER)
def household_rounds(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = _editable(request, pk)
    form = forms.RoundAddForm(request.POST or None, household=household, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_household_add(
                round=form.cleaned_data["round"], household=household, by=request.user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The household was added to the round."))
            return redirect("household_rounds", pk=pk)
    return _step(request, household, "rounds", form=form)


@require_POST
@role_required(Role.CASEWORKER)
def round_remove(request: AuthenticatedHttpRequest, pk: int, round_pk: int) -> HttpResponse:
    household = _editable(request, pk)
    round_ = get_object_or_404(Round.objects.visible_to(request.user), pk=round_pk)
    try:
        services.round_household_remove(round=round_, household=household, by=request.user)
        messages.success(request, _("The household was taken out of the round."))
    except ValidationError as error:
        show_error(request, error)
    return redirect("household_rounds", pk=pk)


@role_required(Role.CASEWORKER)
def household_account(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = _editable(request, pk)
    contact = household.contact_member
    form = forms.InviteForm(
        request.POST or None, initial={"full_name": contact.full_name if contact else ""}
    )
    if request.method == "POST" and form.is_valid():
        same_email = duplicates.households_with_email(
            household.organisation_id, form.cleaned_data["email"], exclude=household.pk
        )
        message = _(
            "The contact person of household %(references)s of your organisation has this e-mail "
            "address already. Please check whether the household was recorded twice. If not, "
            "confirm and send again."
        )
        if _held_as_duplicate(request, form, same_email, message):
            invitations = Invitation.objects.visible_to(request.user).filter(household=household)
            return _step(request, household, "account", form=form, invitations=invitations)
        try:
            account_services.invitation_create(
                by=request.user, role=Role.REFUGEE, household=household, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The invitation was sent to the contact person."))
            return redirect("household_account", pk=pk)
    invitations = Invitation.objects.visible_to(request.user).filter(household=household)
    return _step(request, household, "account", form=form, invitations=invitations)
