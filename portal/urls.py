from django.urls import path

from portal.views import accessibility, apply, content, gdpr, public, records

urlpatterns = [
    path("programme/", public.programme, name="public_programme"),
    path("how-matching-works/", public.how_matching_works, name="public_matching"),
    path("results/", public.results_page, name="public_results"),
    path("results/results.csv", public.results_download, name="public_results_csv"),
    path("for-refugees/", public.for_refugees, name="public_refugees"),
    path("join/", apply.apply, name="application_form"),
    path("join/sent/", apply.application_sent, name="application_sent"),
    path("join/confirm/<str:token>/", apply.application_confirm, name="application_confirm"),
    path("programme/edit/", content.content_edit, name="programme_edit"),
    path("programme/edit/<str:language>/", content.content_edit, name="programme_edit_language"),
    path("programme/timeline/", content.timeline_edit, name="programme_timeline"),
    path("records-of-processing/", records.records_of_processing, name="records_of_processing"),
    path("accessibility/", accessibility.accessibility, name="accessibility"),
    # A household's data export and erasure gather what every app holds about it.
    path("households/<int:pk>/export.<str:kind>", gdpr.household_export, name="household_export"),
    path("households/<int:pk>/erase/", gdpr.household_erase, name="household_erase"),
]
