"""Coordinator pages for match runs: start, progress, result, review, publish."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core import confirm
from core.formatting import local_datetime
from core.paging import page_of
from core.redirects import redirect_back
from core.validation import show_error
from matching import scoring
from matching.forms import PairRuleForm, RunStartForm, WeightsForm
from matching.models import (
    AGREED_OFFER_STATUSES,
    RELEASED_OFFER_STATUSES,
    Offer,
    OfferStatus,
    PairRule,
    Run,
    RunStatus,
)
from matching.run_files import KINDS, run_file_document, run_file_read
from matching.services import offers as offer_services
from matching.services import runs as run_services
from matching.services.fairshare import fair_share_rows
from matching.services.instance import open_households
from matching.services.programmes import kept_places
from municipalities.models import Municipality
from municipalities.selectors import not_submitted
from refugees.models import Household
from rounds.models import Round


def _round(request: AuthenticatedHttpRequest, pk: int) -> Round:
    return get_object_or_404(Round.objects.visible_to(request.user), pk=pk)


def _run(request: AuthenticatedHttpRequest, pk: int) -> Run:
    return get_object_or_404(Run.objects.visible_to(request.user).select_related("round"), pk=pk)


@role_required(Role.COORDINATOR)
def run_list(request: AuthenticatedHttpRequest, round_pk: int) -> HttpResponse:
    round_ = _round(request, round_pk)
    start_form = RunStartForm(request.POST or None, round=round_)
    if request.method == "POST" and start_form.is_valid():
        try:
            run = run_services.run_start(round=round_, by=request.user, **start_form.cleaned_data)
        except ValidationError as error:
            show_error(request, error)
        else:
            run.refresh_from_db()
            if run.status == RunStatus.FAILED:  # the queue could not take it: said at once
                messages.error(request, run.error_message)
            return redirect("run_detail", pk=run.pk)
    weights = scoring.normalised_weights(round_.weights)
    context = {
        "round": round_,
        "runs": round_.runs.select_related("started_by"),
        "start_form": start_form,
        "weights_form": WeightsForm(initial_weights=weights),
        "offer_counts": round_.offers.values("status").annotate(n=Count("id")).order_by(),
        "household_count": round_.entries.count(),
    }
    return render(request, "matching/run_list.html", context)


@require_POST
@role_required(Role.COORDINATOR)
def round_weights(request: AuthenticatedHttpRequest, round_pk: int) -> HttpResponse:
    round_ = _round(request, round_pk)
    form = WeightsForm(request.POST, initial_weights=scoring.normalised_weights(round_.weights))
    if form.is_valid():
        run_services.round_weights_set(round=round_, by=request.user, weights=form.cleaned_data)
        messages.success(request, _("The criteria weights were saved."))
    else:
        messages.error(request, _("Each weight must be a whole number from 0 to 100."))
    return redirect("run_list", round_pk=round_.pk)


PROPOSALS_PER_PAGE = 100


@require_safe
@role_required(Role.COORDINATOR)
def run_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A national run has 40,000 proposals: they are listed a page at a time, the changes since
    the previous run counted in the database, and the utilisation read from the run."""
    run = _run(request, pk)
    proposals = run.proposals.select_related("household", "municipality")
    placed = proposals.filter(municipality__isnull=False).order_by(
        "municipality__name", "household__reference"
    )
    unplaced = proposals.filter(municipality__isnull=True).order_by("household__reference")
    previous = run.round.runs.filter(iteration__lt=run.iteration).order_by("-iteration").first()
    succeeded = run.status == RunStatus.SUCCEEDED
    context = {
        "run": run,
        # Cut on the sort keys, then 100 proposals read (core.paging): sorting the full rows of
        # a national run's 40,000 proposals cost a third of a second.
        "proposals": page_of(placed, PROPOSALS_PER_PAGE, request.GET.get("page")),
        "unmatched": page_of(unplaced, PROPOSALS_PER_PAGE, request.GET.get("unmatched")),
        "utilisation": _utilisation(run),
        "kept": kept_places(run.forecast_summary.get("kept") or {}),
        "fair_rows": fair_share_rows(run),
        "diff": run_services.run_diff(run, previous) if succeeded else None,
        "unmet_pins": run_services.run_unmet_pins(run) if succeeded else [],
        "previous": previous,
        "rule_form": PairRuleForm(round=run.round),
        "rules": PairRule.objects.filter(round=run.round).select_related(
            "household", "municipality"
        ),
        "is_latest": not run.round.runs.filter(iteration__gt=run.iteration).exists(),
    }
    return render(request, "matching/run_detail.html", context)


