"""Evaluation metrics through the API: what the coordinator's evaluation page shows, as data.
Computed by evaluation.services.metrics, the same functions the page uses."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from accounts.roles import Role
from api.mixins import checked_id
from api.permissions import HasRole
from evaluation.services import stored as stored_metrics
from matching.models import OfferStatus
from rounds.models import Round


class ShareSerializer(serializers.Serializer):
    eligible = serializers.IntegerField()
    hits = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)


class RelativesShareSerializer(ShareSerializer):
    with_ = serializers.IntegerField(help_text="Placed where relatives live.")
    near = serializers.IntegerField(help_text="Placed in the federal state of relatives.")

    def get_fields(self):
        fields = super().get_fields()
        fields["with"] = fields.pop("with_")
        return fields


class NeedsCoverageSerializer(serializers.Serializer):
    accessible = ShareSerializer()
    psychotherapy = ShareSerializer()
    specialist = ShareSerializer()
    school = ShareSerializer()
    kita = ShareSerializer()


class DimensionUseSerializer(serializers.Serializer):
    used = serializers.IntegerField()
    capacity = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)


class UtilisationSerializer(serializers.Serializer):
    municipality = serializers.CharField()
    state = serializers.CharField()
    pledged = serializers.IntegerField(allow_null=True)
    persons = serializers.IntegerField()
    pledge_share = serializers.FloatField(allow_null=True)
    dims = serializers.DictField(child=DimensionUseSerializer())


class StateSerializer(serializers.Serializer):
    state = serializers.CharField()
    persons = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)
    pledged = serializers.IntegerField()
    pledged_share = serializers.FloatField(allow_null=True)
    key_share = serializers.FloatField(
        allow_null=True, help_text="The state's share by the Königsteiner Schlüssel."
    )


class PlacementMetricsSerializer(serializers.Serializer):
    households = serializers.IntegerField()
    persons = serializers.IntegerField()
    matched_households = serializers.IntegerField()
    matched_persons = serializers.IntegerField()
    matched_share = serializers.FloatField(allow_null=True)
    total_score = serializers.FloatField()
    mean_score = serializers.FloatField(allow_null=True)
    scores = serializers.ListField(child=serializers.IntegerField())
    settlement = ShareSerializer()
    state = ShareSerializer()
    relatives = RelativesShareSerializer()
    needs = NeedsCoverageSerializer()
    utilisation = UtilisationSerializer(many=True)
    states = StateSerializer(many=True)


class RunMetricsSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    iteration = serializers.IntegerField()
    metrics = PlacementMetricsSerializer()


class StatusCountSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # API field name
    count = serializers.IntegerField()


class ReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()


class HoursSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)


class OfferStatisticsSerializer(serializers.Serializer):
    offers = serializers.IntegerField()
    by_status = StatusCountSerializer(many=True)
    household_answers = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True)
    decline_rate = serializers.FloatField(allow_null=True)
    municipality_answers = serializers.IntegerField()
    objection_rate = serializers.FloatField(allow_null=True)
    expired_rate = serializers.FloatField(allow_null=True)
    decline_reasons = ReasonCountSerializer(many=True)
    objection_reasons = ReasonCountSerializer(many=True)
    household_hours = HoursSerializer()
    municipality_hours = HoursSerializer()


class RoundMetricsSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    overall = PlacementMetricsSerializer(
        help_text="The placements both sides accepted (accepted and arrived offers)."
    )
    runs = RunMetricsSerializer(many=True, help_text="Each finished run's proposals.")
    offers = OfferStatisticsSerializer()


def _offer_statistics(stats: dict) -> dict:
    labels = dict(OfferStatus.choices)
    return {
        **stats,
        "by_status": [
            {"status": value, "label": str(labels.get(value, value)), "count": count}
            for value, count in stats["by_status"]
        ],
        "decline_reasons": [{"reason": r, "count": n} for r, n in stats["decline_reasons"]],
        "objection_reasons": [{"reason": r, "count": n} for r, n in stats["objection_reasons"]],
    }


@extend_schema(
    tags=["evaluation"],
    parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
    responses=RoundMetricsSerializer,
)
class RoundMetricsView(APIView):
    """A round's evaluation metrics (coordinators, like the evaluation pages)."""

    request: AuthenticatedRequest  # HasRole admits signed-in users only
    permission_classes = [HasRole]
    allowed_roles = (Role.COORDINATOR,)

    def get(self, request, id):
        round_ = get_object_or_404(Round.objects.visible_to(request.user), pk=checked_id(id))
        # The stored figures while they are current; otherwise measured now (an API answer is
        # never a stale figure) and stored for the pages.
        stored = stored_metrics.stored_figures(round_)
        figures = stored.figures if stored.fresh else None
        if figures is None:
            figures = stored_metrics.metrics_refresh(round=round_).figures
        iterations = dict(round_.runs.values_list("pk", "iteration"))
        data = {
            "round": round_.pk,
            "overall": figures["overall"],
            "runs": [
                {"run": pk, "iteration": iterations.get(pk), "metrics": metrics}
                for pk, metrics in figures["runs"]
            ],
            "offers": _offer_statistics(figures["offers"]),
        }
        return Response(RoundMetricsSerializer(data).data)
