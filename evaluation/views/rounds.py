"""Evaluation pages: round metrics, comparison, surveys (dashboard, answering), report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.audit import audit_log
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core import pdf
from core.spreadsheets import spreadsheet_download
from core.validation import show_error
from evaluation import presenters, questions
from evaluation.forms import SendSurveyForm, SurveyForm
from evaluation.models import Comparison, Survey, SurveyKind
from evaluation.services import comparisons as comparison_services
from evaluation.services import export as export_services
from evaluation.services import stored as stored_metrics
from evaluation.services import surveys as survey_services
from matching.models import OfferStatus
from matching.services.overrides import override_report
from rounds.models import Round


def _round(request: AuthenticatedHttpRequest, pk: int) -> Round:
    return get_object_or_404(Round.objects.visible_to(request.user), pk=pk)


@require_safe
@role_required(Role.COORDINATOR)
def evaluation_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    rounds = Round.objects.visible_to(request.user).order_by("-created_at")
    return render(request, "evaluation/index.html", {"rounds": rounds})


def _metrics_context(round_: Round) -> dict[str, Any]:
    """The stored figures (evaluation.services.stored): a national round is not measured again
    on every view."""
    stored = stored_metrics.stored_figures(round_)
    base = {
        "round": round_,
        "metrics_fresh": stored.fresh,
        "metrics_computed_at": stored.computed_at,
        "metrics_pending": stored.figures is None,
    }
    if stored.figures is None:
        return base
    figures = stored.figures
    overall = figures["overall"]
    runs_by_pk = round_.runs.in_bulk([pk for pk, _m in figures["runs"]])
    runs = [(runs_by_pk[pk], m) for pk, m in figures["runs"] if pk in runs_by_pk]
    latest = runs[-1][1] if runs else None
    shown = overall if overall["matched_households"] else latest
    return {
        **base,
        "overall": overall,
        "overall_needs": presenters.needs_rows(overall),
        "overall_states": presenters.state_rows(overall),
        "runs": [{"run": run, "m": m, "needs_share": presenters.needs_share(m)} for run, m in runs],
        "offers": _with_labels(figures["offers"]),
        "states_chart": presenters.states_chart(shown, "states") if shown else "",
        "scores_chart": presenters.scores_chart(shown, "scores") if shown else "",
        "score_bins": presenters.score_bins(shown) if shown else [],
        "shown_is_latest_run": shown is latest and shown is not overall,
    }


def _with_labels(offers: dict[str, Any]) -> dict[str, Any]:
    """Offer states are stored as codes and shown in the reader's language."""
    labels = dict(OfferStatus.choices)
    by_status = [(code, labels.get(code, code), count) for code, count in offers["by_status"]]
    return {**offers, "by_status": by_status}


def _comparison_context(round_: Round) -> dict[str, Any]:
    latest = comparison_services.latest_comparison(round_)
    done = (
        latest
        if latest and latest.status == "succeeded"
        else (round_.comparisons.filter(status="succeeded").first())
    )
    rows = presenters.comparison_rows(done.results) if done else []
    return {
        "comparison": latest,
        "finished_comparison": done,
        "comparison_rows": rows,
        "share_labels": [label for _key, label in presenters.SHARE_ROWS],
        "comparison_chart": presenters.comparison_chart(rows, "comparison") if rows else "",
        "score_chart": presenters.score_comparison_chart(rows, "score-comparison") if rows else "",
    }


def _survey_context(round_: Round) -> dict[str, Any]:
    household = survey_services.survey_results(round_, SurveyKind.HOUSEHOLD)
    municipality = survey_services.survey_results(round_, SurveyKind.MUNICIPALITY)
    return {
        "rates": survey_services.response_rates(round_),
        "survey_blocks": [
            {
                "id": "household-survey",
                "title": _("What households say"),
                "results": household,
                "chart": presenters.survey_chart(household, "household-survey"),
            },
            {
                "id": "municipality-survey",
                "title": _("What municipalities say"),
                "results": municipality,
                "chart": presenters.survey_chart(municipality, "municipality-survey"),
            },
        ],
    }


@require_safe
@role_required(Role.COORDINATOR)
def round_evaluation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    return render(request, "evaluation/round.html", _metrics_context(round_))


