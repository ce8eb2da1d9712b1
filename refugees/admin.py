from django.contrib import admin

from accounts.admin_audit import ReadAuditedAdmin
from accounts.admin_search import PostedSearchAdmin
from refugees.models import Consent, Household, Member, Needs, Preferences, Relative


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0


class NeedsInline(admin.StackedInline):
    model = Needs


class PreferencesInline(admin.StackedInline):
    model = Preferences


class RelativeInline(admin.TabularInline):
    model = Relative
    extra = 0


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    readonly_fields = ("text_version", "given_at", "recorded_by", "withdrawn_at", "withdrawn_by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Household)
class HouseholdAdmin(PostedSearchAdmin, ReadAuditedAdmin):
    """For support only: changes made here bypass the audited services, so reading is the rule
    (and every read is audited)."""

    list_display = ("reference", "organisation", "status", "updated_at")
    list_filter = ("status", "organisation")
    search_fields = ("reference",)
    raw_id_fields = ("caseworker", "contact_user")
    filter_horizontal = ("linked_households",)
    inlines = (MemberInline, NeedsInline, PreferencesInline, RelativeInline, ConsentInline)
