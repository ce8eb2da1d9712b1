from django.urls import path

from refugees.views import handover as views_handover
from refugees.views import households as views
from refugees.views import importing as views_import

urlpatterns = [
    path("", views.household_list_view, name="household_list"),
    path("new/", views.household_create, name="household_create"),
    path("import/", views_import.household_import, name="household_import"),
    path("import/confirm/", views_import.household_import_confirm, name="household_import_confirm"),
    path("import/cancel/", views_import.household_import_cancel, name="household_import_cancel"),
    path(
        "import/template.<str:language>.<str:kind>",
        views_import.household_import_template,
        name="household_import_template",
    ),
    path(
        "organisations/<int:pk>/caseworkers/<int:user_id>/hand-over/",
        views_handover.household_hand_over,
        name="household_hand_over",
    ),
    path("<int:pk>/", views.household_detail, name="household_detail"),
    path("<int:pk>/print/", views.household_print, name="household_print"),
    path("<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("<int:pk>/members/", views.household_members, name="household_members"),
    path("<int:pk>/members/<int:member_pk>/", views.household_members, name="member_edit"),
    path("<int:pk>/members/<int:member_pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/needs/", views.household_needs, name="household_needs"),
    path("<int:pk>/preferences/", views.household_preferences, name="household_preferences"),
    path("<int:pk>/relatives/", views.household_relatives, name="household_relatives"),
    path(
        "<int:pk>/relatives/<int:relative_pk>/remove/",
        views.relative_remove,
        name="relative_remove",
    ),
    path("<int:pk>/links/", views.household_links, name="household_links"),
    path("<int:pk>/links/<int:other_pk>/remove/", views.household_unlink, name="household_unlink"),
    path("<int:pk>/consent/", views.household_consent, name="household_consent"),
    path("<int:pk>/consent/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/rounds/", views.household_rounds, name="household_rounds"),
    path("<int:pk>/rounds/<int:round_pk>/remove/", views.round_remove, name="round_remove"),
    path("<int:pk>/account/", views.household_account, name="household_account"),
]
