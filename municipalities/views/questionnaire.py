"""A municipality's part in a round: the pledge and the capacity questionnaire, one page per
section. Staff see only their own municipalities (others answer 404); coordinators see all."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from core.forms import add_errors
from core.validation import show_error
from municipalities.exports import answer_display
from municipalities.forms import SECTION_FORMS, HousingUnitForm, PledgeForm
from municipalities.models import (
    SECTION_FIELDS,
    HousingUnit,
    Municipality,
    Questionnaire,
    RoundMunicipality,
    Section,
)
from municipalities.services import participations
from municipalities.services import questionnaires as services
from municipalities.services.questionnaires import StaleVersion
from municipalities.views.municipalities import PORTAL_ROLES

SECTIONS = [s.value for s in Section]


def _participation(
    request: AuthenticatedHttpRequest, slug: str, round_pk: int
) -> RoundMunicipality:
    municipality = get_object_or_404(Municipality.objects.visible_to(request.user), slug=slug)
    return get_object_or_404(
        RoundMunicipality.objects.select_related("round", "municipality"),
        municipality=municipality,
        round_id=round_pk,
    )


def _questionnaire(request: AuthenticatedHttpRequest, slug: str, round_pk: int) -> Questionnaire:
    participation = _participation(request, slug, round_pk)
    questionnaire = get_object_or_404(
        Questionnaire.objects.visible_to(request.user).prefetch_related("housing_units"),
        round_id=participation.round_id,
        municipality_id=participation.municipality_id,
    )
    questionnaire.round = participation.round
    questionnaire.municipality = participation.municipality
    return questionnaire


def _to_overview(questionnaire: Questionnaire) -> HttpResponse:
    return redirect("participation_detail", questionnaire.municipality.slug, questionnaire.round_id)


def _to_section(questionnaire: Questionnaire, section: str) -> HttpResponse:
    return redirect(
        "questionnaire_section", questionnaire.municipality.slug, questionnaire.round_id, section
    )


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # a form without version is treated like a stale one


@require_safe
@role_required(*PORTAL_ROLES)
def participation_detail(
    request: AuthenticatedHttpRequest, slug: str, round_pk: int
) -> HttpResponse:
    participation = _participation(request, slug, round_pk)
    questionnaire = (
        Questionnaire.objects.filter(
            round=participation.round, municipality_id=participation.municipality_id
        )
        .prefetch_related("housing_units")
        .first()
    )
    if questionnaire is not None:
        questionnaire.round = participation.round
    pledge_form = PledgeForm(initial={"pledged_persons": participation.pledged_persons})
    return render(
        request,
        "municipalities/participation_detail.html",
        _detail_context(participation, questionnaire, pledge_form),
    )


def _detail_context(participation, questionnaire, pledge_form) -> dict:
    sections = questionnaire.sections() if questionnaire else []
    return {
        "participation": participation,
        "round": participation.round,
        "municipality": participation.municipality,
        "questionnaire": questionnaire,
        "pledge_form": pledge_form,
        "pledge_blocker": participations.pledge_blocker(participation),
        "edit_blocker": (questionnaire or Questionnaire(round=participation.round)).edit_blocker(),
        "sections": sections,
        "done_count": sum(1 for s in sections if s[2]),
        "capacity": questionnaire.capacity() if questionnaire else None,
    }


@require_POST
@role_required(*PORTAL_ROLES)
def participation_pledge(
    request: AuthenticatedHttpRequest, slug: str, round_pk: int
) -> HttpResponse:
    participation = _participation(request, slug, round_pk)
    form = PledgeForm(request.POST)
    if form.is_valid():
        try:
            participations.participation_pledge(
                participation=participation,
                persons=form.cleaned_data["pledged_persons"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your pledge was saved."))
            return redirect("participation_detail", slug, round_pk)
    questionnaire = Questionnaire.objects.filter(
        round=participation.round, municipality_id=participation.municipality_id
    ).first()
    context = _detail_context(participation, questionnaire, form)
    return render(request, "municipalities/participation_detail.html", context, status=400)


@require_POST
@role_required(*PORTAL_ROLES)
def questionnaire_start(
    request: AuthenticatedHttpRequest, slug: str, round_pk: int
) -> HttpResponse:
    participation = _participation(request, slug, round_pk)
    try:
        questionnaire = services.questionnaire_start(
            round=participation.round, municipality=participation.municipality, by=request.user
        )
    except ValidationError as error:
        show_error(request, error)
        return redirect("participation_detail", slug, round_pk)
    questionnaire.municipality = participation.municipality
    return _to_section(questionnaire, SECTIONS[0])


@role_required(*PORTAL_ROLES)
def questionnaire_section(
    request: AuthenticatedHttpRequest, slug: str, round_pk: int, section: str
) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    questionnaire = _questionnaire(request, slug, round_pk)
    form_class = SECTION_FORMS[section]
    blocker = questionnaire.edit_blocker()
    # The form validates a throw-away copy; only the service writes to the database.
    copy = Questionnaire.objects.get(pk=questionnaire.pk)
    form = form_class(
        request.POST if request.method == "POST" else None,
        instance=copy,
        initial={"version": questionnaire.version},
    )
    if request.method == "POST":
        if blocker:
            messages.error(request, blocker)
            return _to_section(questionnaire, section)
        if form.is_valid():
            try:
                services.questionnaire_save_section(
                    questionnaire=questionnaire,
                    section=section,
                    data=form.answers(),
                    version=form.cleaned_data["version"],
                    by=request.user,
                )
            except StaleVersion as error:
                messages.error(request, error.messages[0])
                return _to_section(questionnaire, section)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return _after_save(questionnaire, section)
    return _render_section(request, questionnaire, section, form, blocker=blocker)


def _after_save(questionnaire: Questionnaire, section: str) -> HttpResponse:
    index = SECTIONS.index(section)
    if index + 1 < len(SECTIONS):
        return _to_section(questionnaire, SECTIONS[index + 1])
    return _to_overview(questionnaire)


def _render_section(
    request, questionnaire, section, form, *, blocker, unit_form=None, status=200
) -> HttpResponse:
    index = SECTIONS.index(section)
    sections = questionnaire.sections()
    if unit_form is None and section == Section.ACCOMMODATION and not blocker:
        unit_form = HousingUnitForm(prefix="unit", initial={"version": questionnaire.version})
    context = {
        "questionnaire": questionnaire,
        "round": questionnaire.round,
        "municipality": questionnaire.municipality,
        "section": section,
        "section_label": Section(section).label,
        "sections": sections,
        "done_count": sum(1 for s in sections if s[2]),
        "step": index + 1,
        "previous": SECTIONS[index - 1] if index > 0 else None,
        "next": SECTIONS[index + 1] if index + 1 < len(SECTIONS) else None,
        "form": form,
        "unit_form": unit_form,
        "units": list(questionnaire.housing_units.all()),
        "blocker": blocker,
        "answers": [
            (
                getattr(Questionnaire._meta.get_field(name), "verbose_name", name),
                answer_display(questionnaire, name),
            )
            for name in SECTION_FIELDS[section]
        ],
    }
    return render(request, "municipalities/questionnaire_section.html", context, status=status)


@require_POST
@role_required(*PORTAL_ROLES)
def housing_unit_add(request: AuthenticatedHttpRequest, slug: str, round_pk: int) -> HttpResponse:
    questionnaire = _questionnaire(request, slug, round_pk)
    unit_form = HousingUnitForm(
        request.POST, prefix="unit", instance=HousingUnit(questionnaire=questionnaire)
    )
    if unit_form.is_valid():
        try:
            services.housing_unit_add(
                questionnaire=questionnaire,
                data=unit_form.answers(),
                version=unit_form.cleaned_data["version"],
                by=request.user,
            )
        except StaleVersion as error:
            messages.error(request, error.messages[0])
            return _to_section(questionnaire, Section.ACCOMMODATION)
        except ValidationError as error:
            if getattr(error, "code", None) == "closed":
                messages.error(request, error.messages[0])
                return _to_section(questionnaire, Section.ACCOMMODATION)
            add_errors(unit_form, error)
        else:
            messages.success(request, _("The housing unit was added."))
            return _to_section(questionnaire, Section.ACCOMMODATION)
    form = SECTION_FORMS[Section.ACCOMMODATION](
        instance=Questionnaire.objects.get(pk=questionnaire.pk),
        initial={"version": questionnaire.version},
    )
    return _render_section(
        request,
        questionnaire,
        Section.ACCOMMODATION,
        form,
        blocker=questionnaire.edit_blocker(),
        unit_form=unit_form,
        status=400,
    )


@role_required(*PORTAL_ROLES)
def housing_unit_edit(
    request: AuthenticatedHttpRequest, slug: str, round_pk: int, pk: int
) -> HttpResponse:
    questionnaire = _questionnaire(request, slug, round_pk)
    unit = get_object_or_404(HousingUnit, pk=pk, questionnaire=questionnaire)
    unit.questionnaire = questionnaire
    blocker = questionnaire.edit_blocker()
    if blocker:
        messages.error(request, blocker)
        return _to_section(questionnaire, Section.ACCOMMODATION)
    form = HousingUnitForm(
        request.POST if request.method == "POST" else None,
        instance=HousingUnit.objects.select_related("questionnaire__round").get(pk=unit.pk),
        initial={"version": questionnaire.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.housing_unit_update(
                unit=unit,
                data=form.answers(),
                version=form.cleaned_data["version"],
                by=request.user,
            )
        except StaleVersion as error:
            messages.error(request, error.messages[0])
            return _to_section(questionnaire, Section.ACCOMMODATION)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The housing unit was saved."))
            return _to_section(questionnaire, Section.ACCOMMODATION)
    return render(
        request,
        "municipalities/housing_unit_form.html",
        {"form": form, "unit": unit, "questionnaire": questionnaire},
    )


@require_POST
@role_required(*PORTAL_ROLES)
def housing_unit_delete(
    request: AuthenticatedHttpRequest, slug: str, round_pk: int, pk: int
) -> HttpResponse:
    questionnaire = _questionnaire(request, slug, round_pk)
    unit = get_object_or_404(HousingUnit, pk=pk, questionnaire=questionnaire)
    unit.questionnaire = questionnaire
    try:
        services.housing_unit_delete(unit=unit, version=_version(request), by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The housing unit was removed."))
    return _to_section(questionnaire, Section.ACCOMMODATION)


@require_POST
@role_required(*PORTAL_ROLES)
def questionnaire_submit(
    request: AuthenticatedHttpRequest, slug: str, round_pk: int
) -> HttpResponse:
    questionnaire = _questionnaire(request, slug, round_pk)
    try:
        services.questionnaire_submit(
            questionnaire=questionnaire, version=_version(request), by=request.user
        )
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(
            request, _("Thank you. The questionnaire was submitted to the coordination.")
        )
    return _to_overview(questionnaire)


@require_POST
@role_required(*PORTAL_ROLES)
def questionnaire_reopen(
    request: AuthenticatedHttpRequest, slug: str, round_pk: int
) -> HttpResponse:
    questionnaire = _questionnaire(request, slug, round_pk)
    try:
        services.questionnaire_reopen(questionnaire=questionnaire, by=request.user)
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(
            request, _("The questionnaire was reopened; the municipality can edit it.")
        )
    return _to_overview(questionnaire)
