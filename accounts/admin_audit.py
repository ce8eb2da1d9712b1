"""Reads in the Django admin are audited like reads in the portal: opening an object holding
personal data (a household with its members, birth dates and decrypted needs; an account)
writes an audit entry, so support access is as visible as caseworkers' access."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import HttpResponse

from accounts.audit import audit_log
from accounts.http import AuthenticatedHttpRequest


class ReadAuditedAdmin(admin.ModelAdmin):
    def change_view(  # type: ignore[override]
        self,
        request: AuthenticatedHttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context=None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                audit_log(actor=request.user, action="admin.object.viewed", target=obj)
        return response

    def history_view(  # type: ignore[override]
        self, request: AuthenticatedHttpRequest, object_id: str, extra_context=None
    ):
        response = super().history_view(request, object_id, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if response.status_code == 200 and obj is not None:
            audit_log(
                actor=request.user,
                action="admin.object.viewed",
                target=obj,
                changes={"part": "history"},
            )
        return response
