"""Municipalities apply to join: the public form and the confirmation of the e-mail address.
Spam protection without third parties: a honeypot field and a rate limit per address and
client (allauth's limiter, as for sign-in)."""

from __future__ import annotations

from allauth.core import ratelimit
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods, require_safe

from accounts.audit import audit_log
from municipalities.services import applications as services
from portal.forms import ApplicationForm

RATE_LIMIT_ACTION = "municipality_application"


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(request.POST or None)
    if request.method == "POST":
        if form.is_spam():
            # Bots are told what people are told, so they learn nothing; nothing is stored.
            audit_log(actor=None, action="municipalities.application.honeypot", label="apply")
            return redirect("application_sent")
        if form.is_valid():
            email = form.cleaned_data["email"].strip().lower()
            if not ratelimit.consume(request, action=RATE_LIMIT_ACTION, key=email):
                audit_log(actor=None, action="accounts.rate_limited", label=request.path[:200])
                return render(request, "429.html", status=429)
            try:
                services.application_submit(
                    data=form.cleaned_data, language=translation.get_language() or "de"
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("application_sent")
    return render(
        request,
        "portal/apply.html",
        {
            "form": form,
            "section": "apply",
            "confirm_days": services.CONFIRM_DAYS,
            "retention_days": settings.REMATCH_RETENTION_DAYS,
        },
    )


@require_safe
def application_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/apply_sent.html", {"section": "apply"})


@require_http_methods(["GET", "POST"])
def application_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST confirms: mail scanners that open links confirm nothing."""
    application = services.application_by_token(token)
    if application is None or not services.confirmation_link_works(application):
        return render(request, "portal/apply_invalid.html", {"section": "apply"}, status=404)
    if request.method == "POST":
        try:
            application = services.application_confirm(application=application)
        except ValidationError:
            return render(request, "portal/apply_invalid.html", {"section": "apply"}, status=404)
        return render(
            request, "portal/apply_confirmed.html", {"application": application, "section": "apply"}
        )
    return render(
        request, "portal/apply_confirm.html", {"application": application, "section": "apply"}
    )
