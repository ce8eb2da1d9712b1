"""The accessibility statement, with its feedback form (BITV 2.0 asks for both)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import AccessibilityFeedbackForm
from portal.content import content_for

# The day the statement was last checked against the platform (BITV 2.0 asks for the date and
# the method); change it whenever the statement is reviewed.
REVIEWED_ON = date(2026, 12, 3)
# The federal conciliation body (section 16 BGG) and its public contact.
ENFORCEMENT_URL = "https://www.schlichtungsstelle-bgg.de"
ENFORCEMENT_EMAIL = "info@schlichtungsstelle-bgg.de"


def accessibility(request: HttpRequest) -> HttpResponse:
    form = AccessibilityFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Thank you. We will look at your feedback."))
        return redirect("accessibility")
    return render(
        request,
        "portal/accessibility.html",
        {
            "form": form,
            "contact": content_for(request.LANGUAGE_CODE),
            "reviewed_on": REVIEWED_ON,
            "enforcement_url": ENFORCEMENT_URL,
            "enforcement_email": ENFORCEMENT_EMAIL,
        },
    )