def _utilisation(run: Run) -> list[dict]:
    """Rows of places used / capacity, from the figures stored with the run.

    Runs stored before the figures were kept with them still read the result file.
    """
    stored = run.utilisation or _utilisation_from_file(run)
    # The engine's files name municipalities by slug; people read their names.
    names = dict(Municipality.objects.filter(slug__in=stored).values_list("slug", "name"))
    rows = []
    for slug, dims in stored.items():
        # "used / capacity" per dimension as text: a national round's 400 rows of five cells
        # were 4,000 template variables on every view of the run page.
        cells = [_used_of(*dims.get(d, [0, 0])) for d in scoring.DIMENSIONS]
        rows.append({"municipality": names.get(slug, slug), "cells": cells})
    return sorted(rows, key=lambda row: row["municipality"])


def _used_of(used: float, capacity: float) -> str:
    return f"{localize(used)} / {localize(capacity)}"


def _utilisation_from_file(run: Run) -> dict[str, dict[str, list[int]]]:
    document = run_file_document(run=run, kind="result")
    if document is None:
        return {}
    return {
        mun: {dim: [use["used"], use["capacity"]] for dim, use in dims.items()}
        for mun, dims in document.get("utilisation", {}).items()
    }


@require_safe
@role_required(Role.COORDINATOR)
def run_status(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    run = _run(request, pk)
    return JsonResponse(
        {
            "status": run.status,
            "status_label": run.get_status_display(),
            "stage": run.stage,
            "stage_label": run.get_stage_display(),
            "progress": run.progress,
            "done": not run.is_active,
        }
    )


@require_safe
@role_required(Role.COORDINATOR)
def run_file(request: AuthenticatedHttpRequest, pk: int, kind: str) -> FileResponse | HttpResponse:
    run = _run(request, pk)
    content = run_file_read(run=run, kind=kind) if kind in KINDS else None
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="application/json")
    filename = f"round-{run.round_id}-run-{run.iteration}-{kind}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@role_required(Role.COORDINATOR)
