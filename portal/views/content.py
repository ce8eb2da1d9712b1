"""Coordinators edit the programme's own words per language, preview them, then publish."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core.validation import show_error
from portal import content as services
from portal.forms import PREVIEW, PhaseFormSet, ProgrammeContentForm, QuoteFormSet, filled
from portal.models import ProgrammeContent, Quote, TimelinePhase


def _language(code: str | None) -> str:
    codes = [c for c, _name in settings.LANGUAGES]
    if code is None:
        return codes[0]
    if code not in codes:
        raise Http404
    return code


@role_required(Role.COORDINATOR)
def content_edit(request: AuthenticatedHttpRequest, language: str | None = None) -> HttpResponse:
    language = _language(language)
    existing = ProgrammeContent.objects.filter(language=language).first()
    initial_quotes = [
        {"text": q.text, "speaker_name": q.speaker_name, "speaker_role": q.speaker_role}
        for q in (existing.quotes.all() if existing else [])
    ]
    form = ProgrammeContentForm(request.POST or None, instance=existing, prefix="content")
    quotes = QuoteFormSet(request.POST or None, initial=initial_quotes, prefix="quotes")
    preview = None
    if request.method == "POST" and form.is_valid() and quotes.is_valid():
        if request.POST.get("action") == PREVIEW:
            preview = _preview(form, quotes, language)
        else:
            try:
                services.programme_content_save(
                    language=language,
                    data=form.cleaned_data,
                    quotes=filled(quotes),
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The programme page was published."))
                return redirect("programme_edit_language", language=language)
    return render(
        request,
        "portal/content_edit.html",
        {
            "form": form,
            "quotes": quotes,
            "language": language,
            "existing": existing,
            "edit_languages": settings.LANGUAGES,
            "preview": preview,
        },
    )


def _preview(form: ProgrammeContentForm, quotes, language: str) -> services.Programme:
    """The page as it would look, from the unsaved form: nothing is stored."""
    content = ProgrammeContent(language=language, **form.cleaned_data)
    current = services.programme_for(language)
    return services.Programme(
        content=content,
        quotes=[Quote(**row) for row in filled(quotes)],
        year=current.year,
        phases=current.phases,
    )


@role_required(Role.COORDINATOR)
def timeline_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial = list(TimelinePhase.objects.values("year", "kind", "starts_on", "ends_on"))
    formset = PhaseFormSet(request.POST or None, initial=initial, prefix="phases")
    if request.method == "POST" and formset.is_valid():
        try:
            services.timeline_save(phases=filled(formset), by=request.user)
        except ValidationError as error:
            show_error(request, error)
        else:
            messages.success(request, _("The timeline was published."))
            return redirect("programme_timeline")
    return render(request, "portal/timeline_edit.html", {"formset": formset})
