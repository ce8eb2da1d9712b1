"""Households through the API: the same permissions and services as the caseworker portal.

Coordinators and caseworkers read (every read of a full profile by them is audited); refugees
read their own household; only caseworkers of the household's organisation change it; municipal
staff never see households here (they see anonymised profiles on offers)."""

from __future__ import annotations

from datetime import date

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.http import AuthenticatedRequest
from accounts.models import User
from accounts.roles import Role
from api.exceptions import problem
from api.mixins import BoundedLookupMixin, IdField, checked_id, validated
from api.permissions import HasRole
from api.responses import CSV, FILE_TYPES, XLSX, file_response, file_type
from municipalities.choices import Sector, SpecialistCare
from municipalities.models import FederalState, SettlementType
from refugees import importing, services
from refugees.models import (
    CASEWORKER_STATUSES,
    LANGUAGE_LEVELS,
    LANGUAGES,
    MAX_MEMBERS,
    Consent,
    ConsentText,
    Household,
    HouseholdStatus,
    Member,
    Needs,
    Preferences,
    consent_given_at,
)
from refugees.selectors import (
    completeness_percent,
    household_checklist,
    household_list,
    household_profile,
)
from rounds.models import Round

READERS = (Role.COORDINATOR, Role.CASEWORKER, Role.REFUGEE)
WRITERS = (Role.CASEWORKER,)


# --- Serializers --------------------------------------------------------------------------------


class LanguageSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=LANGUAGES)
    level = serializers.ChoiceField(choices=LANGUAGE_LEVELS)


class MemberSerializer(serializers.ModelSerializer):
    languages = LanguageSerializer(many=True, required=False)
    sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True)

    class Meta:
        model = Member
        fields: tuple[str, ...] = ("id", *Member.PROFILE_FIELDS)


class NeedsSerializer(serializers.ModelSerializer):
    specialist_care = serializers.ListField(
        child=serializers.ChoiceField(choices=SpecialistCare.choices), required=False
    )

    class Meta:
        model = Needs
        fields: tuple[str, ...] = (*Needs.HEALTH_FIELDS, "recorded_at")
        read_only_fields = ("recorded_at",)


def _choice_list(choices) -> serializers.ListField:
    return serializers.ListField(child=serializers.ChoiceField(choices=choices), required=False)


class PreferencesSerializer(serializers.ModelSerializer):
    settlement_types = _choice_list(SettlementType.choices)
    wished_states = _choice_list(FederalState.choices)
    excluded_states = _choice_list(FederalState.choices)

    class Meta:
        model = Preferences
        fields: tuple[str, ...] = (*Preferences.PROFILE_FIELDS, "recorded_at")
        read_only_fields = ("recorded_at",)


class ConsentSerializer(serializers.ModelSerializer):
    is_valid = serializers.BooleanField(read_only=True)  # type: ignore[assignment]  # API field name

    class Meta:
        model = Consent
        fields = ("id", "text_version", "given_at", "withdrawn_at", "is_valid")


class ConsentInputSerializer(serializers.Serializer):
    text_version = serializers.ChoiceField(choices=ConsentText.choices)
    given_on = serializers.DateField(
        help_text="The day the household agreed: not in the future, not before 2022-01-01."
    )

    def validate_given_on(self, value: date) -> date:
        consent_given_at(value)  # the one rule; its ValidationError becomes a field error
        return value


class CheckSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # API field name
    done = serializers.BooleanField()


class HouseholdListSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    persons = serializers.IntegerField(source="member_count", read_only=True)
    has_valid_consent = serializers.BooleanField(source="consent_ok", read_only=True)

    class Meta:
        model = Household
        fields = (
            "id",
            "reference",
            "status",
            "organisation",
            "caseworker",
            "persons",
            "has_valid_consent",
            "version",
            "created_at",
            "updated_at",
        )


class RelativeOutSerializer(serializers.Serializer):
    relation = serializers.CharField()
    place = serializers.CharField(source="place_name")
    municipality = serializers.IntegerField(source="municipality_id", allow_null=True)


class HouseholdDetailSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    members = MemberSerializer(many=True, read_only=True)
    needs = NeedsSerializer(source="needs_or_default", read_only=True)
    preferences = PreferencesSerializer(source="preferences_or_default", read_only=True)
    consents = ConsentSerializer(many=True, read_only=True)
    relatives = RelativeOutSerializer(many=True, read_only=True)
    linked_households: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="reference", many=True, read_only=True
    )
    rounds = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()
    completeness = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = (
            "id",
            "reference",
            "status",
            "organisation",
            "caseworker",
            "notes",
            "version",
            "members",
            "needs",
            "preferences",
            "consents",
            "relatives",
            "linked_households",
            "rounds",
            "checklist",
            "completeness",
            "created_at",
            "updated_at",
        )

    def get_rounds(self, household: Household) -> list[int]:
        return [entry.round_id for entry in household.round_entries.all()]

    @extend_schema_field(CheckSerializer(many=True))
    def get_checklist(self, household: Household) -> list[dict]:
        return list(CheckSerializer(household_checklist(household), many=True).data)

    def get_completeness(self, household: Household) -> int:
        return completeness_percent(household_checklist(household))


class HouseholdCreateSerializer(serializers.Serializer):
    """A whole household in one request, saved all or nothing."""

    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    status = serializers.ChoiceField(
        choices=list(CASEWORKER_STATUSES), default=HouseholdStatus.DRAFT
    )
    members = MemberSerializer(many=True, allow_empty=False, max_length=MAX_MEMBERS)  # type: ignore[call-arg]  # many=True makes a ListSerializer
    needs = NeedsSerializer(required=False)
    preferences = PreferencesSerializer(required=False)
    consent = ConsentInputSerializer(required=False)
    save_anyway = serializers.BooleanField(
        default=False,
        help_text=(
            "Save although a member has the same name and date of birth as a person of a "
            "household your organisation recorded already (a likely duplicate)."
        ),
    )

    def validate_members(self, members: list[dict]) -> list[dict]:
        contacts = sum(1 for m in members if m.get("relation") == "contact")
        if contacts != 1:
            raise serializers.ValidationError(
                "A household has exactly one contact person (relation 'contact')."
            )
        return members


class HouseholdUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text="The version you read; a stale one is refused (400)."
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    status = serializers.ChoiceField(choices=list(CASEWORKER_STATUSES), required=False)
    caseworker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.CASEWORKER), required=False, allow_null=True
    )


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)


class MemberInputSerializer(MemberSerializer):
    version = serializers.IntegerField(required=False, write_only=True)
    save_anyway = serializers.BooleanField(
        default=False,
        write_only=True,
        help_text=(
            "Save although the member has the same name and date of birth as a person of "
            "another household your organisation recorded already (a likely duplicate)."
        ),
    )

    class Meta(MemberSerializer.Meta):
        fields = (*MemberSerializer.Meta.fields, "version", "save_anyway")


class NeedsInputSerializer(NeedsSerializer):
    version = serializers.IntegerField(required=False, write_only=True)

    class Meta(NeedsSerializer.Meta):
        fields = (*NeedsSerializer.Meta.fields, "version")


class PreferencesInputSerializer(PreferencesSerializer):
    version = serializers.IntegerField(required=False, write_only=True)

    class Meta(PreferencesSerializer.Meta):
        fields = (*PreferencesSerializer.Meta.fields, "version")


class RoundEntrySerializer(serializers.Serializer):
    round = IdField(help_text="Id of an open round.")


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8, ; or ,) or XLSX, at most 5 MB.")
    dry_run = serializers.BooleanField(
        default=False, help_text="Only validate and report; save nothing."
    )
    import_anyway = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=list,
        help_text=(
            "Household keys of likely duplicates to save nonetheless; every other likely "
            "duplicate is skipped."
        ),
    )


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportDuplicateSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The household key of the file.")
    references = serializers.ListField(
        child=serializers.CharField(),
        help_text="Households of your organisation that share a person (name and birth date).",
    )


class ImportResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    saved = serializers.BooleanField()
    rows = serializers.IntegerField()
    households = serializers.IntegerField()
    members = serializers.IntegerField()
    references = serializers.ListField(child=serializers.CharField())
    errors = ImportErrorSerializer(many=True)  # type: ignore[assignment]  # API field name
    duplicates = ImportDuplicateSerializer(many=True)
    skipped = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of the likely duplicates not saved."
    )


class TemplateQuery(serializers.Serializer):
    language = serializers.ChoiceField(choices=["de", "en"], default="de")
    file_type = serializers.ChoiceField(choices=["csv", "xlsx"], default="xlsx")


# --- Filters ------------------------------------------------------------------------------------


class HouseholdFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=HouseholdStatus.choices)
    consent = django_filters.ChoiceFilter(
        choices=[("valid", "valid"), ("missing", "missing")], method="filter_consent"
    )
    round = django_filters.NumberFilter(field_name="round_entries__round")
    reference = django_filters.CharFilter(lookup_expr="icontains")
    mine = django_filters.BooleanFilter(method="filter_mine")

    class Meta:
        model = Household
        fields = ("status", "consent", "round", "reference", "mine")

    def filter_consent(self, queryset, name, value):
        return queryset.filter(consent_ok=(value == "valid"))

    def filter_mine(self, queryset, name, value):
        return queryset.filter(caseworker=self.request.user) if value else queryset


# --- Views --------------------------------------------------------------------------------------


def _detail(request, household: Household) -> dict:
    """The household as it is now, after a change (not audited as a read: the change is)."""
    return HouseholdDetailSerializer(household_profile(request.user).get(pk=household.pk)).data


@extend_schema(tags=["households"])
class HouseholdViewSet(
    BoundedLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    request: AuthenticatedRequest  # HasRole admits signed-in users only
    permission_classes = [HasRole]
    allowed_roles = {
        "list": READERS,
        "retrieve": READERS,
        "import_template": (Role.COORDINATOR, Role.CASEWORKER),
        "*": WRITERS,
    }
    filterset_class = HouseholdFilter
    ordering_fields = ("reference", "status", "created_at", "updated_at")
    ordering = ("-updated_at", "reference")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Household.objects.none()
        if self.action == "list":
            return household_list(self.request.user)
        return household_profile(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return HouseholdListSerializer
        return HouseholdDetailSerializer

    def _editable(self) -> Household:
        editable = Household.objects.editable_by(self.request.user).values("pk")
        return get_object_or_404(
            household_profile(self.request.user).filter(pk__in=editable),
            pk=checked_id(self.kwargs["pk"]),
        )

    def retrieve(self, request, *args, **kwargs):
        household = self.get_object()
        services.household_view_log(household=household, by=request.user)
        return Response(HouseholdDetailSerializer(household).data)

    @extend_schema(request=HouseholdCreateSerializer, responses={201: HouseholdDetailSerializer})
    def create(self, request):
        data = validated(HouseholdCreateSerializer, request.data)
        consent = data.get("consent")
        household = services.household_create(
            by=request.user,
            data=services.HouseholdData(
                members=[(0, dict(m)) for m in data["members"]],
                household={"notes": data.get("notes", ""), "status": data["status"]},
                needs={k: v for k, v in data.get("needs", {}).items() if k != "recorded_at"},
                preferences=dict(data.get("preferences", {})),
                consent=dict(consent) if consent else None,
            ),
            save_anyway=data["save_anyway"],
        )
        return Response(_detail(request, household), status=status.HTTP_201_CREATED)

    @extend_schema(request=HouseholdUpdateSerializer, responses=HouseholdDetailSerializer)
    def partial_update(self, request, pk=None):
        household = self._editable()
        data = validated(HouseholdUpdateSerializer, request.data)
        version = data.pop("version", None)
        services.household_update(household=household, by=request.user, version=version, data=data)
        return Response(_detail(request, household))

    @extend_schema(request=MemberInputSerializer, responses={201: MemberSerializer})
    @action(detail=True, methods=["post"], url_path="members")
    def add_member(self, request, pk=None):
        household = self._editable()
        data = validated(MemberInputSerializer, request.data)
        version = data.pop("version", None)
        save_anyway = data.pop("save_anyway")
        member = services.member_save(
            household=household,
            by=request.user,
            version=version,
            data=data,
            save_anyway=save_anyway,
        )
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        request=MemberInputSerializer,
        responses=MemberSerializer,
        parameters=[OpenApiParameter("member_id", int, OpenApiParameter.PATH)],
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={204: None},
        parameters=[
            OpenApiParameter("member_id", int, OpenApiParameter.PATH),
            OpenApiParameter("version", int, required=False),
        ],
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"members/(?P<member_id>-?[0-9]+)")
    def member(self, request, pk=None, member_id=None):
        household = self._editable()
        member = get_object_or_404(household.members.all(), pk=checked_id(member_id))
        if request.method == "DELETE":
            version = validated(VersionedSerializer, request.query_params).get("version")
            services.member_remove(
                household=household, by=request.user, version=version, member=member
            )
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = MemberInputSerializer(member, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        save_anyway = data.pop("save_anyway", False)
        member = services.member_save(
            household=household,
            by=request.user,
            version=version,
            data=data,
            member=member,
            save_anyway=save_anyway,
        )
        return Response(MemberSerializer(member).data)

    @extend_schema(request=NeedsInputSerializer, responses=NeedsSerializer)
    @action(detail=True, methods=["put"])
    def needs(self, request, pk=None):
        household = self._editable()
        data = validated(NeedsInputSerializer, request.data)
        version = data.pop("version", None)
        needs = services.needs_update(
            household=household, by=request.user, version=version, data=data
        )
        return Response(NeedsSerializer(needs).data)

    @extend_schema(request=PreferencesInputSerializer, responses=PreferencesSerializer)
    @action(detail=True, methods=["put"])
    def preferences(self, request, pk=None):
        household = self._editable()
        data = validated(PreferencesInputSerializer, request.data)
        version = data.pop("version", None)
        preferences = services.preferences_update(
            household=household, by=request.user, version=version, data=data
        )
        return Response(PreferencesSerializer(preferences).data)

    @extend_schema(request=ConsentInputSerializer, responses={201: ConsentSerializer})
    @action(detail=True, methods=["post"])
    def consent(self, request, pk=None):
        household = self._editable()
        data = validated(ConsentInputSerializer, request.data)
        consent = services.consent_record(
            household=household,
            by=request.user,
            text_version=data["text_version"],
            given_at=consent_given_at(data["given_on"]),
        )
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=HouseholdDetailSerializer)
    @action(detail=True, methods=["post"], url_path="consent/withdraw")
    def consent_withdraw(self, request, pk=None):
        household = self._editable()
        services.consent_withdraw(household=household, by=request.user)
        return Response(_detail(request, household))

    @extend_schema(request=RoundEntrySerializer, responses=HouseholdDetailSerializer)
    @action(detail=True, methods=["post"], url_path="rounds")
    def enter_round(self, request, pk=None):
        household = self._editable()
        data = validated(RoundEntrySerializer, request.data)
        round_ = get_object_or_404(Round.objects.visible_to(request.user), pk=data["round"])
        services.round_household_add(round=round_, household=household, by=request.user)
        return Response(_detail(request, household))

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={200: ImportResultSerializer, 201: ImportResultSerializer},
        description=(
            "Import households from a CSV or XLSX file (template: import-template). The file is "
            "validated as a whole; with any error nothing is saved and the 400 response lists "
            "every error as field `rows.<row>.<column>`. With dry_run the report is returned "
            "(200) and nothing is saved; otherwise every household is saved (201), except likely "
            "duplicates of households recorded already (a person with the same name and date of "
            "birth), which are listed and skipped unless named in import_anyway."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request):
        data = validated(ImportUploadSerializer, request.data)
        upload = data["file"]
        report = importing.import_file(
            upload=upload.file,
            filename=upload.name or "",
            size=upload.size,
            by=request.user,
            save=not data["dry_run"],
            import_anyway=set(data["import_anyway"]),
        )
        if report.errors:
            errors = [
                {
                    "field": f"rows.{e.row}.{e.column}" if e.column else f"rows.{e.row}",
                    "code": "invalid",
                    "message": e.message,
                }
                for e in report.errors
            ]
            detail = f"{len(report.errors)} error(s) in the file; nothing was saved."
            return Response(problem(400, detail, errors), status=status.HTTP_400_BAD_REQUEST)
        result = {
            "valid": report.is_valid,
            "saved": bool(report.saved),
            "rows": report.rows,
            "households": len(report.households),
            "members": report.member_count,
            "references": report.saved,
            "errors": [],
            "skipped": report.skipped,
            "duplicates": [{"key": r.key, "references": r.duplicates} for r in report.duplicates],
        }
        code = status.HTTP_201_CREATED if report.saved else status.HTTP_200_OK
        return Response(ImportResultSerializer(result).data, status=code)

    @extend_schema(
        parameters=[TemplateQuery],
        responses={
            (200, CSV): OpenApiResponse(OpenApiTypes.BINARY),
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="import-template",
        filter_backends=[],
        pagination_class=None,
    )
    def import_template(self, request):
        query = validated(TemplateQuery, request.query_params)
        language, kind = query["language"], file_type(request)
        build = importing.template_csv if kind == "csv" else importing.template_xlsx
        return file_response(
            build(language),
            filename=f"rematch-households-{language}.{kind}",
            content_type=FILE_TYPES[kind],
        )
