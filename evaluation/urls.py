from django.urls import path

from evaluation.views import programmes as views_programmes
from evaluation.views import rounds as views
from evaluation.views import workshops

urlpatterns = [
    path("", views.evaluation_index, name="evaluation_index"),
    path("rounds/<int:pk>/", views.round_evaluation, name="round_evaluation"),
    path(
        "programmes/<int:pk>/",
        views_programmes.programme_evaluation,
        name="programme_evaluation",
    ),
    path(
        "programmes/<int:pk>/evaluation.pdf",
        views_programmes.programme_evaluation_pdf,
        name="programme_evaluation_pdf",
    ),
    path("rounds/<int:pk>/comparison/", views.round_comparison, name="round_comparison"),
    path("rounds/<int:pk>/surveys/", views.round_surveys, name="round_surveys"),
    path("rounds/<int:pk>/surveys/export.<str:fmt>", views.survey_export, name="survey_export"),
    path("rounds/<int:pk>/report/", views.round_report, name="round_report"),
    path("rounds/<int:pk>/report.pdf", views.round_report_pdf, name="round_report_pdf"),
    path("comparisons/<int:pk>/status.json", views.comparison_status, name="comparison_status"),
    path("surveys/", views.my_surveys, name="my_surveys"),
    path("surveys/<int:pk>/", views.survey_answer, name="survey_answer"),
    path("workshops/", workshops.workshop_list, name="workshop_list"),
    path("workshops/new/", workshops.workshop_edit, name="workshop_create"),
    path("workshops/<int:pk>/", workshops.workshop_detail, name="workshop_detail"),
    path("workshops/<int:pk>/edit/", workshops.workshop_edit, name="workshop_edit"),
    path("workshops/<int:pk>/register/", workshops.workshop_register, name="workshop_register"),
    path(
        "workshops/<int:pk>/unregister/", workshops.workshop_unregister, name="workshop_unregister"
    ),
    path("workshops/<int:pk>/workshop.ics", workshops.workshop_ics, name="workshop_ics"),
]
