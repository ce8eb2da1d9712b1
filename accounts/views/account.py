"""My account: who is signed in, and the way to the e-mail address, the password, the second
factor and API tokens (allauth's pages, each with the same account navigation)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest


@require_safe
@login_required
def account_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html", {"account": request.user})
