"""Municipalities and capacity questionnaires through the API, with the municipal portal's
permissions and services: coordinators manage master data and read every questionnaire; staff
read and change their own municipality's."""

from __future__ import annotations

from typing import TYPE_CHECKING

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.http import AuthenticatedRequest
from accounts.roles import Role
from api.mixins import BoundedLookupMixin, IdField, checked_id, validated
from api.permissions import HasRole
from api.responses import (
    FILE_TYPE_PARAMETER,
    FILE_TYPES,
    file_response,
    file_type,
    spreadsheet_responses,
)
from municipalities.choices import Sector, SpecialistCare
from municipalities.exports import export_csv, export_xlsx
from municipalities.models import (
    ANSWER_FIELDS,
    HousingUnit,
    Municipality,
    Questionnaire,
    QuestionnaireStatus,
    Section,
)
from municipalities.selectors import round_overview
from municipalities.services import participations
from municipalities.services import questionnaires as services
from rounds.models import Round

PORTAL_ROLES = (Role.COORDINATOR, Role.MUNICIPAL_STAFF)


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ("id", *services.MASTER_FIELDS)


class MunicipalityUpdateSerializer(serializers.ModelSerializer):
    """Coordinators may change every field; municipal staff only contact and description."""

    class Meta:
        model = Municipality
        fields = services.MASTER_FIELDS
        extra_kwargs: dict[str, dict[str, object]] = {
            "slug": {"validators": []},
            "ags": {"validators": []},
        }


class MunicipalityFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Municipality
        fields = ("federal_state", "settlement_type", "name")


