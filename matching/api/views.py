"""Rounds, runs and offers through the API: the same permissions and services as the portal.

Coordinators set up rounds, start and publish runs and read results; municipal staff read their
own rounds and answer their offers (seeing anonymised profiles until both sides accept);
households (refugees and their caseworkers) read and answer their offers."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.http import AuthenticatedRequest
from accounts.roles import Role
from api.mixins import BoundedLookupMixin, validated
from api.permissions import HasRole
from api.responses import (
    FILE_TYPE_PARAMETER,
    FILE_TYPES,
    JSON_FILE,
    file_response,
    file_type,
    spreadsheet_responses,
)
from matching.anonymise import profile_read, visible_demand
from matching.exports import results_file
from matching.models import Offer, OfferQuerySet, OfferStatus, Proposal, Run, RunStatus
from matching.offer_table import TO_DO, TO_DO_CHOICES
from matching.reasons import ReasonCode
from matching.run_files import run_file_read
from matching.selectors import round_results
from matching.services import offers as offer_services
from matching.services import runs as run_services
from municipalities.api.views import RoundParticipationActions
from rounds.api import views as rounds_api

COORDINATOR = (Role.COORDINATOR,)


# --- Rounds -------------------------------------------------------------------------------------


class RunSerializer(serializers.ModelSerializer):
    has_instance_file = serializers.SerializerMethodField()
    has_result_file = serializers.SerializerMethodField()

    class Meta:
        model = Run
        fields = (
            "id",
            "round",
            "iteration",
            "status",
            "stage",
            "progress",
            "method",
            "time_limit",
            "engine_version",
            "engine_status",
            "engine_method",
            "objective",
            "bound",
            "solve_seconds",
            "household_count",
            "pair_count",
            "matched_households",
            "matched_persons",
            "placeable_households",
            "placeable_persons",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "published_at",
            "has_instance_file",
            "has_result_file",
            "reason_code",
            "stability",
        )

    def get_has_instance_file(self, run: Run) -> bool:
        return bool(run.instance_file)

    def get_has_result_file(self, run: Run) -> bool:
        return bool(run.result_file)


class RunStartSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=run_services.METHODS, default="auto")
    time_limit = serializers.FloatField(min_value=1, max_value=3600, default=60)
    reason_code = serializers.ChoiceField(
        choices=ReasonCode.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required from the second run of a round on: why it is run again "
        "(a code of the published list, docs/reasons.md).",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        default="",
        help_text="An optional note; required for the code `other`.",
    )


class ResultRowSerializer(serializers.Serializer):
    household = serializers.CharField(help_text="Reference code of the household.")
    household_id = serializers.IntegerField()
    persons = serializers.IntegerField()
    municipality_id = serializers.IntegerField(allow_null=True)
    municipality = serializers.CharField(allow_blank=True)
    ags = serializers.CharField(allow_blank=True)
    score = serializers.FloatField(allow_null=True)
    unmatched_reason = serializers.CharField(allow_blank=True)
    offer_id = serializers.IntegerField(allow_null=True)
    offer_status = serializers.CharField(allow_blank=True)


class RoundResultsSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    run = RunSerializer(allow_null=True)
    rows = ResultRowSerializer(many=True)


@extend_schema(tags=["rounds"])
class RoundViewSet(RoundParticipationActions, rounds_api.RoundViewSet):
    """The round resource with its runs and results (and the municipalities' actions)."""

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=RunSerializer(many=True),
        description="The round's runs, newest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=RunStartSerializer,
        responses={202: RunSerializer},
        description=(
            "Start a run. It is queued and executed by a worker: poll GET /runs/{id}/ for "
            "status and progress. One run per round at a time (400 otherwise)."
        ),
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def runs(self, request, pk=None):
        round_ = self.get_object()
        if request.method == "GET":
            runs = round_.runs.all()
            return Response(RunSerializer(runs, many=True).data)
        data = validated(RunStartSerializer, request.data)
        run = run_services.run_start(round=round_, by=request.user, **data)
        run.refresh_from_db()
        if run.status == RunStatus.FAILED:  # the queue could not take it; the run is failed
            return Response(
                {"detail": run.error_message, "run": RunSerializer(run).data},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses=RoundResultsSerializer,
        description=(
            "Per household of the latest finished run: the proposed municipality (or why it "
            "stayed unmatched) and the status of its offer."
        ),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def results(self, request, pk=None):
        round_ = self.get_object()
        run, rows = round_results(round_)
        data = {"round": round_.pk, "run": RunSerializer(run).data if run else None, "rows": rows}
        return Response(data)

    @extend_schema(
        request=None,
        parameters=[FILE_TYPE_PARAMETER],
        responses=spreadsheet_responses("The round's results as a spreadsheet."),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="results/export",
        filter_backends=[],
        pagination_class=None,
    )
    def results_export(self, request, pk=None):
        round_ = self.get_object()
        kind = file_type(request)
        return file_response(
            results_file(round_, kind),
            content_type=FILE_TYPES[kind],
            filename=f"results-{slugify(round_.name) or round_.pk}.{kind}",
        )


# --- Runs ---------------------------------------------------------------------------------------


class ProposalSerializer(serializers.ModelSerializer):
    household_reference = serializers.CharField(source="household.reference", read_only=True)
    municipality_name = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = (
            "id",
            "household",
            "household_reference",
            "municipality",
            "municipality_name",
            "score",
            "explanation",
            "unmatched_reason",
            "demand",
            "compatible_count",
        )

    def get_municipality_name(self, proposal: Proposal) -> str:
        return proposal.municipality.name if proposal.municipality else ""


class RunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = Run
        fields = ("round", "status")


@extend_schema(tags=["runs"])
class RunViewSet(
    BoundedLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Coordinators only, like the portal's run pages."""

    request: AuthenticatedRequest  # HasRole admits signed-in users only
    permission_classes = [HasRole]
    allowed_roles = COORDINATOR
    serializer_class = RunSerializer
    filterset_class = RunFilter
    ordering_fields = ("created_at", "iteration")
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Run.objects.none()
        return Run.objects.visible_to(self.request.user).select_related("round")

    @extend_schema(request=None, responses=RunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Stop a queued or running run (400 otherwise); audited."""
        run = run_services.run_cancel(run=self.get_object(), by=request.user)
        return Response(RunSerializer(run).data)

    @extend_schema(request=None, responses=ProposalSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def proposals(self, request, pk=None):
        run = self.get_object()
        proposals = run.proposals.select_related("household", "municipality").order_by(
            "household__reference", "id"
        )
        page = self.paginate_queryset(proposals)
        return self.get_paginated_response(ProposalSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={
            (200, JSON_FILE): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The engine's instance document (JSON)."
            )
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def instance(self, request, pk=None):
        return self._file(self.get_object(), "instance")

    @extend_schema(
        request=None,
        responses={
            (200, JSON_FILE): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The engine's result document (JSON)."
            )
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def result(self, request, pk=None):
        return self._file(self.get_object(), "result")

    def _file(self, run: Run, kind: str):
        content = run_file_read(run=run, kind=kind)
        if content is None:
            raise Http404
        return file_response(
            content,
            content_type=JSON_FILE,
            filename=f"round-{run.round_id}-run-{run.iteration}-{kind}.json",
        )

    @extend_schema(request=None, responses=RunSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        run = self.get_object()
        offer_services.run_publish(run=run, by=request.user)
        run.refresh_from_db()
        return Response(RunSerializer(run).data)


# --- Offers -------------------------------------------------------------------------------------


class AnonymisedMemberSerializer(serializers.Serializer):
    age_band = serializers.CharField()
    sex = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    sector = serializers.CharField(allow_blank=True)
    name = serializers.CharField(
        allow_blank=True, help_text="Empty until both sides have accepted the offer."
    )


class AnonymisedProfileSerializer(serializers.Serializer):
    reference = serializers.CharField()
    members = AnonymisedMemberSerializer(many=True)
    places = serializers.ListField(child=serializers.CharField())
    needs = serializers.ListField(
        child=serializers.CharField(),
        help_text="Before both sides accepted: the place needs the household's consent allows "
        "(wheelchair-accessible flat, psychotherapy place); afterwards the recorded needs.",
    )
    names_revealed = serializers.BooleanField()


class OfferSerializer(serializers.ModelSerializer):
    household_reference = serializers.CharField(source="household.reference", read_only=True)
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)
    profile = serializers.SerializerMethodField(
        help_text="The household as the municipality sees it: anonymised until both accepted. "
        "Not shown to the household itself."
    )
    demand = serializers.SerializerMethodField(
        help_text="Places needed by dimension; for municipal staff without the health-derived "
        "ones the household's consent does not disclose before acceptance."
    )

    class Meta:
        model = Offer
        fields = (
            "id",
            "round",
            "run",
            "household_reference",
            "municipality",
            "municipality_name",
            "score",
            "explanation",
            "demand",
            "status",
            "deadline",
            "household_answer",
            "household_reason_code",
            "municipality_reason_code",
            "expiry_reason_code",
            "municipality_answer",
            "travel_date",
            "arrived_at",
            "created_at",
            "closed_at",
            "profile",
        )

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_demand(self, offer: Offer) -> dict:
        request = self.context.get("request")
        if request is not None and request.user.is_municipal_staff:
            return visible_demand(offer)
        return dict(offer.demand or {})

    @extend_schema_field(AnonymisedProfileSerializer(allow_null=True))
    def get_profile(self, offer: Offer) -> dict | None:
        request = self.context.get("request")
        if request is None or request.user.is_refugee:
            return None
        return AnonymisedProfileSerializer(profile_read(offer, request.user)).data


class AnswerSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason_code = serializers.ChoiceField(
        choices=ReasonCode.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when declining or objecting: a code of the published list "
        "(docs/reasons.md); which codes fit a decline or an objection is checked.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="An optional note beside the reason code; required for the code `other`.",
    )


class OfferFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OfferStatus.choices)
    to_do = django_filters.ChoiceFilter(
        choices=TO_DO_CHOICES,
        method="filter_to_do",
        label="What the municipality still has to do after both sides agreed",
    )

    class Meta:
        model = Offer
        fields = ("round", "municipality", "status", "to_do")

    def filter_to_do(self, queryset: OfferQuerySet, name: str, value: str) -> OfferQuerySet:
        return TO_DO[value](queryset)


@extend_schema(tags=["offers"])
class OfferViewSet(
    BoundedLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    request: AuthenticatedRequest  # HasRole admits signed-in users only
    permission_classes = [HasRole]
    allowed_roles = {
        "answer": (Role.MUNICIPAL_STAFF, Role.CASEWORKER, Role.REFUGEE),
        "*": tuple(Role.values),
    }
    serializer_class = OfferSerializer
    filterset_class = OfferFilter
    ordering_fields = ("created_at", "deadline", "score")
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Offer.objects.none()
        return (
            Offer.objects.visible_to(self.request.user)
            .select_related("household", "municipality", "round", "household__needs")
            .prefetch_related("household__members", "household__consents")
        )

    @extend_schema(request=AnswerSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """The household's answer (refugee or caseworker) or the municipality's (staff)."""
        offer = self.get_object()
        data = validated(AnswerSerializer, request.data)
        user = request.user
        if user.is_municipal_staff:
            service = offer_services.offer_answer_municipality
        elif user.is_refugee or user.is_caseworker:
            service = offer_services.offer_answer_household
        else:
            raise PermissionDenied
        service(
            offer=offer,
            by=user,
            accept=data["accept"],
            reason=data["reason"],
            reason_code=data["reason_code"],
        )
        offer = self.get_queryset().get(pk=offer.pk)
        return Response(OfferSerializer(offer, context={"request": request}).data)
