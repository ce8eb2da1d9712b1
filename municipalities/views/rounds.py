"""The round pages that show who takes part: the list of rounds, a round's questionnaires and
pledges, inviting municipalities, the questionnaire export. Staff reach their part of a round
through the municipal portal. Creating a round and moving it through its phases is ``rounds``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core.forms import add_errors
from core.spreadsheets import FORMATS, spreadsheet_response
from municipalities.exports import export_sheets
from municipalities.forms import InviteForm
from municipalities.models import Questionnaire, QuestionnaireStatus, RoundMunicipality
from municipalities.selectors import round_overview
from municipalities.services import participations
from rounds.models import Round


@require_safe
@role_required(Role.COORDINATOR, Role.MUNICIPAL_STAFF)
def round_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_municipal_staff:
        participations = (
            RoundMunicipality.objects.filter(municipality_id__in=request.user.municipality_ids())
            .select_related("round", "municipality")
            .order_by("-round__created_at", "municipality__name")
        )
        return render(request, "rounds/round_list_staff.html", {"participations": participations})
    # Per-round subqueries: joining participations and questionnaires multiplied them (a
    # national round's 400 x 400 rows) before counting each distinctly.
    rounds = Round.objects.visible_to(request.user).annotate(
        invited=_count(RoundMunicipality.objects.all()),
        submitted=_count(Questionnaire.objects.filter(status=QuestionnaireStatus.SUBMITTED)),
    )
    return render(request, "rounds/round_list.html", {"rounds": rounds})


def _count(rows) -> Coalesce:
    per_round = rows.filter(round=OuterRef("pk")).order_by().values("round")
    return Coalesce(Subquery(per_round.annotate(n=Count("pk")).values("n")), 0)


@require_safe
@role_required(Role.COORDINATOR, Role.MUNICIPAL_STAFF)
def round_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(Round.objects.visible_to(request.user), pk=pk)
    if request.user.is_municipal_staff:
        # Staff see their own part of the round, never the other municipalities'.
        participation = (
            RoundMunicipality.objects.filter(
                round=round_, municipality_id__in=request.user.municipality_ids()
            )
            .select_related("municipality")
            .first()
        )
        if participation is None:
            raise Http404
        return redirect("participation_detail", participation.municipality.slug, round_.pk)
    return _render_detail(request, round_, InviteForm(round=round_))


def _render_detail(request, round_: Round, invite_form: InviteForm, status=200) -> HttpResponse:
    overview = round_overview(round_)
    context = {
        "round": round_,
        "overview": overview,
        "submitted_count": overview.count("submitted", "submitted_late"),
        "late_count": overview.count("late", "submitted_late"),
        "invite_form": invite_form,
    }
    return render(request, "rounds/round_detail.html", context, status=status)


@require_POST
@role_required(Role.COORDINATOR)
def round_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(Round.objects.visible_to(request.user), pk=pk)
    form = InviteForm(request.POST, round=round_)
    if form.is_valid():
        try:
            created = participations.round_invite(
                round=round_, municipalities=form.cleaned_data["municipalities"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("%(count)d municipalities were invited and informed by e-mail.")
                % {"count": len(created)},
            )
            return redirect("round_detail", round_.pk)
    return _render_detail(request, round_, form, status=400)


@require_safe
@role_required(Role.COORDINATOR)
def round_export(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> HttpResponse:
    round_ = get_object_or_404(Round.objects.visible_to(request.user), pk=pk)
    overview = round_overview(round_)
    filename = f"questionnaires-{slugify(round_.name) or round_.pk}"
    if fmt not in FORMATS:
        raise Http404
    return spreadsheet_response(fmt, export_sheets(overview), filename=filename)
