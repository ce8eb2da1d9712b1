"""The coordinator chooses which variant of a run with fair shares to publish."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core.validation import show_error
from matching.models import Run, RunVariant
from matching.services.fairshare import run_variant_choose


@require_POST
@role_required(Role.COORDINATOR)
def run_variant(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(Run.objects.visible_to(request.user), pk=pk)
    variant = request.POST.get("variant", "")
    try:
        run = run_variant_choose(run=run, variant=variant, by=request.user)
    except ValidationError as error:
        show_error(request, error)
    else:
        if run.variant == RunVariant.FAIR:
            text = _(
                "The proposals now hold the variant with fair shares. Publishing sends these"
                " offers."
            )
        else:
            text = _(
                "The proposals now hold the variant without fair shares. Publishing sends these"
                " offers."
            )
        messages.success(request, text)
    return redirect("run_detail", run.pk)
