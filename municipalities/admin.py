from django.contrib import admin

from accounts.admin_search import PostedSearchAdmin
from municipalities.models import HousingUnit, Municipality, Questionnaire, StaffMembership


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Municipality)
class MunicipalityAdmin(PostedSearchAdmin):
    list_display = ("name", "ags", "federal_state", "settlement_type", "population")
    list_filter = ("federal_state", "settlement_type")
    search_fields = ("name", "ags")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [StaffMembershipInline]


class HousingUnitInline(admin.TabularInline):
    model = HousingUnit
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    """Read-only: answers change only through the portal, so that every change is audited."""

    list_display = ("municipality", "round", "status", "submitted_at", "version")
    list_filter = ("status", "round")
    inlines = [HousingUnitInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
