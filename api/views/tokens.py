"""Portal pages for API tokens, and the OpenAPI schema and documentation views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.http import AuthenticatedHttpRequest
from api.forms import TokenForm
from api.models import ApiToken
from api.services import tokens as services
from core.validation import show_error


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 document. Public: it describes the API, never data."""


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from local files (drf-spectacular-sidecar), its start-up script served as a
    separate same-origin file so that the page runs under the strict CSP without inline code."""

    template_name = "api/swagger_ui.html"
    url_name = "api-schema"
    title = "Re:Match API"


@login_required
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    may_create = services.may_create_token(request.user)
    created = None
    if request.method == "POST" and not may_create:
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            token, clear = services.token_create(
                by=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            created = (token, clear)
            form = TokenForm()
    tokens = ApiToken.objects.visible_to(request.user)
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "created": created, "may_create": may_create},
        status=400 if request.method == "POST" and created is None else 200,
    )
    # The clear token is on this page once: never cache it.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    try:
        services.token_revoke(token=token, by=request.user)
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(request, _("The token was revoked. It no longer works."))
    return redirect("api_token_list")
