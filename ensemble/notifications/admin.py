from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("text", "kind", "recipient", "actor", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    list_select_related = ("recipient", "actor")
    search_fields = ("text", "subject_label", "recipient__username", "actor__username")
    raw_id_fields = ("recipient", "actor")
    readonly_fields = ("subject_type", "subject_id", "created_at", "read_at", "emailed_at")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
