from django.urls import path

from municipalities.views import applications as apps
from municipalities.views import municipalities as views
from municipalities.views import programmes as views_programmes
from municipalities.views import questionnaire as q
from municipalities.views import rounds as views_rounds
from municipalities.views import welcome as views_welcome

round_prefix = "<slug:slug>/rounds/<int:round_pk>/"

urlpatterns = [
    path("", views.municipality_list, name="municipality_list"),
    path("new/", views.municipality_create, name="municipality_create"),
    path("applications/", apps.application_list, name="application_list"),
    path("applications/<int:pk>/", apps.application_detail, name="application_detail"),
    path("applications/<int:pk>/approve/", apps.application_approve, name="application_approve"),
    path("applications/<int:pk>/decline/", apps.application_decline, name="application_decline"),
    path("<slug:slug>/", views.municipality_detail, name="municipality_detail"),
    path("<slug:slug>/edit/", views.municipality_edit, name="municipality_edit"),
    path("<slug:slug>/staff/add/", views.staff_add, name="municipality_staff_add"),
    path(
        "<slug:slug>/staff/<int:user_id>/remove/",
        views.staff_remove,
        name="municipality_staff_remove",
    ),
    path("<slug:slug>/welcome/", views_welcome.welcome_edit, name="welcome_edit"),
    path(round_prefix, q.participation_detail, name="participation_detail"),
    path(round_prefix + "pledge/", q.participation_pledge, name="participation_pledge"),
    path(round_prefix + "questionnaire/", q.questionnaire_start, name="questionnaire_start"),
    path(
        round_prefix + "questionnaire/submit/", q.questionnaire_submit, name="questionnaire_submit"
    ),
    path(
        round_prefix + "questionnaire/reopen/", q.questionnaire_reopen, name="questionnaire_reopen"
    ),
    path(round_prefix + "questionnaire/units/", q.housing_unit_add, name="housing_unit_add"),
    path(
        round_prefix + "questionnaire/units/<int:pk>/",
        q.housing_unit_edit,
        name="housing_unit_edit",
    ),
    path(
        round_prefix + "questionnaire/units/<int:pk>/delete/",
        q.housing_unit_delete,
        name="housing_unit_delete",
    ),
    path(
        round_prefix + "questionnaire/<slug:section>/",
        q.questionnaire_section,
        name="questionnaire_section",
    ),
]

# Who takes part in a round, under /rounds/ beside the round's own pages (rematch/urls.py).
round_urlpatterns = [
    path("", views_rounds.round_list, name="round_list"),
    path("<int:pk>/", views_rounds.round_detail, name="round_detail"),
    path("<int:pk>/invite/", views_rounds.round_invite, name="round_invite"),
    path("<int:pk>/export.<str:fmt>", views_rounds.round_export, name="round_export"),
]

# A municipality's pledge and cohorts, under /programmes/.
programme_urlpatterns = [
    path("<int:pk>/pledges/", views_programmes.programme_pledge, name="programme_pledge"),
    path(
        "<int:pk>/pledges/applications/<int:application_pk>/",
        views_programmes.programme_pledge_from_application,
        name="programme_pledge_from_application",
    ),
    path(
        "<int:pk>/cohorts/new/", views_programmes.programme_cohort_add, name="programme_cohort_add"
    ),
]
