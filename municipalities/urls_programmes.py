from django.urls import path

from municipalities.views import programmes as views_programmes

urlpatterns = [
    path("<int:pk>/pledges/", views_programmes.programme_pledge, name="programme_pledge"),
    path(
        "<int:pk>/cohorts/new/", views_programmes.programme_cohort_add, name="programme_cohort_add"
    ),
]
