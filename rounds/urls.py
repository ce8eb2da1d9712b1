from django.urls import path

from rounds.views import programmes as views_programmes
from rounds.views import rounds as views

urlpatterns = [
    path("new/", views.round_create, name="round_create"),
    path("<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("<int:pk>/open/", views.round_open, name="round_open"),
    path("<int:pk>/close/", views.round_close, name="round_close"),
    path("<int:pk>/phase/<slug:verb>/", views.round_advance, name="round_advance"),
]

# Programme years, under /programmes/ (rematch/urls.py).
programme_urlpatterns = [
    path("", views_programmes.programme_list, name="programme_list"),
    path("new/", views_programmes.programme_create, name="programme_create"),
    path("<int:pk>/edit/", views_programmes.programme_change, name="programme_change"),
]
