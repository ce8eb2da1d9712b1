"""The accessibility statement, with its feedback form (BITV 2.0 asks for both)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import AccessibilityFeedbackForm


def accessibility(request: HttpRequest) -> HttpResponse:
    form = AccessibilityFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Thank you. We will look at your feedback."))
        return redirect("accessibility")
    return render(request, "portal/accessibility.html", {"form": form})