def run_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Asks once (what will be sent, who has not submitted and what happens to them), then
    publishes and reports back."""
    run = _run(request, pk)
    if not confirm.is_confirmed(request):
        return confirm.ask(request, _publish_confirmation(run))
    try:
        offers = offer_services.run_publish(run=run, by=request.user)
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(
            request,
            _("%(n)s offers were published; the answers are due by %(when)s.")
            % {
                "n": len(offers),
                "when": local_datetime(offers[0].deadline) if offers else "–",
            },
        )
        offered = Household.objects.filter(pk__in=[offer.household_id for offer in offers])
        for line in _reached(offered):
            messages.info(request, line)
        left = run.proposals.filter(municipality__isnull=False).count() - len(offers)
        if left:
            messages.warning(
                request,
                ngettext(
                    "%(n)s household left the round after the run (consent withdrawn, taken "
                    "out or placed otherwise) and got no offer. Its places stay free; start a "
                    "re-match run to offer them to others.",
                    "%(n)s households left the round after the run (consent withdrawn, taken "
                    "out or placed otherwise) and got no offer. Their places stay free; start a "
                    "re-match run to offer them to others.",
                    left,
                )
                % {"n": left},
            )
    return redirect("run_detail", pk=run.pk)


def _reached(households: QuerySet[Household]) -> list[str]:
    """Who offers to ``households`` reach by e-mail, as matching.services.offers sends them:
    the municipalities, each household's contact person, or its caseworker when it has no
    account; the households that neither reaches are counted for the coordinator to act on."""
    own = households.filter(contact_user__isnull=False).count()
    through = households.filter(contact_user__isnull=True, caseworker__is_active=True).count()
    nobody = households.count() - own - through
    return confirm.lines(
        _("Each municipality is told by e-mail and sees its proposals."),
        ngettext(
            "%(n)s household is told by e-mail and sees its offer.",
            "%(n)s households are told by e-mail and see their offers.",
            own,
        )
        % {"n": own}
        if own
        else "",
        ngettext(
            "%(n)s household has no account on Re:Match: its caseworker is told by e-mail and "
            "tells it.",
            "%(n)s households have no account on Re:Match: their caseworkers are told by "
            "e-mail and tell them.",
            through,
        )
        % {"n": through}
        if through
        else "",
        ngettext(
            "%(n)s household has neither an account nor a caseworker: nobody is told by "
            "e-mail, so let its partner organisation know.",
            "%(n)s households have neither an account nor a caseworker: nobody is told by "
            "e-mail, so let their partner organisations know.",
            nobody,
        )
        % {"n": nobody}
        if nobody
        else "",
    )


def _publish_confirmation(run: Run) -> confirm.Confirmation:
    proposals = run.proposals.filter(municipality__isnull=False)
    deadline = timezone.now() + timedelta(days=run.round.offer_reply_days)
    return confirm.Confirmation(
        title=_("Publish the offers?"),
        question=_("Publish the proposals of run %(n)s of %(round)s as offers?")
        % {"n": run.iteration, "round": run.round.name},
        confirm_label=_("Yes, publish the offers"),
        cancel_url=reverse("run_detail", args=[run.pk]),
        facts=[
            (_("Households with a proposal"), str(proposals.count())),
            (
                _("Municipalities"),
                str(proposals.values("municipality").distinct().count()),
            ),
            (_("Answers due by"), local_datetime(deadline)),
            *_not_submitted_facts(run.round),
        ],
        consequences=confirm.lines(
            *_reached(
                Household.objects.filter(
                    pk__in=proposals.filter(household_id__in=open_households(run.round)).values(
                        "household_id"
                    )
                )
            ),
            _("Both sides answer by the deadline; an offer without both answers expires."),
            _(
                "Published offers cannot be withdrawn; declined or objected households can be "
                "matched again in a new run."
            ),
            _unmatched_consequence(run),
            _not_submitted_consequence(run.round),
        ),
    )


def _not_submitted_facts(round_: Round) -> list[tuple[str, str]]:
    names = [p.municipality.name for p in not_submitted(round_)]
    if not names:
        return []
    return [(_("Municipalities without a submitted questionnaire"), ", ".join(names))]


def _not_submitted_consequence(round_: Round) -> str | None:
    """What publishing means for the municipalities that have not submitted (defect 1 was
    that it silently closed their questionnaire)."""
    if not not_submitted(round_):
        return _("Every invited municipality has submitted its questionnaire.")
    deadline = date_format(round_.questionnaire_deadline, "SHORT_DATE_FORMAT")
    if timezone.localdate() <= round_.questionnaire_deadline:
        return _(
            "Publishing does not close their questionnaire: they can still submit until "
            "%(deadline)s. Their capacity counts from the next run, for the households that "
            "have no offer by then."
        ) % {"deadline": deadline}
    return _(
        "The deadline (%(deadline)s) has passed: they receive no offers in this round unless "
        "you extend the deadline under “Edit round”."
    ) % {"deadline": deadline}


def _unmatched_consequence(run: Run) -> str | None:
    count = run.proposals.filter(municipality__isnull=True).count()
    if not count:
        return None
    return ngettext(
        "%(n)s household gets no offer in this run. It stays in the round and is matched "
        "again in the next run.",
        "%(n)s households get no offer in this run. They stay in the round and are matched "
        "again in the next run.",
        count,
    ) % {"n": count}


@require_POST
@role_required(Role.COORDINATOR)
def run_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    if not confirm.is_confirmed(request):
        return confirm.ask(
            request,
            confirm.Confirmation(
                title=_("Cancel the run?"),
                question=_("Cancel run %(n)s of %(round)s?")
                % {"n": run.iteration, "round": run.round.name},
                confirm_label=_("Yes, cancel the run"),
                cancel_url=reverse("run_detail", args=[run.pk]),
                consequences=[
                    _("The run stops and stores no proposals; nothing is sent."),
                    _("You can start a new run of the round right away."),
                ],
                danger=True,
            ),
        )
    try:
        run_services.run_cancel(run=run, by=request.user)
    except ValidationError as error:
        show_error(request, error)
    else:
        messages.success(request, _("The run was cancelled. You can start a new run."))
    return redirect("run_detail", pk=run.pk)


@require_POST
@role_required(Role.COORDINATOR)
def pair_rule_add(request: AuthenticatedHttpRequest, round_pk: int) -> HttpResponse:
    round_ = _round(request, round_pk)
    form = PairRuleForm(request.POST, round=round_)
    if form.is_valid():
        try:
            rule = run_services.pair_rule_set(round=round_, by=request.user, **form.cleaned_data)
            messages.success(request, _("The rule was saved. Start a new run to apply it."))
            if run_services.pin_waits_for(rule):
                messages.warning(
                    request,
                    _(
                        "%(municipality)s has not submitted its questionnaire: until it does, "
                        "%(household)s stays unplaced."
                    )
                    % {
                        "municipality": rule.municipality.name,
                        "household": rule.household.reference,
                    },
                )
        except ValidationError as error:
            show_error(request, error)
    else:
        messages.error(request, _("Please choose a household, a municipality and a rule."))
    return _back(request, "run_list", round_pk=round_.pk)


@require_POST
@role_required(Role.COORDINATOR)
def pair_rule_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(PairRule.objects.select_related("round", "household"), pk=pk)
    run_services.pair_rule_remove(rule=rule, by=request.user)
    messages.success(request, _("The rule was removed."))
    return _back(request, "run_list", round_pk=rule.round_id)


def _back(request: HttpRequest, default: str, **kwargs) -> HttpResponse:
    return redirect_back(request, default, **kwargs)


OFFERS_PER_PAGE = 100


@require_safe
@role_required(Role.COORDINATOR)
def round_offers(request: AuthenticatedHttpRequest, round_pk: int) -> HttpResponse:
    round_ = _round(request, round_pk)
    offers = (
        Offer.objects.filter(round=round_)
        # Not the run: its stored figures (utilisation of every municipality, stability) are
        # tens of kilobytes, joined to each of 26,000 offers before the sort they made 3 s.
        .select_related("household", "municipality")
        .order_by("municipality__name", "household__reference")
    )
    # The template cannot reach the choices through the queryset (it would call the model
    # class and get a fresh Offer): the filter offered nothing but "all".
    status = request.GET.get("status", "")
    if status in OfferStatus.values:
        offers = offers.filter(status=status)
    else:
        status = ""
    counts = round_.offers.aggregate(
        pending=Count("id", filter=Q(status=OfferStatus.PENDING)),
        accepted=Count("id", filter=Q(status__in=AGREED_OFFER_STATUSES)),
        closed=Count("id", filter=Q(status__in=RELEASED_OFFER_STATUSES)),
    )
    return render(
        request,
        "matching/round_offers.html",
        {
            "round": round_,
            "offers": page_of(offers, OFFERS_PER_PAGE, request.GET.get("page")),
            "query": urlencode({"status": status}) if status else "",
            "counts": counts,
            "status": status,
            "status_choices": OfferStatus.choices,
        },
    )
