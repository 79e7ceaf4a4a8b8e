"""Staff views of collaborations. Curation history is read-only: decisions are kept forever,
and changes go through the pages and the API, where the services check the rules."""

from typing import Any

from django.contrib import admin

from .models import Assignment, Collaboration, Decision, Invitation, Leadership, Submission


class LeadershipInline(admin.TabularInline):
    model = Leadership
    fk_name = "collaboration"
    extra = 0
    raw_id_fields = ("member", "added_by")
    readonly_fields = ("added_at",)


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "from_state", "to_state", "note")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Collaboration)
class CollaborationAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "deadline", "deadline_zone", "created_by", "created_at")
    list_filter = ("status", "off_spec")
    list_select_related = ("created_by",)
    search_fields = ("title", "partner_name", "created_by__username")
    raw_id_fields = ("created_by",)
    readonly_fields = ("brief_html", "created_at", "updated_at")
    inlines = (LeadershipInline,)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("record", "collaboration", "member", "state", "meets_requirements")
    list_filter = ("state", "meets_requirements")
    list_select_related = ("record", "collaboration", "member")
    search_fields = ("record__title", "member__username", "collaboration__title")
    readonly_fields = (
        "collaboration", "record", "version", "member", "assignment", "state",
        "meets_requirements", "shortfalls", "created_at", "updated_at",
    )  # fmt: skip
    inlines = (DecisionInline,)

    def has_add_permission(self, request: Any) -> bool:
        return False


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    raw_id_fields = ("member", "invited_by")
    readonly_fields = ("state", "created_at", "answered_at")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("title", "collaboration", "created_by", "created_at")
    list_select_related = ("collaboration", "created_by")
    search_fields = ("title", "collaboration__title")
    raw_id_fields = ("collaboration", "created_by")
    inlines = (InvitationInline,)
