from django.urls import path

from rounds.views import programmes as views_programmes

urlpatterns = [
    path("", views_programmes.programme_list, name="programme_list"),
    path("new/", views_programmes.programme_create, name="programme_create"),
    path("<int:pk>/edit/", views_programmes.programme_change, name="programme_change"),
]
