from django.urls import path

from matching.views import accountability as views_accountability
from matching.views import fairshare as views_fairshare
from matching.views import offers as views_offers
from matching.views import programmes as views_programmes
from matching.views import runs as views_runs

urlpatterns = [
    path("rounds/<int:round_pk>/runs/", views_runs.run_list, name="run_list"),
    path("rounds/<int:round_pk>/weights/", views_runs.round_weights, name="round_weights"),
    path("rounds/<int:round_pk>/rules/", views_runs.pair_rule_add, name="pair_rule_add"),
    path("rounds/<int:round_pk>/offers/", views_runs.round_offers, name="round_offers"),
    path(
        "rounds/<int:round_pk>/overrides/",
        views_accountability.round_overrides,
        name="round_overrides",
    ),
    path(
        "rounds/<int:round_pk>/overrides.<str:fmt>",
        views_accountability.round_overrides_export,
        name="round_overrides_export",
    ),
    path("rules/<int:pk>/delete/", views_runs.pair_rule_delete, name="pair_rule_delete"),
    path("runs/<int:pk>/", views_runs.run_detail, name="run_detail"),
    path("runs/<int:pk>/status.json", views_runs.run_status, name="run_status"),
    path("runs/<int:pk>/publish/", views_runs.run_publish, name="run_publish"),
    path("runs/<int:pk>/cancel/", views_runs.run_cancel, name="run_cancel"),
    path("runs/<int:pk>/variant/", views_fairshare.run_variant, name="run_variant"),
    path(
        "runs/<int:pk>/sensitivity/",
        views_accountability.run_sensitivity_start,
        name="run_sensitivity_start",
    ),
    path(
        "runs/<int:pk>/sensitivity/status.json",
        views_accountability.run_sensitivity_status,
        name="run_sensitivity_status",
    ),
    path("runs/<int:pk>/<str:kind>.json", views_runs.run_file, name="run_file"),
    path("programmes/<int:pk>/", views_programmes.programme_detail, name="programme_detail"),
    path(
        "programmes/<int:pk>/overrides/",
        views_accountability.programme_overrides,
        name="programme_overrides",
    ),
    path(
        "programmes/<int:pk>/overrides.<str:fmt>",
        views_accountability.programme_overrides_export,
        name="programme_overrides_export",
    ),
    path("offers/", views_offers.offer_list, name="offer_list"),
    path("offers/<int:pk>/", views_offers.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/answer/<str:side>/", views_offers.offer_answer, name="offer_answer"),
    path("offers/<int:pk>/travel/", views_offers.offer_travel_date, name="offer_travel_date"),
    path("offers/<int:pk>/arrival/", views_offers.offer_arrival, name="offer_arrival"),
]
