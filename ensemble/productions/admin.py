"""Staff views of productions. Cuts and renders change through the services (pages, API):
the admin shows them read-only where a direct edit would bypass the rules."""

from typing import Any

from django.contrib import admin

from .models import Cut, CutItem, Extra, Production, Render


class CutInline(admin.TabularInline):
    model = Cut
    extra = 0
    fields = ("name", "position", "revision", "updated_at")
    readonly_fields = ("revision", "updated_at")
    show_change_link = True


class ExtraInline(admin.TabularInline):
    model = Extra
    extra = 0
    raw_id_fields = ("record",)


@admin.register(Production)
class ProductionAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "collaboration", "commercial", "release_at", "created_at")
    list_filter = ("commercial",)
    search_fields = ("title",)
    raw_id_fields = ("owner", "collaboration")
    inlines = (CutInline, ExtraInline)


class CutItemInline(admin.TabularInline):
    model = CutItem
    extra = 0
    can_delete = False
    fields = ("position", "track", "role", "version", "record", "seconds")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Cut)
class CutAdmin(admin.ModelAdmin):
    list_display = ("name", "production", "revision", "updated_at")
    readonly_fields = ("timeline", "rule", "revision", "created_by", "editors")
    inlines = (CutItemInline,)


@admin.register(Render)
class RenderAdmin(admin.ModelAdmin):
    list_display = ("pk", "cut", "revision", "height", "state", "progress", "queued_at")
    list_filter = ("state", "height")
    readonly_fields = (
        "cut", "revision", "timeline", "height", "state", "progress", "message", "detail",
        "output", "ladder", "duration", "size_bytes", "worker", "attempts", "created_by",
        "queued_at", "run_after", "started_at", "heartbeat_at", "finished_at",
    )  # fmt: skip
