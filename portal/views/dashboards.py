"""The signed-in user's start page: one dashboard per role, over what the apps below hold."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest
from portal.dashboards import dashboard_context


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    template = f"portal/dashboard_{request.user.role}.html"
    return render(request, template, dashboard_context(request.user))
