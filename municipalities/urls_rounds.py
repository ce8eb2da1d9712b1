"""Round pages about who takes part, under /rounds/ beside the round's own pages."""

from django.urls import path

from municipalities.views import rounds as views_rounds

urlpatterns = [
    path("", views_rounds.round_list, name="round_list"),
    path("<int:pk>/", views_rounds.round_detail, name="round_detail"),
    path("<int:pk>/invite/", views_rounds.round_invite, name="round_invite"),
    path("<int:pk>/export.<str:fmt>", views_rounds.round_export, name="round_export"),
]
