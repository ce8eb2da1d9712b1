"""/api/v1/: the resources of every app, the OpenAPI schema and its documentation page; and the
portal pages where users manage their API tokens."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path
from rest_framework.routers import DefaultRouter

from api.views import tokens as views
from evaluation.api.views import RoundMetricsView
from matching.api.views import OfferViewSet, RoundViewSet, RunViewSet
from municipalities.api.views import MunicipalityViewSet, QuestionnaireViewSet
from refugees.api.views import HouseholdViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("municipalities", MunicipalityViewSet, basename="api-municipality")
router.register("questionnaires", QuestionnaireViewSet, basename="api-questionnaire")
router.register("rounds", RoundViewSet, basename="api-round")
router.register("runs", RunViewSet, basename="api-run")
router.register("offers", OfferViewSet, basename="api-offer")
router.register("households", HouseholdViewSet, basename="api-household")

v1: list[URLPattern | URLResolver] = [
    path("schema/", views.SchemaView.as_view(), name="api-schema"),
    path("docs/", views.DocsView.as_view(), name="api-docs"),
    re_path(r"^rounds/(?P<id>-?[0-9]+)/metrics/$", RoundMetricsView.as_view(), name="api-metrics"),
    path("", include(router.urls)),
]

# Included at the site root. The token pages live outside /api/ so that the MFA middleware sends
# a coordinator without a second factor to its set-up page instead of a bare 403.
urlpatterns = [
    path("api/v1/", include(v1)),
    path("account/tokens/", views.token_list, name="api_token_list"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
]