@extend_schema(tags=["municipalities"])
class MunicipalityViewSet(
    BoundedLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    request: AuthenticatedRequest  # HasRole admits signed-in users only
    permission_classes = [HasRole]
    allowed_roles = {"create": (Role.COORDINATOR,), "*": PORTAL_ROLES}
    serializer_class = MunicipalitySerializer
    filterset_class = MunicipalityFilter
    ordering_fields = ("name", "population", "ags")
    ordering = ("name",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Municipality.objects.none()
        return Municipality.objects.visible_to(self.request.user)

    @extend_schema(request=MunicipalitySerializer, responses={201: MunicipalitySerializer})
    def create(self, request):
        serializer = MunicipalitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        municipality = services.municipality_create(
            by=request.user, data=dict(serializer.validated_data)
        )
        return Response(MunicipalitySerializer(municipality).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MunicipalityUpdateSerializer, responses=MunicipalitySerializer)
    def partial_update(self, request, pk=None):
        municipality = self.get_object()
        serializer = MunicipalityUpdateSerializer(municipality, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        municipality = services.municipality_update(
            municipality=municipality, by=request.user, data=dict(serializer.validated_data)
        )
        return Response(MunicipalitySerializer(municipality).data)


# --- Questionnaires -----------------------------------------------------------------------------


class HousingUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = HousingUnit
        fields: tuple[str, ...] = ("id", *services.UNIT_FIELDS)


class HousingUnitInputSerializer(HousingUnitSerializer):
    version = serializers.IntegerField(help_text="The questionnaire version you read.")

    class Meta(HousingUnitSerializer.Meta):
        fields = (*HousingUnitSerializer.Meta.fields, "version")


class CapacitySerializer(serializers.Serializer):
    persons = serializers.IntegerField()
    school = serializers.IntegerField()
    kita = serializers.IntegerField()
    accessible = serializers.IntegerField()
    psychotherapy = serializers.IntegerField()


def _choice_list(choices) -> serializers.ListField:
    return serializers.ListField(child=serializers.ChoiceField(choices=choices), required=False)


class QuestionnaireSerializer(serializers.ModelSerializer):
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)
    housing_units = HousingUnitSerializer(many=True, read_only=True)
    capacity = CapacitySerializer(read_only=True)
    specialist_care = _choice_list(SpecialistCare.choices)
    sectors_in_demand = _choice_list(Sector.choices)

    class Meta:
        model = Questionnaire
        fields = (
            "id",
            "round",
            "municipality",
            "municipality_name",
            "status",
            "version",
            "completed_sections",
            "submitted_at",
            "updated_at",
            *ANSWER_FIELDS,
            "housing_units",
            "capacity",
        )
        read_only_fields = fields


class SectionInputSerializer(serializers.ModelSerializer):
    """The answers of one section; fields of other sections are ignored."""

    version = serializers.IntegerField(help_text="The questionnaire version you read.")
    specialist_care = _choice_list(SpecialistCare.choices)
    sectors_in_demand = _choice_list(Sector.choices)

    class Meta:
        model = Questionnaire
        fields = ("version", *ANSWER_FIELDS)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The questionnaire version you read.")


class QuestionnaireStartSerializer(serializers.Serializer):
    round = IdField()
    municipality = IdField()


class QuestionnaireFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=QuestionnaireStatus.choices)

    class Meta:
        model = Questionnaire
        fields = ("round", "municipality", "status")


SECTION_PARAMETER = OpenApiParameter(
    "section", str, OpenApiParameter.PATH, enum=[s.value for s in Section]
)
UNIT_PARAMETER = OpenApiParameter("unit_id", int, OpenApiParameter.PATH)


@extend_schema(tags=["questionnaires"])
class QuestionnaireViewSet(
    BoundedLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    request: AuthenticatedRequest  # HasRole admits signed-in users only
    permission_classes = [HasRole]
    allowed_roles = {"reopen": (Role.COORDINATOR,), "*": PORTAL_ROLES}
    serializer_class = QuestionnaireSerializer
    filterset_class = QuestionnaireFilter
    ordering_fields = ("updated_at", "submitted_at", "municipality__name")
    ordering = ("municipality__name", "id")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Questionnaire.objects.none()
        return (
            Questionnaire.objects.visible_to(self.request.user)
            .select_related("municipality", "round")
            .prefetch_related("housing_units")
        )

    def _reply(self, questionnaire: Questionnaire, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=questionnaire.pk)
        return Response(QuestionnaireSerializer(fresh).data, status=code)

    @extend_schema(
        request=QuestionnaireStartSerializer,
        responses={201: QuestionnaireSerializer},
        description="Start the (empty) questionnaire of an invited municipality; idempotent.",
    )
    def create(self, request):
        data = validated(QuestionnaireStartSerializer, request.data)
        municipality = get_object_or_404(
            Municipality.objects.visible_to(request.user), pk=data["municipality"]
        )
        round_ = get_object_or_404(Round.objects.visible_to(request.user), pk=data["round"])
        questionnaire = services.questionnaire_start(
            round=round_, municipality=municipality, by=request.user
        )
        return self._reply(questionnaire, status.HTTP_201_CREATED)

    @extend_schema(
        request=SectionInputSerializer,
        responses=QuestionnaireSerializer,
        parameters=[SECTION_PARAMETER],
    )
    @action(detail=True, methods=["put"], url_path=r"sections/(?P<section>[a-z_]+)")
    def section(self, request, pk=None, section=None):
        """Save the answers of one section and mark it complete."""
        questionnaire = self.get_object()
        if section not in Section.values:
            raise serializers.ValidationError({"section": ["Unknown section."]})
        serializer = SectionInputSerializer(questionnaire, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if version is None:
            raise serializers.ValidationError({"version": ["This field is required."]})
        questionnaire = services.questionnaire_save_section(
            questionnaire=questionnaire,
            section=section,
            data=data,
            version=version,
            by=request.user,
        )
        return self._reply(questionnaire)

    @extend_schema(request=VersionSerializer, responses=QuestionnaireSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        questionnaire = self.get_object()
        version = validated(VersionSerializer, request.data)["version"]
        questionnaire = services.questionnaire_submit(
            questionnaire=questionnaire, version=version, by=request.user
        )
        return self._reply(questionnaire)

    @extend_schema(request=None, responses=QuestionnaireSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        questionnaire = services.questionnaire_reopen(
            questionnaire=self.get_object(), by=request.user
        )
        return self._reply(questionnaire)

    @extend_schema(request=HousingUnitInputSerializer, responses={201: HousingUnitSerializer})
    @action(detail=True, methods=["post"], url_path="housing-units")
    def add_housing_unit(self, request, pk=None):
        questionnaire = self.get_object()
        data = validated(HousingUnitInputSerializer, request.data)
        version = data.pop("version")
        unit = services.housing_unit_add(
            questionnaire=questionnaire, data=data, version=version, by=request.user
        )
        return Response(HousingUnitSerializer(unit).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[UNIT_PARAMETER, OpenApiParameter("version", int, required=True)],
    )
    @action(detail=True, methods=["delete"], url_path=r"housing-units/(?P<unit_id>-?[0-9]+)")
    def delete_housing_unit(self, request, pk=None, unit_id=None):
        questionnaire = self.get_object()
        unit = get_object_or_404(questionnaire.housing_units.all(), pk=checked_id(unit_id))
        version = validated(VersionSerializer, request.query_params)["version"]
        services.housing_unit_delete(unit=unit, version=version, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- A round's participants (actions on /api/v1/rounds/{id}/) --------------------------------


class InviteSerializer(serializers.Serializer):
    municipalities = serializers.ListField(child=IdField(), allow_empty=False, max_length=1000)


class ParticipationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    municipality = serializers.IntegerField(source="municipality_id")
    municipality_name = serializers.CharField(source="municipality.name")
    pledged_persons = serializers.IntegerField(allow_null=True)
    pledged_at = serializers.DateTimeField(allow_null=True)


if TYPE_CHECKING:
    _RoundActionsBase = viewsets.GenericViewSet
else:
    _RoundActionsBase = object


class RoundParticipationActions(_RoundActionsBase):
    """Invitations and the questionnaire export of a round, added to the round resource."""

    @extend_schema(request=InviteSerializer, responses=ParticipationSerializer(many=True))
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        round_ = self.get_object()
        ids = validated(InviteSerializer, request.data)["municipalities"]
        municipalities = list(Municipality.objects.visible_to(request.user).filter(pk__in=ids))
        if len(municipalities) != len(set(ids)):
            raise serializers.ValidationError({"municipalities": [_("Unknown municipality.")]})
        participations.round_invite(round=round_, municipalities=municipalities, by=request.user)
        rows = round_.participations.select_related("municipality")
        return Response(ParticipationSerializer(rows, many=True).data)

    @extend_schema(
        request=None,
        parameters=[FILE_TYPE_PARAMETER],
        responses=spreadsheet_responses("Every invited municipality's questionnaire answers."),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="questionnaires/export",
        filter_backends=[],
        pagination_class=None,
    )
    def questionnaires_export(self, request, pk=None):
        round_ = self.get_object()
        kind = file_type(request)
        overview = round_overview(round_)
        content = export_csv(overview) if kind == "csv" else export_xlsx(overview)
        return file_response(
            content,
            content_type=FILE_TYPES[kind],
            filename=f"questionnaires-{slugify(round_.name) or round_.pk}.{kind}",
        )
