from django.urls import path

from accounts.views import account
from accounts.views import invitations as views

urlpatterns = [
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("audit/", views.audit_log, name="audit_log"),
    path("account/", account.account_overview, name="account_overview"),
]
