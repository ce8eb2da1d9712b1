"""A round through the API: read it, create and change it, move it through its phases. The
apps above add their actions to the round resource (``municipalities``: invitations and the
questionnaire export; ``matching``: runs and results), so /api/v1/rounds/ stays one resource."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.http import AuthenticatedRequest
from accounts.roles import Role
from api.mixins import BoundedLookupMixin
from api.permissions import HasRole
from rounds.models import Round, RoundQuerySet, RoundStatus
from rounds.services import rounds as services

COORDINATOR = (Role.COORDINATOR,)


class RoundSerializer(serializers.ModelSerializer):
    allowed_actions = serializers.SerializerMethodField(
        help_text="What the round allows now (the same answer the portal pages get), e.g. "
        '"edit_questionnaire", "start_run", "answer_offer", "close".'
    )

    class Meta:
        model = Round
        fields = (
            "id",
            "name",
            "status",
            "questionnaire_opens",
            "questionnaire_deadline",
            "arrival_date",
            "offer_reply_days",
            "weights",
            "created_at",
            "closed_at",
            "allowed_actions",
        )
        read_only_fields = ("status", "weights", "created_at", "closed_at")

    def get_allowed_actions(self, round_: Round) -> list[str]:
        return round_.allowed_actions()


class RoundWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Round
        fields = services.ROUND_FIELDS


class RoundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices)

    class Meta:
        model = Round
        fields = ("status",)


@extend_schema(tags=["rounds"])
class RoundViewSet(
    BoundedLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    request: AuthenticatedRequest  # HasRole admits signed-in users only
    permission_classes = [HasRole]
    allowed_roles = {
        "list": (Role.COORDINATOR, Role.MUNICIPAL_STAFF, Role.CASEWORKER),
        "retrieve": (Role.COORDINATOR, Role.MUNICIPAL_STAFF, Role.CASEWORKER),
        "*": COORDINATOR,
    }
    serializer_class = RoundSerializer
    filterset_class = RoundFilter
    ordering_fields = ("created_at", "name", "arrival_date", "questionnaire_deadline")
    ordering = ("-created_at",)

    def get_queryset(self) -> RoundQuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Round.objects.none()
        return Round.objects.visible_to(self.request.user)

    @extend_schema(request=RoundWriteSerializer, responses={201: RoundSerializer})
    def create(self, request: AuthenticatedRequest) -> Response:
        serializer = RoundWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        round_ = services.round_create(by=request.user, data=dict(serializer.validated_data))
        return Response(RoundSerializer(round_).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RoundWriteSerializer, responses=RoundSerializer)
    def partial_update(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        round_ = self.get_object()
        serializer = RoundWriteSerializer(round_, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        round_ = services.round_update(
            round=round_, by=request.user, data=dict(serializer.validated_data)
        )
        return Response(RoundSerializer(round_).data)

    @extend_schema(request=None, responses=RoundSerializer)
    @action(detail=True, methods=["post"], url_path="open-questionnaire")
    def open_questionnaire(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        round_ = services.round_open_questionnaire(round=self.get_object(), by=request.user)
        return Response(RoundSerializer(round_).data)

    @extend_schema(request=None, responses=RoundSerializer)
    @action(detail=True, methods=["post"], url_path="start-relocation")
    def start_relocation(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        round_ = services.round_start_relocation(round=self.get_object(), by=request.user)
        return Response(RoundSerializer(round_).data)

    @extend_schema(request=None, responses=RoundSerializer)
    @action(detail=True, methods=["post"], url_path="start-evaluation")
    def start_evaluation(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        round_ = services.round_start_evaluation(round=self.get_object(), by=request.user)
        return Response(RoundSerializer(round_).data)

    @extend_schema(request=None, responses=RoundSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        round_ = services.round_close(round=self.get_object(), by=request.user)
        return Response(RoundSerializer(round_).data)
