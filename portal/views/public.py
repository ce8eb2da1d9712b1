"""Public pages: no sign-in needed. They show only what the programme publishes (its own words,
the scoring model, aggregate results); never a person's data."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import translation
from django.views.decorators.http import require_GET, require_safe

from accounts.http import AuthenticatedHttpRequest
from core.spreadsheets import spreadsheet_download
from portal import criteria, results
from portal.content import programme_for
from portal.views.dashboards import dashboard


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and feed readers ask for /favicon.ico whatever a page links: the site's icon."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """``/``: signed-in users get their dashboard, visitors the programme."""
    if request.user.is_authenticated:
        return dashboard(cast(AuthenticatedHttpRequest, request))
    return programme(request)


@require_GET
def programme(request: HttpRequest) -> HttpResponse:
    data = programme_for(translation.get_language())
    return render(request, "portal/programme.html", {"programme": data, "section": "programme"})


@require_GET
def how_matching_works(request: HttpRequest) -> HttpResponse:
    return render(
        request, "portal/how_matching_works.html", {**criteria.catalogue(), "section": "matching"}
    )


def _results() -> list[tuple]:
    return [(r, results.round_results(r)) for r in results.closed_rounds()]


@require_GET
def results_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/results.html",
        {"rows": _results(), "threshold": results.THRESHOLD, "section": "results"},
    )


@require_GET
def results_download(request: HttpRequest) -> HttpResponse:
    return spreadsheet_download(
        results.results_csv(_results()), fmt="csv", filename="rematch-results"
    )


@require_GET
def for_refugees(request: HttpRequest) -> HttpResponse:
    """In Ukrainian first: unless the visitor chose another language (the switch in the header
    or a link on this page), the page speaks Ukrainian whatever the browser says."""
    from refugees.models import CURRENT_CONSENT_VERSION
    from refugees.views.households import consent_text_template

    codes = {code for code, _name in settings.LANGUAGES}
    chosen = request.GET.get("language") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = chosen if chosen in codes else "uk"
    with translation.override(language):
        response = render(
            request,
            "portal/for_refugees.html",
            {
                "page_language": language,
                "section": "refugees",
                "consent_template": consent_text_template(CURRENT_CONSENT_VERSION, language),
            },
        )
    response["Content-Language"] = language
    return response
