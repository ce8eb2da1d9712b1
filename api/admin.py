from django.contrib import admin

from accounts.admin_search import PostedSearchAdmin
from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(PostedSearchAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__email", "prefix")
    readonly_fields = ("user", "prefix", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request) -> bool:
        return False  # tokens are created by their owners in the portal, and shown once
