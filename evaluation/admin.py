from django.contrib import admin

from evaluation.models import Comparison, Survey


@admin.register(Comparison)
class ComparisonAdmin(admin.ModelAdmin):
    list_display = ("round", "status", "household_count", "seconds", "created_at")
    list_filter = ("status",)
    readonly_fields = ("results", "error")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("round", "kind", "wave", "municipality", "due_on", "sent_at", "answered_at")
    list_filter = ("kind", "wave", "round")
    # Answers are read on the evaluation dashboard (aggregated) and in the anonymised export.
    exclude = ("answers",)
    raw_id_fields = ("household", "offer", "answered_by")
