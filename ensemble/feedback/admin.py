from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from . import services
from .models import Activity, Comment, Follow, Heart, Report


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    can_delete = False
    fields = ("reporter", "reason", "note", "created_at", "resolved_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OpenReports(admin.SimpleListFilter):
    title = "reports"
    parameter_name = "reported"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "With open reports"), ("any", "Reported at all")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(reports__resolved_at__isnull=True).distinct()
        if self.value() == "any":
            return queryset.filter(reports__isnull=False).distinct()
        return queryset


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("excerpt", "author", "on", "timecode", "open_reports", "created_at", "deleted")
    list_filter = (OpenReports, ("deleted_at", admin.EmptyFieldListFilter))
    list_select_related = ("author", "record", "collaboration", "submission")
    search_fields = ("body", "author__username")
    raw_id_fields = ("author", "record", "collaboration", "submission", "parent", "version")
    readonly_fields = ("body_html", "created_at", "edited_at", "deleted_at")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    inlines = (ReportInline,)
    actions = ("delete_softly",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_report_count=Count("reports", filter=Q(reports__resolved_at__isnull=True))
            )
        )

    @admin.display(description="comment")
    def excerpt(self, comment: Comment) -> str:
        return comment.body[:80] if not comment.is_deleted else "(deleted)"

    @admin.display(description="on")
    def on(self, comment: Comment) -> str:
        target = comment.record or comment.collaboration or comment.submission
        return str(target)

    @admin.display(description="open reports", ordering="open_report_count")
    def open_reports(self, comment: Comment) -> int:
        return int(getattr(comment, "open_report_count", 0))

    @admin.display(boolean=True, description="deleted")
    def deleted(self, comment: Comment) -> bool:
        return comment.is_deleted

    @admin.action(description="Delete the text of the selected comments (replies stay)")
    def delete_softly(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        count = 0
        for comment in queryset.select_related("author"):
            if not comment.is_deleted:
                services.comment_delete(member=request.user, comment=comment)  # type: ignore[arg-type]
                count += 1
        self.message_user(request, f"Deleted {count} comment(s).", messages.SUCCESS)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # delete softly: replies keep their place


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("comment_excerpt", "reason", "reporter", "created_at", "resolved_at")
    list_filter = ("reason", ("resolved_at", admin.EmptyFieldListFilter))
    list_select_related = ("comment", "reporter")
    search_fields = ("note", "comment__body", "reporter__username")
    raw_id_fields = ("comment", "reporter")
    readonly_fields = ("created_at", "resolved_at")
    ordering = ("resolved_at", "-created_at", "-id")
    actions = ("resolve",)

    @admin.display(description="comment")
    def comment_excerpt(self, report: Report) -> str:
        return report.comment.body[:80] if not report.comment.is_deleted else "(deleted)"

    @admin.action(description="Mark the selected reports resolved")
    def resolve(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        count = services.reports_resolve(report_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"Resolved {count} report(s).", messages.SUCCESS)


@admin.register(Heart)
class HeartAdmin(admin.ModelAdmin):
    list_display = ("record", "member", "created_at")
    list_select_related = ("record", "member")
    raw_id_fields = ("record", "member")


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("follower", "member", "collaboration", "created_at")
    list_select_related = ("follower", "member", "collaboration")
    raw_id_fields = ("follower", "member", "collaboration")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("text", "verb", "actor", "created_at")
    list_filter = ("verb",)
    list_select_related = ("actor",)
    raw_id_fields = ("actor", "record", "collaboration")
    date_hierarchy = "created_at"