@role_required(Role.COORDINATOR)
def round_comparison(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    if request.method == "POST":
        try:
            comparison_services.comparison_start(round=round_, by=request.user)
        except ValidationError as error:
            show_error(request, error)
        else:
            messages.success(request, _("The comparison has been started."))
        return redirect("round_comparison", pk=round_.pk)
    return render(
        request, "evaluation/comparison.html", {"round": round_, **_comparison_context(round_)}
    )


@require_safe
@role_required(Role.COORDINATOR)
def comparison_status(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    item = get_object_or_404(Comparison.objects.visible_to(request.user), pk=pk)
    return JsonResponse({"status": item.status, "done": not item.is_active})


@role_required(Role.COORDINATOR)
def round_surveys(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    form = SendSurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = survey_services.survey_send_now(
                round=round_, wave=form.cleaned_data["wave"], by=request.user
            )
        except ValidationError as error:
            form.add_error("wave", error)
        else:
            messages.success(request, _("%(n)s surveys were sent.") % {"n": sent})
            return redirect("round_surveys", pk=round_.pk)
    return render(
        request,
        "evaluation/surveys.html",
        {"round": round_, "form": form, **_survey_context(round_)},
    )


@require_safe
@role_required(Role.COORDINATOR)
def survey_export(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> HttpResponse:
    round_ = _round(request, pk)
    kind = request.GET.get("kind", SurveyKind.HOUSEHOLD)
    if fmt not in ("csv", "xlsx") or kind not in SurveyKind.values:
        raise Http404
    content, _type = export_services.survey_export(
        round=round_, kind=kind, fmt=fmt, by=request.user
    )
    return spreadsheet_download(content, fmt=fmt, filename=f"round-{round_.pk}-survey-{kind}")


def _report_context(round_: Round) -> dict[str, Any]:
    return {
        **_metrics_context(round_),
        **_comparison_context(round_),
        **_survey_context(round_),
        "override_report": override_report(round_),
    }


@require_safe
@role_required(Role.COORDINATOR)
def round_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    audit_log(actor=request.user, action="evaluation.report.viewed", target=round_)
    return render(request, "evaluation/report.html", _report_context(round_))


@require_safe
@role_required(Role.COORDINATOR)
def round_report_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The report as a PDF to file: the page's own tables, every column, in the reader's
    language."""
    round_ = _round(request, pk)
    html = render_to_string("evaluation/_report_body.html", _report_context(round_), request)
    title = _("Round report – %(name)s") % {"name": round_.name}
    audit_log(actor=request.user, action="evaluation.report.downloaded", target=round_)
    return pdf.pdf_response(
        pdf.html_pdf(title=title, html=html), filename=f"round-{round_.pk}-report"
    )


# --- households and municipal staff ------------------------------------------------------------


@require_safe
@role_required(Role.REFUGEE, Role.MUNICIPAL_STAFF)
def my_surveys(request: AuthenticatedHttpRequest) -> HttpResponse:
    surveys = (
        Survey.objects.visible_to(request.user)
        .filter(sent_at__isnull=False)
        .select_related("round", "municipality")
        .order_by("answered_at", "-sent_at")
    )
    return render(request, "evaluation/my_surveys.html", {"surveys": surveys})


@role_required(Role.REFUGEE, Role.MUNICIPAL_STAFF)
def survey_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(
        Survey.objects.visible_to(request.user)
        .filter(sent_at__isnull=False)
        .select_related("round", "municipality", "household"),
        pk=pk,
    )
    if request.method == "POST" and survey.is_answered:
        messages.info(request, _("This survey has been answered already. Thank you!"))
        return redirect("survey_answer", pk=survey.pk)
    form = SurveyForm(request.POST or None, kind=survey.kind)
    if request.method == "POST" and form.is_valid():
        try:
            survey_services.survey_answer(
                survey=survey,
                by=request.user,
                answers=form.cleaned_data,
                language=translation.get_language() or "",
            )
        except ValidationError as error:
            show_error(request, error)
        else:
            messages.success(request, _("Thank you! Your answers have been saved."))
        return redirect("survey_answer", pk=survey.pk)
    context = {"survey": survey, "form": form, "answers": _answer_rows(survey)}
    return render(request, "evaluation/survey_form.html", context)


def _answer_rows(survey: Survey) -> list[tuple[str, str]]:
    if not survey.is_answered:
        return []
    rows = []
    for question in questions.questions_for(survey.kind):
        value = survey.answers.get(question.code, "")
        shown = questions.choice_label(question, value) if question.choices else value
        rows.append((str(question.label), shown or "–"))
    return rows
