from django.urls import path

from accounts.views import account, organisations
from accounts.views import invitations as views

urlpatterns = [
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("audit/", views.audit_log, name="audit_log"),
    path("organisations/", organisations.organisation_list, name="organisation_list"),
    path("organisations/<int:pk>/", organisations.organisation_detail, name="organisation_detail"),
    path(
        "organisations/<int:pk>/caseworkers/<int:user_id>/deactivate/",
        organisations.caseworker_deactivate,
        name="organisation_caseworker_deactivate",
    ),
    path(
        "organisations/<int:pk>/caseworkers/<int:user_id>/reactivate/",
        organisations.caseworker_reactivate,
        name="organisation_caseworker_reactivate",
    ),
    path("account/", account.account_overview, name="account_overview"),
]
