from django.urls import path

from matching import views_rounds

urlpatterns = [
    path("", views_rounds.round_list, name="round_list"),
    path("new/", views_rounds.round_create, name="round_create"),
    path("<int:pk>/", views_rounds.round_detail, name="round_detail"),
    path("<int:pk>/edit/", views_rounds.round_edit, name="round_edit"),
    path("<int:pk>/invite/", views_rounds.round_invite, name="round_invite"),
    path("<int:pk>/open/", views_rounds.round_open, name="round_open"),
    path("<int:pk>/close/", views_rounds.round_close, name="round_close"),
    path("<int:pk>/export.<str:fmt>", views_rounds.round_export, name="round_export"),
]
