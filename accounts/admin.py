from typing import Any

from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin_audit import ReadAuditedAdmin
from accounts.admin_search import PostedSearchAdmin
from accounts.models import AccessibilityFeedback, AuditEvent, Invitation, Organisation, User


@admin.register(User)
class UserAdmin(PostedSearchAdmin, ReadAuditedAdmin, BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "role", "organisation", "is_active", "mail_refused_at")
    list_filter = (
        "role",
        "is_active",
        "is_staff",
        ("mail_refused_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "mail_refused_at", "password")}),
        (_("Profile"), {"fields": ("full_name", "role", "organisation", "preferred_language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    readonly_fields = ("mail_refused_at",)
    add_fieldsets = ((None, {"fields": ("email", "role", "password1", "password2")}),)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if change and "email" in form.changed_data:
            obj.mail_refused_at = None  # a corrected address: the refusal was the old one's
        super().save_model(request, obj, form, change)


@admin.register(Organisation)
class OrganisationAdmin(PostedSearchAdmin):
    list_display = ("name", "city")
    search_fields = ("name",)


@admin.register(Invitation)
class InvitationAdmin(ReadAuditedAdmin):
    list_display = (
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
        "mail_refused_at",
    )
    readonly_fields = ("token_hash",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "actor_label", "target_type", "target_id")
    list_filter = ("action",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(AccessibilityFeedback, ReadAuditedAdmin)


# Django's and allauth's own admins with a search box (allauth's searches by the user's e-mail
# address), registered again with the posted search: the typed text stays out of the URL.
admin.site.unregister(Group)
admin.site.unregister(EmailAddress)


@admin.register(Group)
class GroupAdmin(PostedSearchAdmin, BaseGroupAdmin):
    pass


@admin.register(EmailAddress)
class EmailAddressAdmin(PostedSearchAdmin, BaseEmailAddressAdmin):
    pass
